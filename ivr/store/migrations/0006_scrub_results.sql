-- A scrubbed call file kept one hour for the web page's download (docs/design.md 14.28), so that
-- any `ivr api` process behind the same database can serve it.
CREATE TABLE scrub_results (
    id         TEXT PRIMARY KEY,  -- random, unguessable: the download link names it
    owner      TEXT NOT NULL,     -- the session's token name ('-' without tokens)
    advertiser TEXT NOT NULL,
    filename   TEXT NOT NULL,
    body       BLOB NOT NULL,
    stats      TEXT NOT NULL,     -- JSON: rows, suppressed, invalid, columns, mode
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX scrub_results_expires ON scrub_results (expires_at);
