"""The API side of trades: submit with an Idempotency-Key, approve, reject and cancel (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.unit.manifests import placeholder, sample_manifest
from tests.unit.memory import (
    FakeClock,
    InMemoryAuditRepository,
    InMemoryManifests,
    InMemoryTradesRepository,
    InMemoryVaultsRepository,
    RecordingFlow,
)
from tradewind.audit.service import AuditLog
from tradewind.chains.registry import ChainRegistry
from tradewind.deployments.manifest import TokenEntry
from tradewind.deployments.tokens import TokenService
from tradewind.errors import Conflict, InvalidInput, NotFound
from tradewind.trading.models import TradeRequest, TradeStatus
from tradewind.trading.service import TradeService
from tradewind.trading.vault_calls import ExactInputSwap, VaultCall, calldata, sign_digest
from tradewind.vaults.models import Vault, VaultStatus

USER = "u1"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
MANIFEST = sample_manifest(
    tokens=(
        TokenEntry(symbol="WETH", name="Wrapped Ether", decimals=18, address=placeholder("a")),
        TokenEntry(symbol="USDC", name="USD Coin", decimals=6, address=placeholder("b")),
    ),
    vault_defaults=None,
)


def _service() -> tuple[TradeService, InMemoryTradesRepository, RecordingFlow, InMemoryAuditRepository]:
    vaults = InMemoryVaultsRepository()
    for vault_id, status in (("v1", VaultStatus.ACTIVE), ("v-deploying", VaultStatus.DEPLOYING)):
        vaults.add(
            USER,
            Vault(id=vault_id, chain="local-l1", owner=placeholder("c"), status=status, created_at=NOW),
        )
    trades, flow, audit = InMemoryTradesRepository(), RecordingFlow(), InMemoryAuditRepository()
    clock = FakeClock(NOW)
    service = TradeService(
        trades,
        vaults,
        TokenService(ChainRegistry.select(["local-l1"]), InMemoryManifests({"local-l1": MANIFEST})),
        flow,
        audit=AuditLog(audit, clock),
        clock=clock,
        approval_timeout_s=60,
        confirm_poll_s=1,
    )
    return service, trades, flow, audit


def _request(**overrides: object) -> TradeRequest:
    fields: dict[str, object] = {"vault": "v1", "sell_token": "WETH", "buy_token": "usdc", "amount": "0.5"}
    return TradeRequest.model_validate(fields | overrides)


def test_a_submitted_trade_starts_its_flow_once_per_key() -> None:
    service, _, flow, _ = _service()
    # When the same request is submitted twice under one key
    first, created = service.submit(USER, "key-0001", _request())
    again, created_again = service.submit(USER, "key-0001", _request())
    # Then one trade exists, analyzing, and its execution (named after it) was asked to start
    # each time, which Step Functions makes idempotent
    assert (created, created_again, again.id) == (True, False, first.id)
    assert first.status is TradeStatus.ANALYZING
    assert [trade_id for trade_id, _ in flow.started] == [first.id, first.id]
    assert flow.started[0][1] == {
        "trade_id": first.id,
        "user_id": USER,
        "approval_timeout_s": 60,
        "confirm_poll_s": 1,
    }
    # And the same key with another amount is refused
    with pytest.raises(Conflict):
        service.submit(USER, "key-0001", _request(amount="0.6"))


@pytest.mark.parametrize(
    ("overrides", "error", "field"),
    [
        ({"vault": "nope"}, NotFound, None),
        ({"vault": "v-deploying"}, InvalidInput, "vault"),
        ({"sell_token": "DOGE"}, InvalidInput, "sell_token"),
        ({"buy_token": placeholder("d")}, InvalidInput, "buy_token"),
        ({"buy_token": placeholder("a")}, InvalidInput, "buy_token"),
    ],
)
def test_a_request_that_cannot_be_traded_is_refused_before_anything_is_recorded(
    overrides: dict[str, object], error: type[Exception], field: str | None
) -> None:
    service, trades, flow, _ = _service()
    with pytest.raises(error) as refused:
        service.submit(USER, "key-0002", _request(**overrides))
    if field is not None:
        assert isinstance(refused.value, InvalidInput)
        assert refused.value.field == field
    assert (trades.trades, flow.started) == ({}, [])


OWNER_KEY = bytes.fromhex("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")  # anvil 1
OWNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
DIGEST = bytes(range(32))
UNSIGNED_CALL = {
    "chain": "local-l1",
    "vault": placeholder("e"),
    "request": {
        "function": "swapExactInput",
        "router": placeholder("4"),
        "path": "0x" + "aa" * 20 + "0001f4" + "bb" * 20,
        "amount_in": "500000000000000000",
        "min_amount_out": "1490000000",
        "quoted_amount_out": "1497000000",
        "deadline": "1795608300",
    },
}


def _waiting(service: TradeService, trades: InMemoryTradesRepository, *, needs_signature: bool) -> str:
    trade, _ = service.submit(USER, "key-wait", _request())
    trades.transition(USER, trade.id, TradeStatus.AWAITING_APPROVAL, NOW, approval_token="token-1")
    call = VaultCall.model_validate(
        {
            **UNSIGNED_CALL,
            "data": "0x" + calldata(ExactInputSwap.model_validate(UNSIGNED_CALL["request"])).hex(),
        }
    )
    trades.annotate(
        USER,
        trade.id,
        frozenset({TradeStatus.AWAITING_APPROVAL}),
        risk={
            "owner_signature_required": needs_signature,
            "owner_digest": "0x" + DIGEST.hex(),
            "owner": OWNER,
        },
        vault_call=call.model_dump(mode="json"),
    )
    return trade.id


def test_approval_answers_the_waiting_step_and_needs_the_owners_signature_above_the_threshold() -> None:
    service, trades, flow, audit = _service()
    trade_id = _waiting(service, trades, needs_signature=True)
    # Without the owner's signature, or with someone else's, the approval is refused, naming the field
    with pytest.raises(InvalidInput) as refused:
        service.approve(USER, trade_id, "user:u1", None)
    assert refused.value.field == "owner_signature"
    stranger = sign_digest(bytes(31) + b"\x07", DIGEST)
    with pytest.raises(InvalidInput, match="not the vault owner"):
        service.approve(USER, trade_id, "user:u1", stranger)
    assert flow.approved == []
    # With it, the signed call (re-encoded) rides on the trade, the approval is audited and the step answered
    signature = sign_digest(OWNER_KEY, DIGEST)
    approved = service.approve(USER, trade_id, "user:u1", signature)
    signed = VaultCall.model_validate(approved.vault_call)
    assert signed.owner_signature == signature
    assert signature.removeprefix("0x") in signed.data
    assert approved.approved_by == "user:u1"
    assert flow.approved == [("token-1", {"approved_by": "user:u1"})]
    assert [entry.kind.value for entry in audit.chains[USER].values()] == ["approved"]


def test_reject_and_cancel_end_the_trade_at_once_and_end_the_wait() -> None:
    service, trades, flow, _ = _service()
    trade_id = _waiting(service, trades, needs_signature=False)
    rejected = service.reject(USER, trade_id, "user:u1")
    assert rejected.status is TradeStatus.REJECTED
    assert flow.ended == [("token-1", "TradeRejected")]
    # A trade still being analyzed is cancelled without a wait to end
    trade, _ = service.submit(USER, "key-cancel", _request(amount="0.7"))
    assert service.cancel(USER, trade.id, "apikey:k1").status is TradeStatus.CANCELLED
    assert flow.ended == [("token-1", "TradeRejected")]
    # Once signing has started, cancelling is a conflict, and approving a trade not waiting is refused
    signing, _ = service.submit(USER, "key-signing", _request(amount="0.8"))
    trades.transition(USER, signing.id, TradeStatus.SIGNING, NOW)
    with pytest.raises(Conflict):
        service.cancel(USER, signing.id, "user:u1")
    with pytest.raises(InvalidInput):
        service.approve(USER, signing.id, "user:u1", None)
    with pytest.raises(NotFound):
        service.get("someone-else", signing.id)
