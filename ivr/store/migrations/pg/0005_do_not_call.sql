-- us-tcpa: the opt-out kind do_not_call, as ../0005_do_not_call.sql (PostgreSQL changes the
-- CHECK in place).
ALTER TABLE optouts
    DROP CONSTRAINT optouts_kind_check,
    ADD CONSTRAINT optouts_kind_check CHECK (kind IN ('recht_van_verzet', 'bel_me_niet',
                                                      'revocation', 'do_not_call'));
