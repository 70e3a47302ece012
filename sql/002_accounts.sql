-- Sign-up and login codes, and the mail outbox.

-- One live code per user and purpose: a new code replaces the old one.  For
-- logins, id is the challenge_id the client holds.  Codes are never stored
-- in clear: code_hash is HMAC-SHA256 under a server secret (6 digits are too
-- few to survive a plain hash of a leaked table).
CREATE TABLE auth_codes (
    id          text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{32}$'),
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     text NOT NULL CHECK (purpose IN ('verify_email', 'login')),
    code_hash   bytea NOT NULL,
    tries_left  smallint NOT NULL DEFAULT 5 CHECK (tries_left >= 0),
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, purpose)
);

-- Every mail goes through here, written in the same transaction as what
-- caused it, and is sent by a worker: a mail server outage delays mail but
-- never loses it, and never slows a request.
CREATE TABLE outbox (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    to_addr          text NOT NULL,
    subject          text NOT NULL,
    body             text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    -- Also a lease: a worker that claims a mail pushes this ahead, so the
    -- mail of a worker that died mid-send is tried again after the lease.
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text,
    sent_at          timestamptz
);

CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL;
