"""The risk profile's validation, the deny list setting, and the risk service on an in-memory repository."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from tests.unit.memory import FakeClock, InMemoryRiskProfilesRepository
from tests.unit.risk_candidates import OWNER, sample_candidate
from tradewind.errors import Conflict
from tradewind.risk.models import AutomationPolicy, Decision, RiskProfile
from tradewind.risk.service import RiskService
from tradewind.risk.settings import RiskSettings

ADDRESS = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


def _errors(payload: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        RiskProfile.model_validate(payload)
    return {".".join(str(part) for part in error["loc"]): error["msg"] for error in caught.value.errors()}


def test_a_new_users_profile_is_cautious() -> None:
    # Given no choice by the user
    profile = RiskProfile()
    # Then trades are capped and automation is off
    assert (profile.max_trade_usd, profile.max_daily_usd) == (Decimal(1000), Decimal(5000))
    assert (profile.max_price_impact_bps, profile.max_slippage_bps) == (100, 50)
    assert profile.allowed_tokens == ()
    assert profile.automation == AutomationPolicy(auto_approve=False, auto_approve_max_usd=Decimal(100))


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"max_trade_usd": "-1"}, "max_trade_usd"),
        ({"max_trade_usd": "0"}, "max_trade_usd"),
        ({"max_slippage_bps": 10_001}, "max_slippage_bps"),
        ({"max_price_impact_bps": 0}, "max_price_impact_bps"),
        ({"allowed_tokens": ["US DC"]}, "allowed_tokens.0"),
        ({"automation": {"auto_approve_max_usd": "-5"}}, "automation.auto_approve_max_usd"),
        ({"max_trade_usd": "2000", "max_daily_usd": "1500"}, "max_daily_usd"),
        ({"automation": {"auto_approve_max_usd": "1000.01"}}, "automation.auto_approve_max_usd"),
        (
            {"allowed_tokens": ["USDC"], "automation": {"auto_approve_tokens": ["USDC", "WETH"]}},
            "automation.auto_approve_tokens",
        ),
        ({"max_trade_usd": "100", "surprise": 1}, "surprise"),
    ],
)
def test_nonsense_limits_are_refused_naming_the_field(payload: dict[str, Any], field: str) -> None:
    assert field in _errors(payload)


def test_an_impact_limit_above_the_slippage_limit_is_allowed() -> None:
    # The impact is inside the quote; slippage bounds execution against that quote: they do not compete.
    assert RiskProfile(max_price_impact_bps=300, max_slippage_bps=50).max_price_impact_bps == 300


def test_symbols_are_upper_cased_and_kept_once() -> None:
    profile = RiskProfile.model_validate({"allowed_tokens": ["usdc", " WETH", "USDC"]})
    assert profile.allowed_tokens == ("USDC", "WETH")


@pytest.mark.parametrize(
    "raw", [f"{ADDRESS.lower()}, {OWNER}", f'["{ADDRESS.lower()}", "{OWNER}", "{OWNER.lower()}"]']
)
def test_the_deny_list_is_read_as_a_comma_list_or_json_and_checksummed(raw: str) -> None:
    settings = RiskSettings.from_environment({"TRADEWIND_RISK_DENY_LIST": raw})
    assert settings.risk_deny_list == (ADDRESS, OWNER)


@pytest.mark.parametrize("raw", ["0x1234", ADDRESS[:-1] + "D", "[not json"])
def test_a_malformed_deny_list_stops_the_cold_start(raw: str) -> None:
    with pytest.raises(ValidationError, match="risk_deny_list"):
        RiskSettings.from_environment({"TRADEWIND_RISK_DENY_LIST": raw})


def test_the_service_serves_defaults_then_versions_each_replacement() -> None:
    # Given a user who never set a profile
    clock = FakeClock()
    service = RiskService(InMemoryRiskProfilesRepository(), deny_list=(), clock=clock)
    assert (service.profile("u1").version, service.profile("u1").updated_at) == (0, None)
    # When the profile is replaced twice, the second time from the version read
    first = service.replace_profile("u1", RiskProfile(max_trade_usd=Decimal(200)), if_match=None)
    second = service.replace_profile("u1", RiskProfile(max_trade_usd=Decimal(300)), if_match=1)
    # Then each write is one version on, and a write from a stale version is a conflict
    assert (first.version, second.version, second.updated_at) == (1, 2, clock.now)
    assert service.profile("u1").max_trade_usd == Decimal(300)
    with pytest.raises(Conflict):
        service.replace_profile("u1", RiskProfile(), if_match=1)
    assert service.profile("u2").version == 0


def test_the_service_assesses_with_the_users_profile_and_the_configured_deny_list() -> None:
    # Given a user with automation on, and a deny list naming the vault's owner
    repository = InMemoryRiskProfilesRepository()
    automated = RiskProfile(
        automation=AutomationPolicy(auto_approve=True, auto_approve_max_usd=Decimal(1000))
    )
    RiskService(repository, (), FakeClock()).replace_profile("u1", automated, if_match=0)
    clean, denied = RiskService(repository, (), FakeClock()), RiskService(repository, (OWNER,), FakeClock())
    # When the same trade is assessed by each
    # Then the user's policy approves it, unless the owner is deny-listed
    assert clean.assess("u1", sample_candidate()).decision is Decision.APPROVE
    assert denied.assess("u1", sample_candidate()).decision is Decision.REJECT
    assert clean.assess("u2", sample_candidate()).decision is Decision.NEEDS_APPROVAL
