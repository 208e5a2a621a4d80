-- The tamper-evident trail (docs/design.md 10.2, 14.5, 14.7, 14.9-14.11, 15.34, 15.35).
-- calls and call_events are rebuilt for their new CHECKs (the new call_events refers to the new
-- calls, and renaming that to calls renames the reference).
-- Rows already here are marked legacy; Store.open hashes them once (SQL has no SHA-256).
-- While a row is in here (inside one transaction only: purge, legacy hashing), the
-- triggers below let rows of calls and call_events change.
CREATE TABLE evidence_maintenance (
    reason TEXT PRIMARY KEY CHECK (reason IN ('purge', 'legacy'))
);

CREATE TABLE calls_v2 (
    id                TEXT PRIMARY KEY,
    channel_id        TEXT NOT NULL,
    asterisk          TEXT,
    advertiser        TEXT NOT NULL,
    campaign          TEXT,
    agent             TEXT,
    script            TEXT,
    number            TEXT,
    number_source     TEXT CHECK (number_source IN ('arg', 'caller_id', 'keyed')),
    caller_number     TEXT,
    lang              TEXT NOT NULL DEFAULT 'nl',
    profile           TEXT NOT NULL,
    profile_hash      TEXT,
    software_version  TEXT,
    extra             TEXT NOT NULL DEFAULT '{}',
    started_at        TEXT NOT NULL,
    ended_at          TEXT,
    outcome           TEXT CHECK (outcome IN ('completed', 'no_choice', 'caller_hung_up',
                                              'refused_voicemail', 'error', 'shutdown', 'lost',
                                              'incomplete')),
    rights            TEXT,
    evidence_complete INTEGER NOT NULL DEFAULT 1 CHECK (evidence_complete IN (0, 1)),
    evidence_head     TEXT,
    seal_seq          INTEGER UNIQUE,
    legacy            INTEGER NOT NULL DEFAULT 0 CHECK (legacy IN (0, 1))
);
INSERT INTO calls_v2 (id, channel_id, advertiser, campaign, agent, script, number, number_source,
                      lang, profile, extra, started_at, ended_at, outcome, legacy)
SELECT id, channel_id, advertiser, campaign, agent, script, number, number_source,
       lang, profile, extra, started_at, ended_at, outcome, 1
FROM calls;

CREATE TABLE call_events_v2 (
    call_id TEXT NOT NULL REFERENCES calls_v2 (id),
    seq     INTEGER NOT NULL,
    at      TEXT NOT NULL,
    kind    TEXT NOT NULL CHECK (kind IN ('prompt_started', 'prompt_finished', 'prompt_interrupted',
                                          'prompt_failed', 'digit', 'timeout', 'transfer_attempt',
                                          'record', 'error', 'hangup', 'choice', 'limit',
                                          'out_of_tries', 'note', 'rights')),
    detail  TEXT NOT NULL DEFAULT '{}',
    hash    TEXT,
    PRIMARY KEY (call_id, seq)
);
INSERT INTO call_events_v2 (call_id, seq, at, kind, detail)
SELECT call_id, seq, at, kind, detail FROM call_events;

DROP TABLE call_events;
DROP TABLE calls;
ALTER TABLE calls_v2 RENAME TO calls;
ALTER TABLE call_events_v2 RENAME TO call_events;

CREATE INDEX calls_channel ON calls (channel_id);
CREATE INDEX calls_advertiser ON calls (advertiser, started_at);
CREATE INDEX calls_number ON calls (number);
CREATE INDEX calls_caller_number ON calls (caller_number);
CREATE INDEX calls_started ON calls (started_at);
CREATE INDEX calls_open ON calls (outcome) WHERE outcome IS NULL;
CREATE INDEX calls_unhashed ON calls (id) WHERE ended_at IS NOT NULL AND evidence_head IS NULL;
CREATE INDEX call_events_unhashed ON call_events (call_id, seq) WHERE hash IS NULL;

-- A call may change while it is open (ended_at null), never its id or start; once sealed, never.
CREATE TRIGGER calls_sealed_update BEFORE UPDATE ON calls
WHEN (OLD.ended_at IS NOT NULL OR NEW.id IS NOT OLD.id OR NEW.started_at IS NOT OLD.started_at)
     AND NOT EXISTS (SELECT 1 FROM evidence_maintenance)
BEGIN
    SELECT RAISE(ABORT, 'calls: a sealed call, its id and its start cannot change');
END;
CREATE TRIGGER calls_no_delete BEFORE DELETE ON calls
WHEN NOT EXISTS (SELECT 1 FROM evidence_maintenance WHERE reason = 'purge')
BEGIN
    SELECT RAISE(ABORT, 'calls are removed only by purge');
END;
CREATE TRIGGER call_events_no_update BEFORE UPDATE ON call_events
WHEN NOT EXISTS (SELECT 1 FROM evidence_maintenance)
BEGIN
    SELECT RAISE(ABORT, 'call_events is append-only');
END;
CREATE TRIGGER call_events_no_delete BEFORE DELETE ON call_events
WHEN NOT EXISTS (SELECT 1 FROM evidence_maintenance WHERE reason = 'purge')
BEGIN
    SELECT RAISE(ABORT, 'call_events is append-only');
END;
CREATE TRIGGER call_events_sealed_call BEFORE INSERT ON call_events
WHEN EXISTS (SELECT 1 FROM calls WHERE id = NEW.call_id AND ended_at IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'call_events: the call is sealed');
END;

-- Opt-outs: one chain over the table in chain_seq order.
ALTER TABLE optouts ADD COLUMN hash TEXT;
ALTER TABLE optouts ADD COLUMN chain_seq INTEGER;
CREATE UNIQUE INDEX optouts_chain_seq ON optouts (chain_seq);
CREATE INDEX optouts_unhashed ON optouts (created_at) WHERE hash IS NULL;
CREATE INDEX optouts_call ON optouts (call_id) WHERE call_id IS NOT NULL;
DROP TRIGGER optouts_append_only_update;
CREATE TRIGGER optouts_append_only_update BEFORE UPDATE ON optouts
WHEN NOT EXISTS (SELECT 1 FROM evidence_maintenance WHERE reason = 'legacy')
BEGIN
    SELECT RAISE(ABORT, 'optouts is append-only');
END;

-- The heads of the chains; a writer reads and advances one in the transaction of its inserts.
-- Seeds: H("ivr-optouts-v1"), H("ivr-consents-v1"), H("ivr-seals-v1") (ivr/store/chain.py).
-- The seals chain links "call_id:evidence_head" lines in seal_seq order.
CREATE TABLE chain_heads (
    name TEXT PRIMARY KEY,
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO chain_heads (name, seq, hash) VALUES
    ('optouts', 0, '0449de1809702a3efbda5d3871847231e906b32c8fd17ad78f5377cff6250a01'),
    ('consents', 0, '7ebe4ac8dd1cfd96c163ac1c0a82e6b0681a8be0fb4dd054cc50383d599a269a'),
    ('seals', 0, 'c80f86d546cdaf1e138fd44765589cee2611d854303e7e83ef7884996e6026f8');
CREATE TRIGGER chain_heads_no_delete BEFORE DELETE ON chain_heads
BEGIN
    SELECT RAISE(ABORT, 'chain_heads rows are never removed');
END;

-- Rows hashed once by Store.open because they were written before the chains existed; the row
-- 'pending' asks for it (only once: a null hash found later is an alteration, not legacy).
CREATE TABLE evidence_legacy (
    chain    TEXT PRIMARY KEY,
    upto_seq INTEGER NOT NULL
);
INSERT INTO evidence_legacy (chain, upto_seq) VALUES ('pending', 0);

-- Checkpoints (14.11): the advertiser keeps copies elsewhere.
CREATE TABLE evidence_checkpoints (
    seq           INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
    seal_from     INTEGER NOT NULL,
    seal_to       INTEGER NOT NULL,
    calls_root    TEXT NOT NULL,
    optouts_head  TEXT NOT NULL,
    optouts_seq   INTEGER NOT NULL,
    consents_head TEXT NOT NULL,
    consents_seq  INTEGER NOT NULL,
    prev          TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE TRIGGER evidence_checkpoints_no_update BEFORE UPDATE ON evidence_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'evidence_checkpoints is append-only');
END;
CREATE TRIGGER evidence_checkpoints_no_delete BEFORE DELETE ON evidence_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'evidence_checkpoints is append-only');
END;

-- What purge leaves of a call so that the checkpoints still verify.
CREATE TABLE purged_calls (
    call_id       TEXT PRIMARY KEY,
    ended_at      TEXT NOT NULL,
    evidence_head TEXT,
    seal_seq      INTEGER UNIQUE,
    purged_at     TEXT NOT NULL
);
CREATE TRIGGER purged_calls_no_update BEFORE UPDATE ON purged_calls
BEGIN
    SELECT RAISE(ABORT, 'purged_calls is append-only');
END;
CREATE TRIGGER purged_calls_no_delete BEFORE DELETE ON purged_calls
BEGIN
    SELECT RAISE(ABORT, 'purged_calls is append-only');
END;
