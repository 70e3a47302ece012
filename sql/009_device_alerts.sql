-- What the worker has told owners about their dashcams (issue 8), kept
-- with the device so that any number of workers, restarted at any moment,
-- send each mail once: the row is updated in the same transaction that
-- puts the mail in the outbox.

-- Set when the "silent" mail of a stretch went out; cleared, with the
-- "back online" mail, when the device is heard from again.
ALTER TABLE devices ADD COLUMN offline_alert_at timestamptz;

-- The last impact mail: at most one every 5 minutes a device.
ALTER TABLE devices ADD COLUMN event_mailed_at timestamptz;

CREATE INDEX devices_offline_alert ON devices (offline_alert_at)
    WHERE offline_alert_at IS NOT NULL;
