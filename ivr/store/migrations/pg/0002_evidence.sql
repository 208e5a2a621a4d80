-- The tamper-evident trail, as ../0002_evidence.sql, on PostgreSQL (altered in place: no
-- rebuild needed for new CHECKs). PostgreSQL had no rows before its chains, so none is legacy.
-- A trigger's WHEN cannot hold a subquery here: the maintenance exceptions live in ivr_guard().
CREATE TABLE evidence_maintenance (
    reason TEXT PRIMARY KEY CHECK (reason IN ('purge', 'legacy'))
);

ALTER TABLE calls
    ADD COLUMN asterisk          TEXT,
    ADD COLUMN caller_number     TEXT,
    ADD COLUMN profile_hash      TEXT,
    ADD COLUMN software_version  TEXT,
    ADD COLUMN rights            TEXT,
    ADD COLUMN evidence_complete INTEGER NOT NULL DEFAULT 1 CHECK (evidence_complete IN (0, 1)),
    ADD COLUMN evidence_head     TEXT,
    ADD COLUMN seal_seq          INTEGER UNIQUE,
    ADD COLUMN legacy            INTEGER NOT NULL DEFAULT 0 CHECK (legacy IN (0, 1)),
    DROP CONSTRAINT calls_outcome_check,
    ADD CONSTRAINT calls_outcome_check CHECK (outcome IN (
        'completed', 'no_choice', 'caller_hung_up', 'refused_voicemail', 'error', 'shutdown',
        'lost', 'incomplete'));
UPDATE calls SET legacy = 1;

ALTER TABLE call_events
    ADD COLUMN hash TEXT,
    DROP CONSTRAINT call_events_kind_check,
    ADD CONSTRAINT call_events_kind_check CHECK (kind IN (
        'prompt_started', 'prompt_finished', 'prompt_interrupted', 'prompt_failed', 'digit',
        'timeout', 'transfer_attempt', 'record', 'error', 'hangup', 'choice', 'limit',
        'out_of_tries', 'note', 'rights'));

CREATE INDEX calls_caller_number ON calls (caller_number);
CREATE INDEX calls_unhashed ON calls (id) WHERE ended_at IS NOT NULL AND evidence_head IS NULL;
CREATE INDEX call_events_unhashed ON call_events (call_id, seq) WHERE hash IS NULL;

-- ivr_guard(message, lifted_by): refuse the change with message, unless a maintenance row
-- lifts it ('any' reason, or the named one; 'none': nothing lifts it).
CREATE FUNCTION ivr_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_ARGV[1] = 'any' AND EXISTS (SELECT 1 FROM evidence_maintenance))
       OR EXISTS (SELECT 1 FROM evidence_maintenance WHERE reason = TG_ARGV[1]) THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

CREATE TRIGGER calls_sealed_update BEFORE UPDATE ON calls FOR EACH ROW
    WHEN (OLD.ended_at IS NOT NULL OR NEW.id IS DISTINCT FROM OLD.id
          OR NEW.started_at IS DISTINCT FROM OLD.started_at)
    EXECUTE FUNCTION ivr_guard('calls: a sealed call, its id and its start cannot change', 'any');
CREATE TRIGGER calls_no_delete BEFORE DELETE ON calls FOR EACH ROW
    EXECUTE FUNCTION ivr_guard('calls are removed only by purge', 'purge');
CREATE TRIGGER call_events_no_update BEFORE UPDATE ON call_events FOR EACH ROW
    EXECUTE FUNCTION ivr_guard('call_events is append-only', 'any');
CREATE TRIGGER call_events_no_delete BEFORE DELETE ON call_events FOR EACH ROW
    EXECUTE FUNCTION ivr_guard('call_events is append-only', 'purge');

CREATE FUNCTION ivr_event_of_open_call() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM calls WHERE id = NEW.call_id AND ended_at IS NOT NULL) THEN
        RAISE EXCEPTION 'call_events: the call is sealed'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER call_events_sealed_call BEFORE INSERT ON call_events FOR EACH ROW
    EXECUTE FUNCTION ivr_event_of_open_call();

-- Opt-outs: one chain over the table in chain_seq order.
ALTER TABLE optouts ADD COLUMN hash TEXT, ADD COLUMN chain_seq INTEGER;
CREATE UNIQUE INDEX optouts_chain_seq ON optouts (chain_seq);
CREATE INDEX optouts_unhashed ON optouts (created_at) WHERE hash IS NULL;
CREATE INDEX optouts_call ON optouts (call_id) WHERE call_id IS NOT NULL;
DROP TRIGGER optouts_append_only_update ON optouts;
CREATE TRIGGER optouts_append_only_update BEFORE UPDATE ON optouts FOR EACH ROW
    EXECUTE FUNCTION ivr_guard('optouts is append-only', 'legacy');

CREATE TABLE chain_heads (
    name TEXT PRIMARY KEY,
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO chain_heads (name, seq, hash) VALUES
    ('optouts', 0, '0449de1809702a3efbda5d3871847231e906b32c8fd17ad78f5377cff6250a01'),
    ('consents', 0, '7ebe4ac8dd1cfd96c163ac1c0a82e6b0681a8be0fb4dd054cc50383d599a269a'),
    ('seals', 0, 'c80f86d546cdaf1e138fd44765589cee2611d854303e7e83ef7884996e6026f8');
CREATE TRIGGER chain_heads_no_delete BEFORE DELETE ON chain_heads FOR EACH ROW
    EXECUTE FUNCTION ivr_guard('chain_heads rows are never removed', 'none');

CREATE TABLE evidence_legacy (
    chain    TEXT PRIMARY KEY,
    upto_seq INTEGER NOT NULL
);

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
    FOR EACH ROW EXECUTE FUNCTION ivr_guard('evidence_checkpoints is append-only', 'none');
CREATE TRIGGER evidence_checkpoints_no_delete BEFORE DELETE ON evidence_checkpoints
    FOR EACH ROW EXECUTE FUNCTION ivr_guard('evidence_checkpoints is append-only', 'none');

CREATE TABLE purged_calls (
    call_id       TEXT PRIMARY KEY,
    ended_at      TIMESTAMPTZ NOT NULL,
    evidence_head TEXT,
    seal_seq      INTEGER UNIQUE,
    purged_at     TIMESTAMPTZ NOT NULL
);
CREATE TRIGGER purged_calls_no_update BEFORE UPDATE ON purged_calls FOR EACH ROW
    EXECUTE FUNCTION ivr_guard('purged_calls is append-only', 'none');
CREATE TRIGGER purged_calls_no_delete BEFORE DELETE ON purged_calls FOR EACH ROW
    EXECUTE FUNCTION ivr_guard('purged_calls is append-only', 'none');
