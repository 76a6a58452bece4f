"""Budget's own settings, read from the chassis' variables (services/common/settings.py)."""
from __future__ import annotations

from decimal import Decimal

from services.common.settings import get, get_int

from .domain.redflags import Thresholds


def thresholds() -> Thresholds:
    return Thresholds(
        over_execution_tolerance_pct=Decimal(get("ASHYQ_BUDGET_FLAG_OVER_EXECUTION_PCT")),
        year_end_share_pct=Decimal(get("ASHYQ_BUDGET_FLAG_YEAR_END_SHARE_PCT")),
        unit_cost_high_ratio=Decimal(get("ASHYQ_BUDGET_FLAG_UNIT_COST_HIGH_RATIO")),
        unit_cost_low_ratio=Decimal(get("ASHYQ_BUDGET_FLAG_UNIT_COST_LOW_RATIO")),
        supplier_share_pct=Decimal(get("ASHYQ_BUDGET_FLAG_SUPPLIER_SHARE_PCT")),
    )


def cache_seconds() -> int:
    return get_int("ASHYQ_BUDGET_CACHE_SECONDS")


def max_import_bytes() -> int:
    return get_int("ASHYQ_BUDGET_MAX_IMPORT_BYTES")


def reviews_per_hour() -> int:
    return get_int("ASHYQ_BUDGET_REVIEWS_PER_HOUR")
