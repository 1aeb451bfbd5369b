"""The trade flow's other paths on the local cloud: approval by the user, the owner's signature above
the vault's threshold, expiry, rejection and cancellation, concurrent trades sharing the operator's
nonces, and the vault refusing its operator outside its rules."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from eth_abi.abi import encode
from eth_typing import HexStr
from fastapi.testclient import TestClient
from pydantic import HttpUrl
from web3 import HTTPProvider, Web3
from web3.contract import Contract

from localcloud import LocalCloud
from localcloud.market import artifacts
from tests.support.trades import (
    ANVIL_KEY_1,
    ANVIL_KEY_2,
    ANVIL_KEY_4,
    Trader,
    address_of,
    audit_entries,
    open_trader,
    rpc_url,
    submit,
    submitted_id,
    wait_for,
)
from tradewind.chain.kms_signer import KmsSigner
from tradewind.chain.sender import TransactionRequest, TransactionSender, build_sender
from tradewind.chain.settings import ChainSenderSettings
from tradewind.chains.registry import KNOWN_CHAINS
from tradewind.holdings.multicall import selector
from tradewind.trading.vault_calls import ExactInputSwap, calldata, sign_digest

pytestmark = pytest.mark.integration

AWAITING = frozenset({"awaiting_approval"})
APPROVAL_NEEDED = {
    "max_trade_usd": "5000",
    "max_daily_usd": "50000",
    "automation": {"auto_approve": False, "auto_approve_max_usd": "100", "auto_approve_tokens": []},
}
AUTO_APPROVED = {
    "max_trade_usd": "5000",
    "max_daily_usd": "50000",
    "automation": {"auto_approve": True, "auto_approve_max_usd": "5000", "auto_approve_tokens": []},
}
# Above the local vault's 25,000 USD signature threshold (0.45 WBTC is about 27,000 USD), within its
# 50,000 USD per-trade cap. Such a sale moves its pool by over 1 %: it trades WBTC/WETH, so that the
# WETH/USDC pool the other tests trade in keeps its price.
LARGE_SALE = {
    "max_trade_usd": "40000",
    "max_daily_usd": "100000",
    "max_price_impact_bps": 500,
    "automation": {"auto_approve": False, "auto_approve_max_usd": "100", "auto_approve_tokens": []},
}
CONCURRENT_TRADES = 20
FLOW = "system:trade-flow"


@pytest.fixture(scope="module")
def w3(local_cloud: LocalCloud) -> Web3:
    """The local L1, straight from its node."""
    return Web3(HTTPProvider(rpc_url(local_cloud, "local-l1")))


@pytest.fixture(scope="module")
def operator(local_cloud: LocalCloud) -> str:
    """The service's KMS key address: the operator of every vault."""
    return KmsSigner(local_cloud.aws.client("kms"), local_cloud.deployment.outputs["SignerKeyId"]).address


@pytest.fixture(scope="module")
def approver(client: TestClient, local_cloud: LocalCloud) -> Trader:
    """A user whose trades all wait for approval (automatic approval off)."""
    return open_trader(client, local_cloud, "approver@example.com", address_of(ANVIL_KEY_2), APPROVAL_NEEDED)


@pytest.fixture(scope="module")
def auto_trader(client: TestClient, local_cloud: LocalCloud) -> Trader:
    """A user whose trades up to 5,000 USD are approved automatically."""
    return open_trader(client, local_cloud, "auto@example.com", address_of(ANVIL_KEY_2), AUTO_APPROVED)


@pytest.fixture(scope="module")
def whale(client: TestClient, local_cloud: LocalCloud) -> Trader:
    """A user allowed large trades, whose vault is owned by anvil account 4 and holds 30,000 USD of WBTC."""
    return open_trader(
        client,
        local_cloud,
        "whale@example.com",
        address_of(ANVIL_KEY_4),
        LARGE_SALE,
        usd_each=Decimal(30_000),
        symbols=("WBTC",),
    )


@pytest.fixture
def short_approval_client(api_environment: dict[str, str]) -> Iterator[TestClient]:
    """A second API app, deployed with a 2 s approval timeout (TRADEWIND_APPROVAL_TIMEOUT_S)."""
    from tradewind.api.app import create_app  # noqa: PLC0415 - as in conftest: after the environment

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TRADEWIND_APPROVAL_TIMEOUT_S", "2")
        with TestClient(create_app(), raise_server_exceptions=False) as test_client:
            yield test_client


def _statuses(trade: dict[str, Any]) -> list[str]:
    return [step["status"] for step in trade["timeline"]]


def _recorded_by_flow(client: TestClient, trader: Trader, trade_id: str, kind: str) -> list[dict[str, Any]]:
    """The trade's audit entries once the state machine itself has recorded its final ``kind``."""
    deadline = time.monotonic() + 20
    while True:
        entries = _entries_for(client, trader, trade_id)
        if any(e["kind"] == kind and e["actor"] == FLOW for e in entries) or time.monotonic() > deadline:
            return entries
        time.sleep(0.1)


def _entries_for(client: TestClient, trader: Trader, trade_id: str) -> list[dict[str, Any]]:
    return [entry for entry in audit_entries(client, trader) if entry["subject"] == trade_id]


def _vault(w3: Web3, trader: Trader) -> Contract:
    return w3.eth.contract(
        address=Web3.to_checksum_address(trader.vault["address"]), abi=artifacts.market("TradingVault").abi
    )


def test_a_trade_needing_approval_waits_and_the_users_approval_takes_it_to_confirmed(
    client: TestClient, approver: Trader, w3: Web3
) -> None:
    # Given a trade of a user who approves every trade
    trade_id = submitted_id(client, approver, amount="0.2")
    # When it has been analyzed
    waiting = wait_for(client, approver, trade_id, AWAITING)
    # Then it waits, with its risk report saying why, and nothing signed
    assert waiting["risk"]["decision"] == "needs_approval"
    assert "automation_off" in [finding["code"] for finding in waiting["risk"]["findings"]]
    assert waiting["tx_hash"] is None
    # When the user approves it
    approved = client.post(f"/v1/trades/{trade_id}/approve", json={}, headers=approver.session)
    assert approved.status_code == 200, approved.text
    trade = wait_for(client, approver, trade_id)
    # Then it is signed, sent and confirmed on chain, after waiting for the approval
    assert trade["status"] == "confirmed", trade
    assert _statuses(trade) == ["analyzing", "awaiting_approval", "signing", "submitted", "confirmed"]
    me = client.get("/v1/me", headers=approver.session).json()
    assert trade["approved_by"] == f"user:{me['id']}"
    assert w3.eth.get_transaction_receipt(trade["tx_hash"])["status"] == 1
    # And the audit log has the approval, by the user, before the signature
    entries = _entries_for(client, approver, trade_id)
    kinds = [entry["kind"] for entry in entries]
    assert kinds.index("risk_assessed") < kinds.index("approved") < kinds.index("signed")
    approval = entries[kinds.index("approved")]
    assert approval["actor"] == f"user:{me['id']}"
    assert approval["data"] == {"owner_signature": False}


def test_a_trade_above_the_signature_threshold_needs_the_vault_owners_signature(
    client: TestClient, whale: Trader, w3: Web3
) -> None:
    # Given a 0.45 WBTC sale (about 27,000 USD), above the vault's 25,000 USD signature threshold
    vault = _vault(w3, whale)
    nonce_before = vault.functions.nonce().call()
    trade_id = submitted_id(client, whale, sell_token="WBTC", buy_token="WETH", amount="0.45")
    waiting = wait_for(client, whale, trade_id, AWAITING)
    # Then its risk report asks for the owner's signature over a digest, whatever the automation says
    risk = waiting["risk"]
    assert risk["decision"] == "needs_approval", risk
    assert risk["owner_signature_required"] is True
    assert risk["owner"] == address_of(ANVIL_KEY_4)
    digest = bytes.fromhex(risk["owner_digest"].removeprefix("0x"))
    assert len(digest) == 32
    approve = f"/v1/trades/{trade_id}/approve"
    # When it is approved without a signature, or with a stranger's (anvil account 1)
    unsigned = client.post(approve, json={}, headers=whale.session)
    stranger = client.post(
        approve, json={"owner_signature": sign_digest(ANVIL_KEY_1, digest)}, headers=whale.session
    )
    # Then both are refused on the owner_signature field, and the trade still waits
    for refused in (unsigned, stranger):
        assert refused.status_code == 422, refused.text
        assert [error["field"] for error in refused.json()["errors"]] == ["owner_signature"]
    assert address_of(ANVIL_KEY_1) in stranger.json()["errors"][0]["message"]
    assert wait_for(client, whale, trade_id, AWAITING, timeout_s=1)["approved_by"] is None
    # When the owner's signature of the digest comes with the approval
    signed = client.post(
        approve, json={"owner_signature": sign_digest(ANVIL_KEY_4, digest)}, headers=whale.session
    )
    assert signed.status_code == 200, signed.text
    trade = wait_for(client, whale, trade_id)
    # Then the vault accepted the signed swap on chain and used up the owner's nonce
    assert trade["status"] == "confirmed", trade
    assert Decimal(trade["amount_in"]) == Decimal("0.45")
    assert w3.eth.get_transaction_receipt(trade["tx_hash"])["status"] == 1
    assert vault.functions.nonce().call() == nonce_before + 1
    approval = next(e for e in _entries_for(client, whale, trade_id) if e["kind"] == "approved")
    assert approval["data"] == {"owner_signature": True}


def test_a_trade_nobody_approves_in_time_expires_unsigned(
    short_approval_client: TestClient, approver: Trader, w3: Web3, operator: str
) -> None:
    # Given the API deployed with a 2 s approval timeout, and the operator's transaction count
    sent_before = w3.eth.get_transaction_count(Web3.to_checksum_address(operator))
    # When a trade needing approval is submitted and nobody answers
    trade_id = submitted_id(short_approval_client, approver, amount="0.1")
    wait_for(short_approval_client, approver, trade_id, AWAITING)
    trade = wait_for(short_approval_client, approver, trade_id, timeout_s=30)
    # Then it ends expired, and nothing was signed or sent
    assert trade["status"] == "expired", trade
    assert _statuses(trade) == ["analyzing", "awaiting_approval", "expired"]
    assert trade["tx_hash"] is None
    assert trade["error"] == "no approval in time"
    assert w3.eth.get_transaction_count(Web3.to_checksum_address(operator)) == sent_before
    entries = _recorded_by_flow(short_approval_client, approver, trade_id, "expired")
    assert [(e["kind"], e["actor"]) for e in entries][-1] == ("expired", FLOW)
    assert "signed" not in [entry["kind"] for entry in entries]
    # And a late approval is refused
    late = short_approval_client.post(f"/v1/trades/{trade_id}/approve", json={}, headers=approver.session)
    assert late.status_code == 422, late.text


@pytest.mark.parametrize(("action", "status"), [("reject", "rejected"), ("cancel", "cancelled")])
def test_a_waiting_trade_rejected_or_cancelled_ends_so_unsigned(
    client: TestClient, approver: Trader, action: str, status: str
) -> None:
    # Given a trade waiting for approval
    trade_id = submitted_id(client, approver, amount="0.1")
    wait_for(client, approver, trade_id, AWAITING)
    # When the user rejects (or cancels) it
    answered = client.post(f"/v1/trades/{trade_id}/{action}", headers=approver.session)
    # Then it has ended at once, by the user's hand
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == status
    me = client.get("/v1/me", headers=approver.session).json()
    # And the flow, its wait ended, recorded the same outcome without signing anything
    entries = _recorded_by_flow(client, approver, trade_id, status)
    assert [(e["kind"], e["actor"]) for e in entries if e["kind"] == status] == [
        (status, f"user:{me['id']}"),
        (status, FLOW),
    ]
    assert "signed" not in [entry["kind"] for entry in entries]
    trade = wait_for(client, approver, trade_id)
    assert trade["status"] == status, trade
    assert _statuses(trade) == ["analyzing", "awaiting_approval", status]
    assert trade["tx_hash"] is None


def test_a_confirmed_trade_cannot_be_cancelled(client: TestClient, auto_trader: Trader) -> None:
    # Given a confirmed trade
    trade_id = submitted_id(client, auto_trader, amount="0.05")
    assert wait_for(client, auto_trader, trade_id)["status"] == "confirmed"
    # When it is cancelled
    cancelled = client.post(f"/v1/trades/{trade_id}/cancel", headers=auto_trader.session)
    # Then that is a conflict, and it stays confirmed
    assert cancelled.status_code == 409, cancelled.text
    assert wait_for(client, auto_trader, trade_id)["status"] == "confirmed"


def test_concurrent_trades_all_confirm_with_consecutive_operator_nonces(
    client: TestClient, auto_trader: Trader, w3: Web3, operator: str
) -> None:
    # Given the operator's transaction count on the chain
    sender = Web3.to_checksum_address(operator)
    first_nonce = w3.eth.get_transaction_count(sender)
    # When 20 small auto-approved trades are submitted at once, each with its own Idempotency-Key
    with ThreadPoolExecutor(max_workers=CONCURRENT_TRADES) as pool:
        responses = list(
            pool.map(lambda _: submit(client, auto_trader, amount="0.02"), range(CONCURRENT_TRADES))
        )
    assert [response.status_code for response in responses] == [202] * CONCURRENT_TRADES
    trade_ids = {response.json()["trade_id"] for response in responses}
    assert len(trade_ids) == CONCURRENT_TRADES
    trades = [wait_for(client, auto_trader, trade_id, timeout_s=120) for trade_id in trade_ids]
    # Then every one confirmed, each in its own transaction from the operator
    assert [trade["status"] for trade in trades] == ["confirmed"] * CONCURRENT_TRADES, trades
    sent = [w3.eth.get_transaction(trade["tx_hash"]) for trade in trades]
    assert {tx["from"] for tx in sent} == {sender}
    assert all(w3.eth.get_transaction_receipt(trade["tx_hash"])["status"] == 1 for trade in trades)
    # And the chain holds exactly the next 20 nonces of the operator, each once: no gap, no reuse
    assert sorted(tx["nonce"] for tx in sent) == list(range(first_nonce, first_nonce + CONCURRENT_TRADES))
    assert w3.eth.get_transaction_count(sender) == first_nonce + CONCURRENT_TRADES
    assert w3.eth.get_transaction_count(sender, "pending") == first_nonce + CONCURRENT_TRADES


@pytest.fixture
def operator_sender(local_cloud: LocalCloud, api_environment: dict[str, str]) -> TransactionSender:
    """The service's own sender on the local L1: its KMS key and its nonce table."""
    local = next(chain for chain in KNOWN_CHAINS if chain.key == "local-l1")
    chain = local.model_copy(update={"rpc_urls": (HttpUrl(rpc_url(local_cloud, "local-l1")),)})
    settings = ChainSenderSettings(
        chain_table=local_cloud.deployment.outputs["ChainTableName"],
        poll_interval_s=0.05,
        confirmation_timeout_s=20,
    )
    signer = KmsSigner(local_cloud.aws.client("kms"), local_cloud.deployment.outputs["SignerKeyId"])
    return build_sender(chain, signer, settings)


def test_the_vault_reverts_its_operator_outside_the_rules(
    local_cloud: LocalCloud,
    auto_trader: Trader,
    w3: Web3,
    operator: str,
    operator_sender: TransactionSender,
) -> None:
    # Given the vault's WETH balance, and the service's KMS key, which operates the vault
    manifest = local_cloud.manifest("local-l1")
    weth_address = Web3.to_checksum_address(manifest.token("WETH").address)
    usdc_address = Web3.to_checksum_address(manifest.token("USDC").address)
    weth = w3.eth.contract(address=weth_address, abi=artifacts.market("TestToken").abi)
    vault = _vault(w3, auto_trader)
    balance = weth.functions.balanceOf(vault.address).call()
    abi = vault.abi
    # When the operator calls withdraw (the owner's alone) to itself
    withdraw = selector("withdraw(address,address,uint256)") + encode(
        ["address", "address", "uint256"], [weth_address, operator, balance]
    )
    taken = operator_sender.send(
        f"rogue-withdraw-{secrets.token_hex(4)}",
        TransactionRequest(to=vault.address, data="0x" + withdraw.hex(), gas=200_000),
        abi,
    )
    # And it swaps through a router the vault does not allow
    rogue_router = Web3.to_checksum_address("0x" + secrets.token_hex(20))
    now = w3.eth.get_block("latest")["timestamp"]
    swap = ExactInputSwap(
        router=rogue_router,
        path=f"0x{weth_address[2:]}{500:06x}{usdc_address[2:]}".lower(),
        amount_in=10**16,
        min_amount_out=1,
        quoted_amount_out=1,
        deadline=now + 300,
    )
    swapped = operator_sender.send(
        f"rogue-swap-{secrets.token_hex(4)}",
        TransactionRequest(to=vault.address, data="0x" + calldata(swap).hex(), gas=500_000),
        abi,
    )
    # Then both were mined and reverted, with the vault's own errors naming the culprit
    assert (taken.status, swapped.status) == (0, 0)
    for sent in (taken, swapped):
        assert w3.eth.get_transaction_receipt(HexStr(sent.tx_hash))["status"] == 0
    assert taken.revert is not None
    assert taken.revert.error == "OwnableUnauthorizedAccount(address)"
    assert [str(arg).lower() for arg in taken.revert.args] == [operator.lower()]
    assert swapped.revert is not None
    assert swapped.revert.error == "RouterNotAllowed(address)"
    assert [str(arg).lower() for arg in swapped.revert.args] == [rogue_router.lower()]
    # And the vault kept its WETH
    assert weth.functions.balanceOf(vault.address).call() == balance
