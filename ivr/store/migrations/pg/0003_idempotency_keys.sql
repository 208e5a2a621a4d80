-- Idempotency-Key of the write routes, as ../0003_idempotency_keys.sql, on PostgreSQL.
CREATE TABLE idempotency_keys (
    token_name TEXT NOT NULL,
    key        TEXT NOT NULL,
    body_hash  TEXT NOT NULL,
    status     INTEGER,
    answer     TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (token_name, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
