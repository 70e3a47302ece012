-- The SRT ingest keeps every device's key salt in memory, so that its
-- handshake never waits on the database.  It LISTENs on "bb_devices" and
-- each change to a device's registration names the device there: a new
-- device can connect at once, and a deleted one is refused (and cut off)
-- at once.
CREATE FUNCTION devices_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('bb_devices', OLD.device_id);
    ELSE
        PERFORM pg_notify('bb_devices', NEW.device_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER devices_notify
    AFTER INSERT OR DELETE OR UPDATE OF key_salt ON devices
    FOR EACH ROW EXECUTE FUNCTION devices_notify();
