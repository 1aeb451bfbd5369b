"""Checks that every number a reply states came from a tool result of the same turn (or the user).

A number is grounded when some number in the turn's tool data, or in the user's own message,
shown at the reply's precision, is the same: 130078.1234 grounds "$130,078.12" and "$130,078",
and a fraction grounds its percentage (0.4523 grounds "45.23%"). Signs are ignored (a reply says
"down 2%" for -2). Anything else is listed as ungrounded: the reply is kept, and flagged.

Decisions:
- A number glued to letters is a name, not a figure ("L2", "24h", "uniswap-v3"), and is not checked.
- Numbers inside tool data strings count ("worth 500.00 USD" grounds 500), so a finding's message can
  be quoted; that only widens what is allowed to what the tools said.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, localcontext
from typing import Any

from pydantic import BaseModel, ConfigDict

# A figure as a reply writes it: optional thousands separators and decimals, not part of a word.
_STATED = re.compile(r"(?<![\w.\-])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\w]|\.\d)")
_IN_DATA = re.compile(r"\d+(?:\.\d+)?")
_HUNDRED = Decimal(100)
_PRECISION = 90


class Grounding(BaseModel):
    """What the check found: how many figures the reply states, and those no source gave."""

    model_config = ConfigDict(frozen=True)

    checked: int
    ungrounded: tuple[str, ...]


def stated_numbers(text: str) -> list[tuple[str, Decimal, int]]:
    """Each figure in ``text``: as written, its value, and its decimal places."""
    found = []
    for match in _STATED.finditer(text):
        whole, fraction = match.group(1).replace(",", ""), match.group(2) or ""
        found.append((match.group(0), Decimal(f"{whole}.{fraction}" if fraction else whole), len(fraction)))
    return found


def source_numbers(sources: Iterable[Any]) -> set[Decimal]:
    """Every number in ``sources`` (JSON-like data and text), without sign."""
    values: set[Decimal] = set()
    stack = list(sources)
    while stack:
        item = stack.pop()
        if isinstance(item, bool) or item is None:
            continue
        if isinstance(item, int | float | Decimal):
            values.add(abs(Decimal(str(item))))
        elif isinstance(item, str):
            values.update(Decimal(text) for text in _IN_DATA.findall(item))
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)
    return {v for v in values if v.is_finite()}


def check(reply: str, tool_data: Iterable[Any], user_message: str) -> Grounding:
    """The figures ``reply`` states that neither the turn's tool data nor the user's message gave."""
    stated = stated_numbers(reply)
    sources = source_numbers([*tool_data, user_message])
    shown: dict[int, set[Decimal]] = {}
    ungrounded = []
    with localcontext() as exact:
        exact.prec = _PRECISION  # wei amounts have more digits than the default 28
        for text, value, places in stated:
            if places not in shown:
                exponent = Decimal(1).scaleb(-places)
                scaled = sources | {v * _HUNDRED for v in sources}
                shown[places] = {v.quantize(exponent) for v in scaled if v.adjusted() + places < _PRECISION}
            if value not in shown[places]:
                ungrounded.append(text)
    return Grounding(checked=len(stated), ungrounded=tuple(dict.fromkeys(ungrounded)))
