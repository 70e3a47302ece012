-- Dashcams.  A device belongs to one account at a time; its id is chosen
-- by the device (its serial, say) and fixed for its life.
--
-- The device key is never stored: it is derived from a server secret and
-- key_salt (HMAC-SHA256), so that the SRT ingest can set it as the
-- connection's passphrase without the database holding it in clear, and a
-- device registered again gets a new salt and so a new key.
CREATE TABLE devices (
    device_id     text PRIMARY KEY
                  CHECK (device_id ~ '^[A-Za-z0-9._-]{3,64}$'),
    user_id       bigint NOT NULL REFERENCES users (id),
    nickname      text NOT NULL CHECK (length(nickname) BETWEEN 1 AND 64),
    key_salt      text NOT NULL CHECK (key_salt ~ '^[0-9a-f]{32}$'),
    time_zone     text NOT NULL DEFAULT 'UTC',
    -- Saved from the Redis heartbeat at most once a minute, so that it
    -- survives a Redis loss.
    last_seen_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX devices_user ON devices (user_id, created_at);
