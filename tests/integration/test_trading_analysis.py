"""Analyze and risk facts on local-l1: a vault opened through the API, real pools, the vault's own checks.

The vault starts with the local defaults (localcloud.market.funding.vault_defaults): per trade
$50,000, signature above $25,000, slippage 100 bps; WETH is priced at $3,000, so 20 WETH is above the
cap and 10 WETH needs the owner's signature.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from web3 import HTTPProvider, Web3

from localcloud import LocalCloud
from localcloud.market import artifacts, fund
from localcloud.market.catalog import TOKENS
from tests.support.rpc import CloudManifests
from tests.support.sessions import bearer, register_and_login
from tradewind.chains.batch import HttpxTransport
from tradewind.chains.registry import ChainRegistry
from tradewind.prices.models import Price
from tradewind.prices.service import PriceService
from tradewind.risk.engine import assess
from tradewind.risk.models import Decision, RiskProfile
from tradewind.trading.analysis import VAULT_GAS_OVERHEAD, TradeAnalyzer
from tradewind.trading.analysis_models import Analysis, Review
from tradewind.trading.models import Trade, TradeRequest, TradeSide, TradeStatus
from tradewind.trading.vault_calls import (
    VAULT_ERRORS_ABI,
    owner_digest,
    recover_signer,
    with_owner_signature,
)
from tradewind.vaults.models import Vault

pytestmark = pytest.mark.integration

# Anvil's account 3 and its well-known key: the vault's owner.
OWNER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
OWNER_KEY = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6"
STRANGER = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"  # anvil account 4
USD_EACH = Decimal(100_000)


class CatalogPrices:
    """A price source quoting the USD prices the local market was seeded with."""

    name = "catalog"

    def quote(self, symbols: Any) -> dict[str, Price]:
        usd = {token.symbol: token.usd_price for token in TOKENS}
        return {
            s: Price(symbol=s, usd=usd[s], source=self.name, observed_at=datetime.now(UTC))
            for s in symbols
            if s in usd
        }


class NothingSold:
    """The user's confirmed trades: none yet."""

    def usd_sold_since(self, user_id: str, since: datetime) -> Decimal:
        return Decimal(0)


@dataclass(frozen=True)
class Setup:
    """The user's vault on local-l1, funded, and an analyzer for it."""

    w3: Web3
    vault: Vault
    operator: str
    analyzer: TradeAnalyzer


@pytest.fixture(scope="module")
def setup(client: TestClient, local_cloud: LocalCloud) -> Iterator[Setup]:
    """A vault opened through the API for anvil account 3, holding $100,000 each of WETH and WBTC."""
    session = bearer(register_and_login(client, "analysis@example.com"))
    opened = client.post("/v1/vaults", json={"chain": "local-l1", "owner": OWNER}, headers=session)
    assert opened.status_code == 202, opened.text
    assert opened.json()["status"] == "active", opened.json()
    vault = Vault.model_validate(opened.json())
    assert vault.address is not None
    url = next(chain.rpc_url for chain in local_cloud.chains if chain.key == "local-l1")
    manifest = local_cloud.manifest("local-l1")
    fund(url, manifest, vault.address, USD_EACH, ["WETH", "WBTC"])
    w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": 10}))
    contract = w3.eth.contract(
        address=Web3.to_checksum_address(vault.address), abi=artifacts.market("TradingVault").abi
    )
    operator = contract.functions.operator().call()
    transport = HttpxTransport(timeout_s=5.0)
    analyzer = TradeAnalyzer(
        ChainRegistry.select(["local-l1"], {"local-l1": [url]}),
        CloudManifests(local_cloud),
        transport,
        PriceService([CatalogPrices()], deviation_bps=100, ttl_s=60),
        NothingSold(),
        operator=operator,
        clock=lambda: datetime.now(UTC),
    )
    yield Setup(w3=w3, vault=vault, operator=operator, analyzer=analyzer)
    transport.close()


def _trade(vault: Vault, sell: str, buy: str, amount: str, side: TradeSide = TradeSide.EXACT_IN) -> Trade:
    now = datetime.now(UTC)
    request = TradeRequest(vault=vault.id, sell_token=sell, buy_token=buy, amount=Decimal(amount), side=side)
    return Trade(
        id=f"t-{sell}-{buy}-{amount}",
        user_id="u1",
        request=request,
        status=TradeStatus.ANALYZING,
        timeline=(),
        created_at=now,
        updated_at=now,
    )


def _analysed(setup: Setup, trade: Trade) -> tuple[Analysis, Review]:
    analysis = setup.analyzer.analyze(trade, setup.vault)
    # What the state machine hands from step to step survives JSON
    analysis = Analysis.model_validate_json(analysis.model_dump_json())
    review = setup.analyzer.candidate(trade, setup.vault, analysis)
    return analysis, Review.model_validate_json(review.model_dump_json())


def _estimated_gas(setup: Setup, analysis: Analysis, data: str) -> int:
    return setup.w3.eth.estimate_gas(
        {"from": setup.operator, "to": analysis.call.vault, "data": data}  # type: ignore[typeddict-item]
    )


@pytest.mark.parametrize(
    ("sell", "buy", "amount", "route"),
    [("WETH", "USDC", "1", ("WETH", "USDC")), ("WBTC", "LINK", "0.1", ("WBTC", "WETH", "LINK"))],
)
def test_a_trade_within_the_vault_rules_simulates_from_the_operator(
    setup: Setup, sell: str, buy: str, amount: str, route: tuple[str, ...]
) -> None:
    # Given a sale well below the vault's signature threshold
    trade = _trade(setup.vault, sell, buy, amount)
    # When it is analysed and its candidate read from the vault
    analysis, review = _analysed(setup, trade)
    # Then the call goes through the expected route, from the vault, through the manifest's router
    assert analysis.quote.route.symbols == route
    assert analysis.call.function == "swapExactInput"
    assert analysis.call.request.path == analysis.quote.route.path.lower()
    candidate = review.candidate
    assert (
        candidate.vault_address == analysis.call.vault == Web3.to_checksum_address(str(setup.vault.address))
    )
    assert candidate.owner == OWNER
    # And the vault's rules for the sold token were read, nothing sold yet, no signature needed
    assert candidate.vault_limits is not None
    assert candidate.vault_limits.allowed
    assert candidate.vault_limits.sold_last_24h == 0
    assert candidate.vault_limits.max_slippage_bps == 100
    assert review.owner_approval is None
    # And the exact call succeeds from the operator, not signed by any stand-in
    assert candidate.simulation.succeeded, candidate.simulation.revert_reason
    assert not review.stand_in_owner
    # And its USD value is the catalog price of the amount sold
    price = next(token.usd_price for token in TOKENS if token.symbol == sell)
    assert candidate.usd_value == Decimal(amount) * price
    # And the gas estimate is within 10 % of the node's estimate of the exact call
    node = _estimated_gas(setup, analysis, analysis.call.data)
    assert abs(analysis.gas_estimate - node) <= node // 10, (analysis.gas_estimate, node, VAULT_GAS_OVERHEAD)
    # And the risk check, under limits that fit the trade (two hops pay two fees), leaves it to the user
    profile = RiskProfile(
        max_trade_usd=Decimal(10_000), max_daily_usd=Decimal(10_000), max_price_impact_bps=200
    )
    report = assess(candidate, profile, [])
    assert report.decision is Decision.NEEDS_APPROVAL, report.findings


def test_the_same_call_from_anyone_but_the_operator_reverts_not_operator(setup: Setup) -> None:
    # Given an analysed trade
    analysis, _ = _analysed(setup, _trade(setup.vault, "WETH", "USDC", "1"))
    # When its exact call is simulated from another address
    simulation = setup.analyzer.simulate("local-l1", analysis.call, STRANGER)
    # Then the vault's custom error is decoded, naming the caller
    assert not simulation.succeeded
    assert simulation.revert_reason == f"NotOperator({STRANGER.lower()})"


def test_a_sale_above_the_vault_cap_is_rejected_with_the_vault_reason(setup: Setup) -> None:
    # Given 20 WETH ($60,000), above the vault's $50,000 per-trade cap
    trade = _trade(setup.vault, "WETH", "USDC", "20")
    # When it is analysed and its candidate read
    analysis, review = _analysed(setup, trade)
    # Then the simulation reverts with the vault's TradeCapExceeded
    simulation = review.candidate.simulation
    assert not simulation.succeeded
    assert simulation.revert_reason is not None
    assert simulation.revert_reason.startswith("TradeCapExceeded(")
    assert str(analysis.call.request.sold_at_most) in simulation.revert_reason
    # And the risk report rejects it, for the cap and the simulation among others
    report = assess(review.candidate, RiskProfile(), [])
    assert report.decision is Decision.REJECT
    codes = {finding.code for finding in report.findings}
    assert {"vault_trade_cap_exceeded", "simulation_reverted"} <= codes


def test_a_sale_above_the_signature_threshold_runs_once_the_owner_signs(setup: Setup) -> None:
    # Given 10 WETH ($30,000): within the cap, above the $25,000 signature threshold
    trade = _trade(setup.vault, "WETH", "USDC", "10")
    # When it is analysed and its candidate read
    analysis, review = _analysed(setup, trade)
    # Then everything but the signature was simulated, signed by a stand-in owner
    assert review.candidate.simulation.succeeded, review.candidate.simulation.revert_reason
    assert review.stand_in_owner
    # And the owner is asked to sign a digest at the vault's nonce, which the vault's own view agrees with
    approval = review.owner_approval
    assert approval is not None
    assert approval.owner == OWNER
    assert approval.threshold < analysis.call.request.sold_at_most
    view = setup.w3.eth.call(
        {"to": analysis.call.vault, "data": "0x" + owner_digest(analysis.call, approval.nonce).hex()}  # type: ignore[typeddict-item]
    )
    assert "0x" + bytes(view).hex() == approval.digest
    # And without the signature the exact call reverts for want of it
    unsigned = setup.analyzer.simulate("local-l1", analysis.call, setup.operator)
    assert unsigned.revert_reason is not None
    assert unsigned.revert_reason.startswith("OwnerSignatureRequired(")
    # When the owner signs the digest with the owner's key
    digest = bytes.fromhex(approval.digest[2:])
    signature = Account.from_key(OWNER_KEY).unsafe_sign_hash(digest).signature.to_0x_hex()
    # Then the signature recovers to the owner
    assert recover_signer(digest, signature) == OWNER
    # And the signed call simulates successfully from the operator
    signed = with_owner_signature(analysis.call, signature)
    simulation = setup.analyzer.simulate("local-l1", signed, setup.operator)
    assert simulation.succeeded, simulation.revert_reason
    # But a stranger's signature is refused by the vault
    forged = Account.from_key("0x" + "11" * 32).unsafe_sign_hash(digest).signature.to_0x_hex()
    refused = setup.analyzer.simulate("local-l1", with_owner_signature(analysis.call, forged), setup.operator)
    assert refused.revert_reason is not None
    assert refused.revert_reason.startswith("InvalidOwnerSignature(")


def test_an_exact_output_trade_is_held_to_its_most_input(setup: Setup) -> None:
    # Given a purchase of exactly 3,000 USDC with WETH
    trade = _trade(setup.vault, "WETH", "USDC", "3000", TradeSide.EXACT_OUT)
    # When it is analysed and its candidate read
    analysis, review = _analysed(setup, trade)
    # Then the vault call is swapExactOutput, and the candidate sells at most maxAmountIn
    assert analysis.call.function == "swapExactOutput"
    assert review.candidate.amount_in == analysis.call.request.sold_at_most > analysis.quote.amount_in
    assert review.candidate.expected_amount_out == 3000 * 10**6
    assert review.candidate.simulation.succeeded, review.candidate.simulation.revert_reason


def test_the_vault_errors_decoded_are_the_compiled_contract_s() -> None:
    compiled = {
        entry["name"]: entry for entry in artifacts.market("TradingVault").abi if entry["type"] == "error"
    }
    for entry in VAULT_ERRORS_ABI:
        assert [p["type"] for p in compiled[entry["name"]]["inputs"]] == [p["type"] for p in entry["inputs"]]
