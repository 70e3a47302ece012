-- What a device holds, summed per quarter hour: day folders and device
-- totals are read from here instead of from every clip row.
--
-- A quarter hour of UTC never straddles a day of any time zone (zones are
-- whole quarter hours from UTC), so a device's days in its own zone are
-- the slots grouped by their local date: about 96 rows a day to sum,
-- whatever the number of clips, and a zone change needs no rewrite.
CREATE TABLE clip_slots (
    device_id    text NOT NULL REFERENCES devices (device_id)
                 ON DELETE CASCADE,
    slot         timestamptz NOT NULL,      -- start of the quarter hour
    clip_count   integer NOT NULL,
    bytes        bigint NOT NULL,
    duration_ms  bigint NOT NULL,
    PRIMARY KEY (device_id, slot)
);

-- Kept by statement triggers over the rows a statement touched, so that a
-- day deleted in one statement updates its 96 slots once each, not once
-- per clip.  An update (a longer clip replacing a shorter one) removes
-- the old row's figures and adds the new one's.
CREATE FUNCTION clip_slots_track() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE clip_slots s
        SET clip_count = s.clip_count - r.n, bytes = s.bytes - r.b,
            duration_ms = s.duration_ms - r.d
        FROM (SELECT device_id,
                     date_bin('15 minutes', recorded_at, 'epoch') AS slot,
                     count(*) AS n, sum(size_bytes) AS b,
                     sum(duration_ms) AS d
              FROM removed GROUP BY 1, 2) r
        WHERE s.device_id = r.device_id AND s.slot = r.slot;

        DELETE FROM clip_slots s
        USING (SELECT DISTINCT device_id FROM removed) r
        WHERE s.device_id = r.device_id AND s.clip_count <= 0;
    END IF;

    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO clip_slots AS s (device_id, slot, clip_count, bytes,
                                     duration_ms)
        SELECT device_id, date_bin('15 minutes', recorded_at, 'epoch'),
               count(*), sum(size_bytes), sum(duration_ms)
        FROM added GROUP BY 1, 2
        ON CONFLICT (device_id, slot) DO UPDATE
        SET clip_count = s.clip_count + excluded.clip_count,
            bytes = s.bytes + excluded.bytes,
            duration_ms = s.duration_ms + excluded.duration_ms;
    END IF;

    RETURN NULL;
END
$$;

CREATE TRIGGER clip_slots_insert AFTER INSERT ON clips
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION clip_slots_track();

CREATE TRIGGER clip_slots_update AFTER UPDATE ON clips
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION clip_slots_track();

CREATE TRIGGER clip_slots_delete AFTER DELETE ON clips
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION clip_slots_track();

-- The clips held before this migration.
INSERT INTO clip_slots (device_id, slot, clip_count, bytes, duration_ms)
SELECT device_id, date_bin('15 minutes', recorded_at, 'epoch'), count(*),
       sum(size_bytes), sum(duration_ms)
FROM clips GROUP BY 1, 2;
