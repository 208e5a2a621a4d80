-- A scrubbed call file kept one hour, as ../0006_scrub_results.sql, on PostgreSQL.
CREATE TABLE scrub_results (
    id         TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    advertiser TEXT NOT NULL,
    filename   TEXT NOT NULL,
    body       BYTEA NOT NULL,
    stats      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX scrub_results_expires ON scrub_results (expires_at);
