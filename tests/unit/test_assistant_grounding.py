"""The grounding check: a reply's figures must come from the turn's tool data or the user's message."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tradewind.assistant.grounding import check, source_numbers, stated_numbers

PORTFOLIO = {
    "total_usd": "130078.1234",
    "weights": {"WETH": 0.4523},
    "holdings": [{"amount": "12.5", "usd": None}],
}


@pytest.mark.parametrize(
    "reply",
    [
        "You hold **$130,078.12**.",
        "About $130,078 in all.",
        "WETH is 45.23% of it.",
        "WETH is 45% of it.",
        "You have 12.5 WETH.",
        "Down 12.5% (the tool said -12.5).",
    ],
)
def test_figures_the_tools_gave_are_grounded_at_the_precision_shown(reply: str) -> None:
    assert check(reply, [PORTFOLIO, {"change": "-12.5"}], "").ungrounded == ()


@pytest.mark.parametrize(
    ("reply", "ungrounded"),
    [
        ("ETH is $4,200 now.", ("4,200",)),
        ("You hold $130,078.13.", ("130,078.13",)),
        ("WETH is 45.24% of it, and 7 tokens.", ("45.24", "7")),
    ],
)
def test_a_figure_no_tool_gave_is_listed(reply: str, ungrounded: tuple[str, ...]) -> None:
    assert check(reply, [PORTFOLIO], "").ungrounded == ungrounded


def test_the_users_own_numbers_may_be_repeated() -> None:
    assert check("Swapping 0.3 WETH as you asked.", [], "make it 0.3 instead").ungrounded == ()


@pytest.mark.parametrize("reply", ["on the L2", "over 24h", "route WETH -3000-> USDC"])
def test_numbers_inside_names_are_not_figures(reply: str) -> None:
    # "-3000->" is a fee tier inside a route label, written by a tool: it is in the data anyway
    assert check(reply, [{"route": "WETH -3000-> USDC"}], "").ungrounded == ()


def test_stated_numbers_read_separators_and_decimals() -> None:
    assert stated_numbers("$1,234.50 and 7 and 0.000333") == [
        ("1,234.50", Decimal("1234.50"), 2),
        ("7", Decimal(7), 0),
        ("0.000333", Decimal("0.000333"), 6),
    ]


def test_source_numbers_come_from_nested_data_and_text_without_sign() -> None:
    data: list[Any] = [{"a": [1, {"b": "-2.5"}], "c": "worth 500.00 USD", "d": True, "e": None}]
    assert source_numbers(data) == {Decimal(1), Decimal("2.5"), Decimal("500.00")}


def test_wei_amounts_longer_than_the_default_precision_do_not_break_the_check() -> None:
    huge = {"wei": "123456789012345678901234567890123456789", "address": "0x" + "9" * 40}
    assert check("It costs $3.10.", [huge, {"usd": "3.1"}], "").ungrounded == ()
