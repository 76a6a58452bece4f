"""Money arithmetic on Decimal tenge (never floats): totals, percentages, unit cost, medians."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def tenge(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole in %, two decimals; None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


def unit_cost(total: Decimal, headcount) -> Decimal | None:
    """Yearly cost per pupil / child / bed / visit / km; None without a headcount."""
    if not headcount or Decimal(headcount) <= 0:
        return None
    return (Decimal(total) / Decimal(headcount)).quantize(CENT, rounding=ROUND_HALF_UP)


def median(values: list[Decimal]) -> Decimal | None:
    ordered = sorted(v for v in values if v is not None)
    if not ordered:
        return None
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2
