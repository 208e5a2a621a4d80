-- Idempotency-Key of the write routes (docs/design.md 10.1, 14.21): the first answer to a key,
-- kept 24 hours so that a retry from any process gets it again.
CREATE TABLE idempotency_keys (
    token_name TEXT NOT NULL,  -- the token's name, or '-' without tokens
    key        TEXT NOT NULL,
    body_hash  TEXT NOT NULL,  -- H(method + " " + path + "\n" + canonical JSON body)
    status     INTEGER,        -- null while the first request is in flight
    answer     TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (token_name, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
