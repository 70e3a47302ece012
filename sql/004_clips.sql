-- The clip library: one row per finished one-minute clip (or the partial
-- minute that starts or ends a session), written by the worker that probed
-- the file.  One row per device and start time, whatever the number of
-- times the clip was announced.
CREATE TABLE clips (
    clip_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id    text NOT NULL REFERENCES devices (device_id)
                 ON DELETE CASCADE,
    recorded_at  timestamptz NOT NULL,
    duration_ms  integer NOT NULL CHECK (duration_ms > 0),
    size_bytes   bigint NOT NULL CHECK (size_bytes > 0),
    video_codec  text NOT NULL,
    width        integer NOT NULL,
    height       integer NOT NULL,
    audio_codec  text,
    -- Relative to the storage folder: <device_id>/<YYYY-MM-DD>/<HHMMSS>.mp4
    path         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (device_id, recorded_at)
);
