-- Retention (issue 8): clips older than the window are deleted by the
-- worker, oldest first, in small batches.
CREATE INDEX clips_recorded_at ON clips (recorded_at);

-- Files whose rows are gone, not yet removed from disk.  A row is deleted
-- and its file listed here in one statement, and a file is removed before
-- its entry: a worker killed anywhere in between leaves work that the
-- next pass finishes, never a file nobody knows about.  The clip's
-- identity says whether a newer clip has taken the same path since.
CREATE TABLE doomed_files (
    path         text PRIMARY KEY,
    device_id    text NOT NULL,
    recorded_at  timestamptz NOT NULL,
    since        timestamptz NOT NULL DEFAULT now()
);
