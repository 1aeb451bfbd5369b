"""The preferences: their validation, the service on an in-memory repository, and GET/PUT /v1/preferences."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from tests.unit.api_client import assert_problem, client, login_session, probes
from tests.unit.memory import FakeClock, InMemoryPreferencesRepository
from tradewind.errors import Conflict
from tradewind.preferences.models import BaseCurrency, Preferences, RiskTolerance
from tradewind.preferences.service import PreferencesService

# The API tests run on the same in-memory app as the rest of the HTTP contract.
__all__ = ["client", "probes"]  # fixtures, used by name

DEFAULTS = {"risk_tolerance": "balanced", "base_currency": "USD", "target_allocation": {}}


def _errors(payload: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        Preferences.model_validate(payload)
    return {".".join(str(part) for part in error["loc"]): error["msg"] for error in caught.value.errors()}


def test_a_new_user_is_balanced_in_usd_with_no_target() -> None:
    preferences = Preferences()
    assert (preferences.risk_tolerance, preferences.base_currency) == (
        RiskTolerance.BALANCED,
        BaseCurrency.USD,
    )
    assert preferences.target_allocation == {}


def test_symbols_and_currencies_are_upper_cased_and_percents_kept_exact() -> None:
    preferences = Preferences.model_validate(
        {
            "base_currency": " eur",
            "target_allocation": {"eth": "33.3333", " usdc": 33.3333, "WBTC": "33.3334"},
        }
    )
    assert preferences.base_currency is BaseCurrency.EUR
    assert preferences.target_allocation == {
        "ETH": Decimal("33.3333"),
        "USDC": Decimal("33.3333"),
        "WBTC": Decimal("33.3334"),
    }


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"target_allocation": {"ETH": "60", "USDC": "30"}}, "target_allocation"),
        ({"target_allocation": {"ETH": "60", "USDC": "40.0001"}}, "target_allocation"),
        ({"target_allocation": {"ETH": "110", "USDC": "-10"}}, "target_allocation.USDC"),
        ({"target_allocation": {"ETH": "100", "USDC": "0"}}, "target_allocation.USDC"),
        ({"target_allocation": {"ETH": "50.00001", "USDC": "49.99999"}}, "target_allocation.ETH"),
        ({"target_allocation": {"eth": "50", "ETH": "50"}}, "target_allocation"),
        ({"target_allocation": {f"T{n}": "3.8461" for n in range(26)}}, "target_allocation"),
        ({"target_allocation": {"W ETH": "100"}}, "target_allocation.W ETH.[key]"),
        ({"base_currency": "XYZ"}, "base_currency"),
        ({"base_currency": "BTC"}, "base_currency"),
        ({"risk_tolerance": "yolo"}, "risk_tolerance"),
        ({"risk_tolerance": "Balanced "}, "risk_tolerance"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_nonsense_preferences_are_refused_naming_the_field(payload: dict[str, Any], field: str) -> None:
    assert field in _errors(payload)


def test_twenty_five_targets_summing_to_100_are_accepted() -> None:
    targets = {f"T{n}": "4" for n in range(25)}
    assert len(Preferences.model_validate({"target_allocation": targets}).target_allocation) == 25


def test_the_service_serves_defaults_then_versions_each_replacement() -> None:
    # Given a user who never set preferences
    clock = FakeClock()
    service = PreferencesService(InMemoryPreferencesRepository(), clock)
    assert (service.preferences("u1").version, service.preferences("u1").updated_at) == (0, None)
    # When they are replaced twice, the second time from the version read
    first = service.replace("u1", Preferences(risk_tolerance=RiskTolerance.CONSERVATIVE), if_match=None)
    second = service.replace("u1", Preferences(base_currency=BaseCurrency.CHF), if_match=1)
    # Then each write is one version on, whole, and a write from a stale version is a conflict
    assert (first.version, second.version, second.updated_at) == (1, 2, clock.now)
    assert service.preferences("u1").preferences() == Preferences(base_currency=BaseCurrency.CHF)
    with pytest.raises(Conflict):
        service.replace("u1", Preferences(), if_match=1)
    assert service.preferences("u2").version == 0


def test_a_new_users_preferences_are_the_defaults_at_version_zero(client: TestClient) -> None:
    # Given a user who never set preferences
    session = login_session(client)
    # When they read them
    response = client.get("/v1/preferences", headers=session)
    # Then they get the defaults at version 0
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == '"0"'
    assert response.json() == {**DEFAULTS, "version": 0, "updated_at": None}


def test_preferences_put_are_read_back_and_a_stale_if_match_is_refused(client: TestClient) -> None:
    # Given a user, and another who must not see her preferences
    alice, bob = login_session(client), login_session(client, "bob@example.com")
    preferences = {
        "risk_tolerance": "aggressive",
        "base_currency": "eur",
        "target_allocation": {"eth": "62.5", "USDC": 37.5},
    }
    # When alice replaces her preferences from the version she read, then reads them back
    put = client.put("/v1/preferences", json=preferences, headers={**alice, "If-Match": '"0"'})
    got = client.get("/v1/preferences", headers=alice)
    # Then she reads what she wrote, normalised, at version 1; bob still has the defaults
    assert put.status_code == 200, put.text
    assert got.json() == put.json()
    assert got.headers["ETag"] == put.headers["ETag"] == '"1"'
    assert {k: got.json()[k] for k in DEFAULTS} == {
        "risk_tolerance": "aggressive",
        "base_currency": "EUR",
        "target_allocation": {"ETH": "62.5", "USDC": "37.5"},
    }
    assert got.json()["updated_at"] is not None
    assert client.get("/v1/preferences", headers=bob).json() == {**DEFAULTS, "version": 0, "updated_at": None}
    # And a write from the version she read before is a conflict; a malformed If-Match names the header
    assert_problem(client.put("/v1/preferences", json=preferences, headers={**alice, "If-Match": '"0"'}), 409)
    malformed = client.put("/v1/preferences", json=preferences, headers={**alice, "If-Match": "yesterday"})
    assert assert_problem(malformed, 422)["errors"][0]["field"] == "If-Match"
    # And an empty target clears it, without If-Match, on the version current then
    cleared = client.put("/v1/preferences", json={"target_allocation": {}}, headers=alice)
    assert (cleared.json()["version"], cleared.json()["target_allocation"]) == (2, {})


@pytest.mark.parametrize(
    ("preferences", "fields"),
    [
        ({"target_allocation": {"ETH": "60", "USDC": "30"}}, {"target_allocation"}),
        (
            {"target_allocation": {"ETH": "110", "USDC": "-10"}},
            {"target_allocation.ETH", "target_allocation.USDC"},
        ),
        ({"base_currency": "DOGE"}, {"base_currency"}),
        ({"risk_tolerance": "reckless"}, {"risk_tolerance"}),
        ({"risk_tolerance": "reckless", "base_currency": "XYZ"}, {"risk_tolerance", "base_currency"}),
    ],
)
def test_nonsense_preferences_are_refused_with_422_naming_each_field(
    client: TestClient, preferences: dict[str, Any], fields: set[str]
) -> None:
    # Given a user
    session = login_session(client)
    # When nonsense is put
    response = client.put("/v1/preferences", json=preferences, headers=session)
    # Then it is a 422 naming each offending field, and nothing was written
    assert {error["field"] for error in assert_problem(response, 422)["errors"]} == fields
    assert client.get("/v1/preferences", headers=session).json()["version"] == 0
