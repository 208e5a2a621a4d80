-- Consents and their withdrawals (docs/design.md 11.2, 14.24, 15.35): append-only, one hash chain
-- over the table in chain_seq order from H("ivr-consents-v1") (its head: chain_heads 'consents').

CREATE TABLE consents (
    id           TEXT PRIMARY KEY,
    number       TEXT NOT NULL,
    advertiser   TEXT NOT NULL,
    scope        TEXT,
    channel      TEXT CHECK (channel IN ('web', 'app', 'sms', 'email', 'phone', 'paper', 'other')),
    obtained_at  TEXT,
    proof_ref    TEXT,
    verified_at  TEXT,
    expires_at   TEXT,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('consent', 'withdrawal')),
    withdraws    TEXT REFERENCES consents (id),
    reason       TEXT,
    requested_by TEXT,
    call_id      TEXT,
    hash         TEXT NOT NULL,
    chain_seq    INTEGER NOT NULL,
    CHECK (
        (kind = 'consent' AND withdraws IS NULL AND scope IS NOT NULL AND channel IS NOT NULL
         AND obtained_at IS NOT NULL)
        OR
        (kind = 'withdrawal' AND withdraws IS NOT NULL AND scope IS NULL AND channel IS NULL
         AND obtained_at IS NULL AND proof_ref IS NULL AND verified_at IS NULL
         AND expires_at IS NULL)
    )
);
CREATE UNIQUE INDEX consents_chain_seq ON consents (chain_seq);
CREATE INDEX consents_number ON consents (number, advertiser);
CREATE INDEX consents_advertiser_created ON consents (advertiser, created_at);
CREATE INDEX consents_created ON consents (created_at);
-- One withdrawal per consent.
CREATE UNIQUE INDEX consents_one_withdrawal ON consents (withdraws) WHERE withdraws IS NOT NULL;

CREATE TRIGGER consents_append_only_update BEFORE UPDATE ON consents
BEGIN
    SELECT RAISE(ABORT, 'consents is append-only');
END;
CREATE TRIGGER consents_append_only_delete BEFORE DELETE ON consents
BEGIN
    SELECT RAISE(ABORT, 'consents is append-only');
END;
