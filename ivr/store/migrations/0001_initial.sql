-- Tables of docs/design.md section 5. Times are UTC ISO 8601 text (sortable).
CREATE TABLE calls (
    id            TEXT PRIMARY KEY,
    channel_id    TEXT NOT NULL,
    advertiser    TEXT NOT NULL,
    campaign      TEXT,
    agent         TEXT,
    script        TEXT,
    number        TEXT,
    number_source TEXT CHECK (number_source IN ('arg', 'caller_id', 'keyed')),
    lang          TEXT NOT NULL DEFAULT 'nl',
    profile       TEXT NOT NULL,
    extra         TEXT NOT NULL DEFAULT '{}',
    started_at    TEXT NOT NULL,
    ended_at      TEXT,
    outcome       TEXT CHECK (outcome IN ('completed', 'no_choice', 'caller_hung_up',
                                          'refused_voicemail', 'error', 'shutdown', 'lost'))
);
CREATE INDEX calls_channel ON calls (channel_id);
CREATE INDEX calls_advertiser ON calls (advertiser, started_at);
CREATE INDEX calls_number ON calls (number);
CREATE INDEX calls_started ON calls (started_at);
CREATE INDEX calls_open ON calls (outcome) WHERE outcome IS NULL;

CREATE TABLE call_events (
    call_id TEXT NOT NULL REFERENCES calls (id),
    seq     INTEGER NOT NULL,
    at      TEXT NOT NULL,
    kind    TEXT NOT NULL CHECK (kind IN ('prompt_started', 'prompt_finished', 'prompt_interrupted',
                                          'prompt_failed', 'digit', 'timeout', 'transfer_attempt',
                                          'record', 'error', 'hangup')),
    detail  TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (call_id, seq)
);

CREATE TABLE optouts (
    id         TEXT PRIMARY KEY,
    number     TEXT NOT NULL,
    advertiser TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('recht_van_verzet', 'bel_me_niet', 'revocation')),
    scope      TEXT,
    charities  INTEGER CHECK (charities IN (0, 1)),
    source     TEXT NOT NULL CHECK (source IN ('ivr', 'agent', 'api', 'import')),
    agent      TEXT,
    call_id    TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    revokes    TEXT REFERENCES optouts (id),
    reason     TEXT,
    -- a revocation: who asked for it (the consumer's explicit request)
    requested_by TEXT
);
CREATE INDEX optouts_number ON optouts (number);
CREATE INDEX optouts_advertiser_created ON optouts (advertiser, created_at);
CREATE INDEX optouts_created ON optouts (created_at);
-- One IVR opt-out per (call, kind): a resync or a retry never adds a second.
CREATE UNIQUE INDEX optouts_one_per_call_kind ON optouts (call_id, kind)
    WHERE source = 'ivr' AND kind != 'revocation';
-- One revocation per opt-out.
CREATE UNIQUE INDEX optouts_one_revocation ON optouts (revokes) WHERE revokes IS NOT NULL;

CREATE TRIGGER optouts_append_only_update BEFORE UPDATE ON optouts
BEGIN
    SELECT RAISE(ABORT, 'optouts is append-only');
END;
CREATE TRIGGER optouts_append_only_delete BEFORE DELETE ON optouts
BEGIN
    SELECT RAISE(ABORT, 'optouts is append-only');
END;

-- One row that /readyz rewrites to prove the database takes writes.
CREATE TABLE store_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at TEXT NOT NULL
);
