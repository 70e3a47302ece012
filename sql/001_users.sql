-- Owners' accounts.  Usernames and e-mail addresses are unique without
-- regard to case; the username is also the display name.

CREATE TABLE users (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username            text NOT NULL
                        CHECK (username ~ '^[a-z0-9._-]{3,32}$'),
    email               text NOT NULL
                        CHECK (length(email) BETWEEN 3 AND 254),
    -- "scrypt$N$r$p$salt$hash": the parameters travel with the hash so they
    -- can be raised later without locking anyone out.
    password_hash       text NOT NULL,
    language            text NOT NULL DEFAULT 'en'
                        CHECK (language IN ('en', 'ko')),
    email_verified_at   timestamptz,
    -- Tokens issued before this instant are refused (password change).
    tokens_not_before   timestamptz NOT NULL DEFAULT '-infinity',
    created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
