"""Consents: append-only, hash-chained, withdrawn once, and withdrawn by a recht van verzet."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ivr.clock import VirtualClock
from ivr.domain import ConsentChannel, ConsentKind, ConsentRequest, OptOutKind
from ivr.store import AlreadyWithdrawn, ConsentNotFound, Store
from tests import sql

from .conftest import NUMBER, agent_request, ivr_request

OTHER = "+31687654321"
OBTAINED = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


def consent(**changes: Any) -> ConsentRequest:
    fields: dict[str, Any] = {
        "number": NUMBER,
        "advertiser": "acme",
        "scope": "all",
        "channel": ConsentChannel.WEB,
        "obtained_at": OBTAINED,
        "created_by": "api",
        "proof_ref": "form-123",
    }
    fields.update(changes)
    return ConsentRequest(**fields)


def rows_in_chain_order(db: str) -> list[dict[str, Any]]:
    return sql.rows(db, "SELECT * FROM consents ORDER BY chain_seq")


async def verify_chain(store: Store) -> int:
    """``ivr evidence verify`` finds every chain intact (the consents chain walked from
    H("ivr-consents-v1") up to its head); the number of consent rows it checked."""
    report = await store.verify_evidence()
    assert report.mismatches == []
    return report.counts["consents"]


async def test_a_consent_reads_back_as_given(store: Store, clock: VirtualClock) -> None:
    verified = OBTAINED + timedelta(days=1)
    expires = OBTAINED + timedelta(days=365)
    row = await store.record_consent(
        consent(scope=("energie", "goede-doelen"), verified_at=verified, expires_at=expires)
    )
    assert await store.get_consent(row.id) == row
    assert (row.kind, row.scope, row.channel) == (
        ConsentKind.CONSENT,
        ("energie", "goede-doelen"),
        ConsentChannel.WEB,
    )
    assert (row.obtained_at, row.verified_at, row.expires_at) == (OBTAINED, verified, expires)
    assert (row.created_at, row.created_by, row.proof_ref) == (clock.now(), "api", "form-123")
    assert row.withdraws is None and row.reason is None


async def test_every_row_is_chained_from_the_consents_seed(store: Store) -> None:
    first = await store.record_consent(consent())
    await store.record_consent(consent(number=OTHER, scope=("energie",)))
    await store.withdraw_consent(first.id, "asked by phone", "consumer", "api")
    assert await verify_chain(store) == 3


async def test_a_withdrawal_keeps_only_its_own_fields(store: Store) -> None:
    given = await store.record_consent(consent())
    withdrawal = await store.withdraw_consent(given.id, "asked by mail", "consumer", "desk")
    assert withdrawal.kind is ConsentKind.WITHDRAWAL
    assert (withdrawal.withdraws, withdrawal.reason, withdrawal.requested_by) == (
        given.id,
        "asked by mail",
        "consumer",
    )
    assert (withdrawal.number, withdrawal.advertiser) == (given.number, given.advertiser)
    consent_only = (withdrawal.scope, withdrawal.channel, withdrawal.obtained_at)
    assert consent_only == (None, None, None)
    assert (withdrawal.proof_ref, withdrawal.verified_at, withdrawal.expires_at) == (None,) * 3


async def test_a_consent_is_withdrawn_once(store: Store) -> None:
    given = await store.record_consent(consent())
    withdrawal = await store.withdraw_consent(given.id, "r", "consumer", "api")
    with pytest.raises(AlreadyWithdrawn):
        await store.withdraw_consent(given.id, "again", "consumer", "api")
    with pytest.raises(ConsentNotFound):
        await store.withdraw_consent(withdrawal.id, "a withdrawal", "consumer", "api")
    with pytest.raises(ConsentNotFound):
        await store.withdraw_consent("no-such-id", "r", "consumer", "api")


async def test_the_table_is_append_only(store: Store, db_url: str) -> None:
    await store.record_consent(consent())
    with pytest.raises(sql.DatabaseError, match="append-only"):
        sql.rows(db_url, "UPDATE consents SET proof_ref = 'forged'")
    with pytest.raises(sql.DatabaseError, match="append-only"):
        sql.rows(db_url, "DELETE FROM consents")


async def test_the_same_consent_twice_is_one_row(store: Store, db_url: str) -> None:
    first = await store.record_consent(consent())
    again = await store.record_consent(consent(proof_ref="another form"))
    assert again == first
    assert len(rows_in_chain_order(db_url)) == 1


@pytest.mark.parametrize("kind", [OptOutKind.RECHT_VAN_VERZET, OptOutKind.DO_NOT_CALL])
async def test_an_objection_withdraws_every_active_consent_of_that_number_and_advertiser(
    store: Store, kind: OptOutKind
) -> None:
    all_scope = await store.record_consent(consent())
    energy = await store.record_consent(consent(scope=("energie",), channel=ConsentChannel.SMS))
    ended = await store.record_consent(consent(obtained_at=OBTAINED - timedelta(days=30)))
    await store.withdraw_consent(ended.id, "earlier", "consumer", "api")
    other_advertiser = await store.record_consent(consent(advertiser="globex"))
    other_number = await store.record_consent(consent(number=OTHER))

    optout = await store.record_optout(ivr_request("call-9", kind))

    rows = await store.consents_of(NUMBER, "acme")
    withdrawals = {r.withdraws: r for r in rows if r.kind is ConsentKind.WITHDRAWAL}
    assert set(withdrawals) == {all_scope.id, energy.id, ended.id}
    for target in (all_scope.id, energy.id):
        made = withdrawals[target]
        assert made.reason == f"{kind.value}:{optout.id}"
        assert (made.call_id, made.requested_by) == ("call-9", "consumer")
        assert made.created_at == optout.created_at
    assert withdrawals[ended.id].reason == "earlier"
    untouched = await store.consents_of(NUMBER, "globex") + await store.consents_of(OTHER, "acme")
    assert {r.id for r in untouched} == {other_advertiser.id, other_number.id}
    assert await verify_chain(store) == 8


async def test_objections_recorded_in_one_batch_each_withdraw_their_own_consents(
    store: Store,
) -> None:
    given = {
        (number, advertiser): await store.record_consent(
            consent(number=number, advertiser=advertiser)
        )
        for number in (NUMBER, OTHER)
        for advertiser in ("acme", "globex")
    }
    commits = store.commits

    recorded = await asyncio.gather(
        store.record_optout(ivr_request("call-1")),
        store.record_optout(ivr_request("call-2", number=OTHER)),
        store.record_optout(ivr_request("call-3", OptOutKind.DO_NOT_CALL, advertiser="globex")),
        store.record_optout(
            ivr_request("call-4", OptOutKind.BEL_ME_NIET, number=OTHER, advertiser="globex")
        ),
    )

    assert store.commits == commits + 1
    for optout in recorded:
        rows = await store.consents_of(optout.number, optout.advertiser)
        withdrawn = [(r.withdraws, r.reason) for r in rows if r.kind is ConsentKind.WITHDRAWAL]
        if optout.kind is OptOutKind.BEL_ME_NIET:
            assert withdrawn == []
        else:
            target = given[(optout.number, optout.advertiser)].id
            assert withdrawn == [(target, f"{optout.kind.value}:{optout.id}")]
    assert await verify_chain(store) == 7


async def test_a_register_entry_withdraws_no_consent(store: Store) -> None:
    await store.record_consent(consent())
    await store.record_optout(ivr_request("call-1", OptOutKind.BEL_ME_NIET))
    await store.record_optout(agent_request(advertiser="globex"))
    rows = await store.consents_of(NUMBER, "acme")
    assert [r.kind for r in rows] == [ConsentKind.CONSENT]


async def test_the_same_ivr_objection_twice_withdraws_once(store: Store) -> None:
    await store.record_consent(consent())
    await store.record_optout(ivr_request("call-1"))
    await store.record_optout(ivr_request("call-1"))
    rows = await store.consents_of(NUMBER, "acme")
    assert [r.kind for r in rows] == [ConsentKind.CONSENT, ConsentKind.WITHDRAWAL]


async def test_an_import_skips_duplicates_and_counts_the_new_rows(store: Store) -> None:
    await store.record_consent(consent())
    requests = [
        consent(),  # already stored
        consent(number=OTHER),
        consent(number=OTHER),  # twice in the file
        consent(scope=("energie",)),
    ]
    assert await store.import_consents(requests) == 2
    assert await verify_chain(store) == 3


async def test_the_advertiser_of_a_consent_is_known(store: Store) -> None:
    assert not await store.advertiser_known("initech")
    await store.record_consent(consent(advertiser="initech"))
    assert await store.advertiser_known("initech")


async def test_listing_and_active_consents_by_advertiser(store: Store) -> None:
    kept = await store.record_consent(consent())
    gone = await store.record_consent(consent(number=OTHER))
    await store.withdraw_consent(gone.id, "r", "consumer", "api")
    listed = [row async for row in store.iter_consents(advertiser="acme")]
    assert [row.kind for row in listed] == [
        ConsentKind.CONSENT,
        ConsentKind.CONSENT,
        ConsentKind.WITHDRAWAL,
    ]
    assert await store.active_consents("acme") == {NUMBER: [kept]}
