-- Impact events a dashcam reports (POST /ingest/v1/devices/{id}/events).
--
-- An event marks the clip that covers its time and the clip after it (a
-- crash often runs on into the next minute).  Events and clips arrive in
-- any order, a back-filled clip hours after its event, so the marks are
-- worked out by the database whenever either side changes: both triggers
-- below recompute the marks of the clips near the change, which gives the
-- same answer whatever came first.
CREATE TABLE device_events (
    event_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id    text NOT NULL REFERENCES devices (device_id)
                 ON DELETE CASCADE,
    type         text NOT NULL CHECK (type IN ('impact')),
    at           timestamptz NOT NULL,
    g            double precision CHECK (g >= 0),
    received_at  timestamptz NOT NULL DEFAULT now(),
    -- set by the worker once the owner was told (or it was folded into a
    -- mail of the same device's stretch of events)
    notified_at  timestamptz
);

CREATE INDEX device_events_at ON device_events (device_id, at);
CREATE INDEX device_events_pending ON device_events (received_at)
    WHERE notified_at IS NULL;

ALTER TABLE clips ADD COLUMN event boolean NOT NULL DEFAULT false;

-- Recomputes the marks of dev's clips that start in [t0, t1].  A clip
-- covers [recorded_at, recorded_at + duration); it is marked when it
-- covers an event, or when it is the first clip to start after one and
-- starts within 2 minutes of it (so also after a gap in the footage).
CREATE FUNCTION clips_mark_events(dev text, t0 timestamptz, t1 timestamptz)
RETURNS void
LANGUAGE sql AS $$
    UPDATE clips c SET event = m.marked
    FROM (SELECT c2.clip_id,
                 EXISTS (
                     SELECT 1 FROM device_events e
                     WHERE e.device_id = dev
                       AND e.at >= c2.recorded_at - interval '2 minutes'
                       AND e.at < c2.recorded_at
                                  + c2.duration_ms * interval '1 ms'
                       AND (e.at >= c2.recorded_at      -- it covers e
                            OR NOT EXISTS (              -- the first after e
                                SELECT 1 FROM clips d
                                WHERE d.device_id = dev
                                  AND d.recorded_at > e.at
                                  AND d.recorded_at < c2.recorded_at)))
                 AS marked
          FROM clips c2
          WHERE c2.device_id = dev
            AND c2.recorded_at BETWEEN t0 AND t1) m
    WHERE c.clip_id = m.clip_id AND c.event IS DISTINCT FROM m.marked;
$$;

-- A clip starts at most a few minutes before an event it covers (clips are
-- a minute, a back-filled one a little more); the one after starts at most
-- 2 minutes after.
CREATE FUNCTION device_events_mark() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM clips_mark_events(NEW.device_id, NEW.at - interval '10 minutes',
                              NEW.at + interval '2 minutes');
    RETURN NULL;
END
$$;

CREATE TRIGGER device_events_mark AFTER INSERT ON device_events
    FOR EACH ROW EXECUTE FUNCTION device_events_mark();

-- A clip that arrives (or grows) may take an event's mark from the clip
-- after it, or be marked itself.  Updating "event" alone fires nothing.
CREATE FUNCTION clips_event_mark() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM clips_mark_events(NEW.device_id,
                              NEW.recorded_at - interval '2 minutes',
                              NEW.recorded_at + interval '3 minutes');
    RETURN NULL;
END
$$;

CREATE TRIGGER clips_event_mark
    AFTER INSERT OR UPDATE OF recorded_at, duration_ms ON clips
    FOR EACH ROW EXECUTE FUNCTION clips_event_mark();

-- A day folder counts its events: the slots keep the count of marked clips.
ALTER TABLE clip_slots ADD COLUMN event_count integer NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION clip_slots_track() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE clip_slots s
        SET clip_count = s.clip_count - r.n, bytes = s.bytes - r.b,
            duration_ms = s.duration_ms - r.d,
            event_count = s.event_count - r.e
        FROM (SELECT device_id,
                     date_bin('15 minutes', recorded_at, 'epoch') AS slot,
                     count(*) AS n, sum(size_bytes) AS b,
                     sum(duration_ms) AS d, count(*) FILTER (WHERE event) AS e
              FROM removed GROUP BY 1, 2) r
        WHERE s.device_id = r.device_id AND s.slot = r.slot;

        DELETE FROM clip_slots s
        USING (SELECT DISTINCT device_id FROM removed) r
        WHERE s.device_id = r.device_id AND s.clip_count <= 0;
    END IF;

    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO clip_slots AS s (device_id, slot, clip_count, bytes,
                                     duration_ms, event_count)
        SELECT device_id, date_bin('15 minutes', recorded_at, 'epoch'),
               count(*), sum(size_bytes), sum(duration_ms),
               count(*) FILTER (WHERE event)
        FROM added GROUP BY 1, 2
        ON CONFLICT (device_id, slot) DO UPDATE
        SET clip_count = s.clip_count + excluded.clip_count,
            bytes = s.bytes + excluded.bytes,
            duration_ms = s.duration_ms + excluded.duration_ms,
            event_count = s.event_count + excluded.event_count;
    END IF;

    RETURN NULL;
END
$$;
