"""The chain package's settings load from TRADEWIND_* variables and refuse bad values."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tradewind.chain.settings import ChainSenderSettings


def test_settings_come_from_prefixed_variables_with_defaults_for_the_rest() -> None:
    settings = ChainSenderSettings.from_environment(
        {"TRADEWIND_CHAIN_TABLE": "chain-table", "TRADEWIND_STUCK_AFTER_S": "12.5", "UNRELATED": "x"}
    )
    assert settings.chain_table == "chain-table"
    assert settings.stuck_after_s == 12.5
    assert settings.priority_fee_percentile == 50


def test_a_missing_table_or_an_impossible_percentile_is_refused() -> None:
    with pytest.raises(ValidationError):
        ChainSenderSettings.from_environment({})
    with pytest.raises(ValidationError):
        ChainSenderSettings.from_environment(
            {"TRADEWIND_CHAIN_TABLE": "t-1", "TRADEWIND_PRIORITY_FEE_PERCENTILE": "101"}
        )
