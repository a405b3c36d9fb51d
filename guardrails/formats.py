"""Claim-line shapes shared by the engine and the checker: modifiers, bilateral formats, order."""

from __future__ import annotations

from guardrails.models import ClaimLine
from guardrails.payers import BilateralFormat

SIDE_MODIFIER = {"right": "RT", "left": "LT"}
_MODIFIER_RANK = {"50": 0, "RT": 1, "LT": 1, "KX": 2}


def order_modifiers(modifiers: list[str]) -> list[str]:
    """Payment modifier 50 first, then RT/LT, then KX, then anything else as given."""
    unique = list(dict.fromkeys(m.upper() for m in modifiers))
    return sorted(unique, key=lambda m: _MODIFIER_RANK.get(m, 3))


def render_level(
    code: str,
    sides: frozenset[str],
    fmt: BilateralFormat,
    extra: list[str],
    note: str,
) -> list[ClaimLine]:
    """Lines for one coded level (or the third-and-additional group) in the payer's format."""
    if sides != frozenset({"left", "right"}):
        (side,) = sides
        return [ClaimLine(code=code, modifiers=order_modifiers([SIDE_MODIFIER[side], *extra]), units=1, note=note)]
    if fmt is BilateralFormat.MODIFIER_50_ONE_LINE:
        return [ClaimLine(code=code, modifiers=order_modifiers(["50", *extra]), units=1, note=note)]
    if fmt is BilateralFormat.MODIFIER_50_TWO_UNITS:
        return [ClaimLine(code=code, modifiers=order_modifiers(["50", *extra]), units=2, note=note)]
    if fmt is BilateralFormat.RT_LT_TWO_LINES:
        return [
            ClaimLine(code=code, modifiers=order_modifiers(["RT", *extra]), units=1, note=f"{note}, right side"),
            ClaimLine(code=code, modifiers=order_modifiers(["LT", *extra]), units=1, note=f"{note}, left side"),
        ]
    return [
        ClaimLine(code=code, modifiers=order_modifiers(list(extra)), units=1, note=f"{note}, first side"),
        ClaimLine(code=code, modifiers=order_modifiers(["50", *extra]), units=1, note=f"{note}, second side"),
    ]
