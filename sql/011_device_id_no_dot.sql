-- A device id names the device's storage folder; the storage's own
-- folders (.recording, .incoming) start with a dot, so no id may.
ALTER TABLE devices ADD CONSTRAINT devices_id_no_leading_dot
    CHECK (device_id !~ '^\.');
