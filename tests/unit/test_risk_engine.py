"""The risk check: one test per rule, the score, the minimum output and the automation policy."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.unit.risk_candidates import (
    ELSEWHERE,
    OWNER,
    POOL,
    ROUTER,
    USDC,
    USDC_TOKEN,
    VAULT,
    WETH_TOKEN,
    sample_candidate,
)
from tradewind.risk.engine import assess, min_amount_out
from tradewind.risk.models import (
    AutomationPolicy,
    Decision,
    RiskProfile,
    RiskReport,
    Severity,
)
from tradewind.trading.vault_calls import min_amount_out as vault_minimum

AUTOMATED = RiskProfile(automation=AutomationPolicy(auto_approve=True, auto_approve_max_usd=Decimal(1000)))
"""The default limits (1000 USD a trade, 5000 a day, 100 bps impact, 50 bps slippage), automation on."""


def _codes(report: RiskReport, severity: Severity) -> list[str]:
    return [finding.code for finding in report.findings if finding.severity is severity]


def test_a_trade_within_every_limit_is_approved_when_automation_covers_it() -> None:
    # Given a 500 USD trade within every limit and automation on up to 1000 USD
    # When it is assessed
    report = assess(sample_candidate(), AUTOMATED, deny_list=())
    # Then it is approved without findings, and scores its use of the limits: 10 * 0.5 + 10 * 0.1
    assert (report.decision, report.findings, report.score) == (Decision.APPROVE, (), 6)
    assert report.needs_owner_signature is False


@pytest.mark.parametrize(
    ("changes", "profile", "code", "numbers"),
    [
        ({"usd_value": "1500"}, AUTOMATED, "trade_limit_exceeded", ["1500.00 USD", "1000.00 USD"]),
        ({"volume_24h_usd": "4600.5"}, AUTOMATED, "daily_limit_exceeded", ["4600.50", "5100.50", "5000.00"]),
        (
            {},
            RiskProfile(allowed_tokens=("USDC", "WBTC")),
            "token_not_allowed",
            ["WETH not in the allowed tokens (USDC, WBTC)"],
        ),
        ({"price_impact_bps": 150}, AUTOMATED, "price_impact_too_high", ["150 bps", "100 bps"]),
        ({"max_slippage_bps": 80}, AUTOMATED, "slippage_above_limit", ["80 bps", "50 bps"]),
        (
            {"simulation": {"succeeded": False, "revert_reason": "TradeCapExceeded"}},
            AUTOMATED,
            "simulation_reverted",
            ["TradeCapExceeded"],
        ),
        ({"recipient": ELSEWHERE}, AUTOMATED, "recipient_not_vault", [ELSEWHERE, VAULT]),
        ({"vault_limits": {"allowed": False}}, AUTOMATED, "vault_token_not_allowed", ["USDC"]),
        (
            {"vault_limits": {"max_per_trade": 400 * USDC}},
            AUTOMATED,
            "vault_trade_cap_exceeded",
            ["500 USDC", "400 USDC"],
        ),
        (
            {"vault_limits": {"sold_last_24h": 4_700_500_000}},
            AUTOMATED,
            "vault_daily_cap_exceeded",
            ["4700.5 USDC", "500 USDC", "5000 USDC"],
        ),
        (
            {"vault_limits": {"max_slippage_bps": 30}},
            AUTOMATED,
            "vault_slippage_exceeded",
            ["50 bps", "30 bps"],
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and not value.startswith("0x") else None,
)
def test_each_blocking_rule_rejects_with_its_numbers(
    changes: dict[str, Any], profile: RiskProfile, code: str, numbers: list[str]
) -> None:
    # Given a trade breaking exactly one rule, under a policy that would otherwise approve it
    # When it is assessed
    report = assess(sample_candidate(**changes), profile, deny_list=())
    # Then it is rejected for that rule alone, with the figures in the reason, and scores 100
    assert report.decision is Decision.REJECT
    assert _codes(report, Severity.BLOCK) == [code]
    message = next(f.message for f in report.findings if f.code == code)
    assert all(number in message for number in numbers), message
    assert report.score == 100


@pytest.mark.parametrize(
    ("changes", "denied", "role"),
    [
        ({}, OWNER, "owner"),
        ({}, ROUTER, "router"),
        ({}, POOL, "pool"),
        ({}, WETH_TOKEN, "buy token"),
        ({}, USDC_TOKEN, "sell token"),
        ({}, VAULT, "vault"),
        ({"recipient": ELSEWHERE}, ELSEWHERE, "recipient"),
    ],
)
def test_a_deny_listed_address_anywhere_in_the_trade_rejects_it(
    changes: dict[str, Any], denied: str, role: str
) -> None:
    # Given a deny list naming one of the trade's addresses, in lower case as a list may spell it
    # When the trade is assessed
    report = assess(sample_candidate(**changes), AUTOMATED, deny_list=[denied.lower()])
    # Then the checksummed compare finds it and the trade is rejected, naming the role
    assert report.decision is Decision.REJECT
    assert report.findings[0].code == "denied_address"
    assert f"{role} {denied}" in report.findings[0].message


def test_an_unmeasurable_price_impact_needs_the_user() -> None:
    # Given a trade whose price impact could not be measured
    candidate = sample_candidate(price_impact_bps=None, price_impact_note="no pool liquidity data")
    # When it is assessed under automation
    report = assess(candidate, AUTOMATED, deny_list=())
    # Then it waits for the user, saying why; the unknown impact counts as all of the limit
    assert report.decision is Decision.NEEDS_APPROVAL
    assert _codes(report, Severity.WARN) == ["price_impact_unknown"]
    assert "no pool liquidity data" in report.findings[0].message
    assert report.score == 25 + 5 + 10


def test_a_sale_above_the_signature_threshold_needs_the_owner_and_is_never_auto_approved() -> None:
    # Given automation up to 5000 USD and a 2500 USDC sale, above the vault's 2000 USDC threshold
    profile = RiskProfile(
        max_trade_usd=Decimal(5000),
        automation=AutomationPolicy(auto_approve=True, auto_approve_max_usd=Decimal(5000)),
    )
    limits = {"max_per_trade": 5000 * USDC}
    above = sample_candidate(amount_in=2500 * USDC, usd_value="2500", vault_limits=limits)
    at = sample_candidate(amount_in=2000 * USDC, usd_value="2000", vault_limits=limits)
    # When both are assessed
    report, at_threshold = assess(above, profile, ()), assess(at, profile, ())
    # Then the sale above needs the owner's signature and the user; exactly at the threshold it does not
    assert (report.needs_owner_signature, report.decision) == (True, Decision.NEEDS_APPROVAL)
    assert _codes(report, Severity.WARN) == ["owner_signature_required"]
    assert "2500 USDC is above the vault's signature threshold of 2000 USDC" in report.findings[0].message
    assert (at_threshold.needs_owner_signature, at_threshold.decision) == (False, Decision.APPROVE)


def test_unread_vault_limits_need_the_user_and_unknown_daily_sales_only_inform() -> None:
    # Given one trade whose vault limits could not be read, and one whose 24 h sales are unknown
    unread = sample_candidate(vault_limits=None)
    unknown_sales = sample_candidate(vault_limits={"sold_last_24h": None})
    # When both are assessed under automation
    unread_report, sales_report = assess(unread, AUTOMATED, ()), assess(unknown_sales, AUTOMATED, ())
    # Then the first waits for the user; the second is approved, the simulation having checked the cap
    assert unread_report.decision is Decision.NEEDS_APPROVAL
    assert _codes(unread_report, Severity.WARN) == ["vault_limits_unknown"]
    assert unread_report.needs_owner_signature is False
    assert sales_report.decision is Decision.APPROVE
    assert _codes(sales_report, Severity.INFO) == ["vault_daily_sales_unknown"]


def test_the_score_orders_trades_by_risk() -> None:
    # Given trades from the plainest to a rejected one
    trades = [
        sample_candidate(usd_value="100", price_impact_bps=1),
        sample_candidate(usd_value="900", price_impact_bps=90),
        sample_candidate(vault_limits=None),
        sample_candidate(vault_limits=None, price_impact_bps=None, price_impact_note="no quote"),
        sample_candidate(usd_value="1000.01"),
    ]
    # When each is assessed
    scores = [assess(trade, AUTOMATED, ()).score for trade in trades]
    # Then each scores higher than the one before, and only the rejection scores 100
    assert scores == [1, 18, 31, 65, 100]


@pytest.mark.parametrize(
    ("expected", "bps", "minimum"),
    [
        (999, 50, 995),  # 994.005 rounds up: the vault refuses 994
        (10**18 + 1, 1, 999_900_000_000_000_001),  # exact integers, no float on 18 decimals
        (12345, 0, 12345),
        (12345, 10_000, 0),
    ],
)
def test_min_amount_out_rounds_up_to_what_the_vault_accepts(expected: int, bps: int, minimum: int) -> None:
    assert min_amount_out(expected, bps) == minimum


def test_the_report_uses_the_tighter_of_the_requested_and_the_profile_slippage() -> None:
    # Given a trade quoted at 1_000_000 asking for 30 bps, under a profile allowing 50
    tight = sample_candidate(expected_amount_out=1_000_000, max_slippage_bps=30)
    loose = sample_candidate(expected_amount_out=1_000_000, max_slippage_bps=80)
    # When each is assessed
    # Then the minimum output follows the request when tighter, and the profile otherwise
    assert assess(tight, AUTOMATED, ()).min_amount_out == 997_000
    assert assess(loose, AUTOMATED, ()).min_amount_out == 995_000


@pytest.mark.parametrize(
    ("profile", "codes"),
    [
        (RiskProfile(), ["automation_off"]),
        (
            RiskProfile(automation=AutomationPolicy(auto_approve=True, auto_approve_max_usd=Decimal(499))),
            ["above_auto_approve_limit"],
        ),
        (
            RiskProfile(automation=AutomationPolicy(auto_approve=True, auto_approve_tokens=("USDC",))),
            ["above_auto_approve_limit", "token_not_auto_approved"],
        ),
        (
            RiskProfile(
                allowed_tokens=("USDC", "WETH"),
                automation=AutomationPolicy(auto_approve=True, auto_approve_max_usd=Decimal(500)),
            ),
            [],
        ),
    ],
    ids=["off", "over-size", "token-and-size", "allowed-tokens-cover-an-empty-list"],
)
def test_the_automation_policy_decides_between_approval_and_the_user(
    profile: RiskProfile, codes: list[str]
) -> None:
    # Given a clean 500 USD USDC -> WETH trade
    # When it is assessed under the policy
    report = assess(sample_candidate(), profile, ())
    # Then it is approved only when size and tokens are covered, and otherwise every reason is given
    assert _codes(report, Severity.INFO) == codes
    assert report.decision is (Decision.NEEDS_APPROVAL if codes else Decision.APPROVE)


def test_a_blocked_trade_is_rejected_whatever_the_policy() -> None:
    # Given the most permissive automation and a trade the simulation reverted
    profile = RiskProfile(
        max_trade_usd=Decimal(1000),
        automation=AutomationPolicy(auto_approve=True, auto_approve_max_usd=Decimal(1000)),
    )
    candidate = sample_candidate(simulation={"succeeded": False, "revert_reason": "Paused()"})
    # When it is assessed
    report = assess(candidate, profile, ())
    # Then it is rejected, and no automation reason muddles why
    assert report.decision is Decision.REJECT
    assert [f.code for f in report.findings] == ["simulation_reverted"]


@pytest.mark.parametrize("expected", [1, 3, 999, 1_497_251_003, 10**18 + 7])
@pytest.mark.parametrize("bps", [1, 30, 50, 333, 9_999])
def test_the_reported_minimum_is_the_one_the_vault_call_carries(expected: int, bps: int) -> None:
    assert min_amount_out(expected, bps) == vault_minimum(expected, bps)


def test_a_trade_the_assistant_proposed_always_waits_for_the_user() -> None:
    # Given a trade automation would approve, proposed by the assistant
    candidate = sample_candidate(proposed_by_assistant=True)
    # When it is assessed
    report = assess(candidate, AUTOMATED, deny_list=())
    # Then it waits for the user, saying why, and is otherwise judged like any trade
    assert report.decision is Decision.NEEDS_APPROVAL
    assert _codes(report, Severity.INFO) == ["proposed_by_assistant"]
    assert report.score == assess(sample_candidate(), AUTOMATED, deny_list=()).score
