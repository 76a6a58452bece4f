"""Red flags: corruption-risk indicators over one institution's fiscal year.

Each rule is a pure function of `YearFacts` and `Thresholds`; it returns a `Flag` with the numbers
behind it and an explanation in Kazakh and Russian, or None. Amounts are Decimal tenge.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .money import percent

RULES = ("over_execution", "year_end_rush", "unit_cost_outlier", "contract_exceeds_line",
         "supplier_concentration", "undocumented_spending")


@dataclass(frozen=True)
class Thresholds:
    over_execution_tolerance_pct: Decimal = Decimal("0")    # executed above plan by more than this
    year_end_share_pct: Decimal = Decimal("40")             # share of the year's spending in Q4 (December)
    unit_cost_high_ratio: Decimal = Decimal("1.8")          # unit cost vs the peers' median
    unit_cost_low_ratio: Decimal = Decimal("0.4")
    unit_cost_min_peers: int = 5
    supplier_share_pct: Decimal = Decimal("70")             # one supplier's share of the contracts
    supplier_min_contracts: int = 3


@dataclass(frozen=True)
class Contract:
    id: str
    supplier_bin: str
    supplier_name: str
    amount: Decimal
    line_plan: Decimal          # adjusted plan of the budget line the contract is paid from


@dataclass(frozen=True)
class YearFacts:
    institution_id: str
    year: int
    plan: Decimal               # adjusted plan of the year (all lines)
    executed: Decimal
    executed_q4: Decimal
    unit_cost: Decimal | None = None
    peer_median_unit_cost: Decimal | None = None
    peer_count: int = 0
    contracts: tuple[Contract, ...] = ()
    document_count: int = 0
    year_closed: bool = True    # Q4 of the current year is not over: no year-end verdict yet


@dataclass(frozen=True)
class Flag:
    rule: str
    numbers: dict
    explanation: dict = field(default_factory=dict)   # {"kk": ..., "ru": ...}


def _fmt(amount: Decimal) -> str:
    return f"{Decimal(amount):,.2f}".replace(",", " ")


def over_execution(f: YearFacts, t: Thresholds) -> Flag | None:
    limit = f.plan * (1 + t.over_execution_tolerance_pct / 100)
    if f.plan <= 0 or f.executed <= limit:
        return None
    excess = f.executed - f.plan
    return Flag("over_execution", {"plan": str(f.plan), "executed": str(f.executed), "excess": str(excess),
                                   "execution_pct": str(percent(f.executed, f.plan))}, {
        "kk": f"Игерілгені ({_fmt(f.executed)} ₸) нақтыланған жоспардан ({_fmt(f.plan)} ₸) {_fmt(excess)} ₸ артық.",
        "ru": f"Исполнено ({_fmt(f.executed)} ₸) больше уточнённого плана ({_fmt(f.plan)} ₸) на {_fmt(excess)} ₸.",
    })


def year_end_rush(f: YearFacts, t: Thresholds) -> Flag | None:
    if not f.year_closed or f.executed <= 0:
        return None
    share = percent(f.executed_q4, f.executed)
    if share is None or share <= t.year_end_share_pct:
        return None
    return Flag("year_end_rush", {"executed": str(f.executed), "executed_q4": str(f.executed_q4),
                                  "share_pct": str(share), "threshold_pct": str(t.year_end_share_pct)}, {
        "kk": f"Жылдық шығыстың {share}% соңғы тоқсанда (желтоқсан) игерілген; шегі {t.year_end_share_pct}%.",
        "ru": f"{share}% годовых расходов освоено в последнем квартале (декабрь); порог {t.year_end_share_pct}%.",
    })


def unit_cost_outlier(f: YearFacts, t: Thresholds) -> Flag | None:
    if f.unit_cost is None or not f.peer_median_unit_cost or f.peer_count < t.unit_cost_min_peers:
        return None
    ratio = (f.unit_cost / f.peer_median_unit_cost).quantize(Decimal("0.01"))
    if t.unit_cost_low_ratio <= ratio <= t.unit_cost_high_ratio:
        return None
    numbers = {"unit_cost": str(f.unit_cost), "peer_median": str(f.peer_median_unit_cost), "ratio": str(ratio),
               "peer_count": f.peer_count}
    return Flag("unit_cost_outlier", numbers, {
        "kk": f"Бірлік құны {_fmt(f.unit_cost)} ₸ — ауданның осы түрдегі мекемелерінің медианасынан "
              f"({_fmt(f.peer_median_unit_cost)} ₸) {ratio} есе.",
        "ru": f"Удельная стоимость {_fmt(f.unit_cost)} ₸ — в {ratio} раза от медианы учреждений того же типа "
              f"в районе ({_fmt(f.peer_median_unit_cost)} ₸).",
    })


def contract_exceeds_line(f: YearFacts, t: Thresholds) -> Flag | None:
    over = [c for c in f.contracts if c.amount > c.line_plan]
    if not over:
        return None
    worst = max(over, key=lambda c: c.amount - c.line_plan)
    return Flag("contract_exceeds_line", {"contracts": [c.id for c in over], "contract_id": worst.id,
                                          "amount": str(worst.amount), "line_plan": str(worst.line_plan)}, {
        "kk": f"{len(over)} шарт бюджет жолынан үлкен; мысалы {worst.id}: {_fmt(worst.amount)} ₸, "
              f"жол жоспары {_fmt(worst.line_plan)} ₸.",
        "ru": f"{len(over)} договор(ов) больше своей бюджетной строки; например {worst.id}: {_fmt(worst.amount)} ₸ "
              f"при плане строки {_fmt(worst.line_plan)} ₸.",
    })


def supplier_concentration(f: YearFacts, t: Thresholds) -> Flag | None:
    """One supplier holds most of the year's contracts (by number), with their share of the value."""
    if len(f.contracts) < t.supplier_min_contracts:
        return None
    by_supplier: dict[str, list[Contract]] = {}
    for c in f.contracts:
        by_supplier.setdefault(c.supplier_bin, []).append(c)
    top_bin, top = max(by_supplier.items(), key=lambda kv: (len(kv[1]), sum(c.amount for c in kv[1])))
    share = percent(Decimal(len(top)), Decimal(len(f.contracts)))
    if share <= t.supplier_share_pct:
        return None
    total = sum((c.amount for c in f.contracts), Decimal(0))
    value_share = percent(sum((c.amount for c in top), Decimal(0)), total)
    name = top[0].supplier_name
    return Flag("supplier_concentration", {"supplier_bin": top_bin, "supplier_name": name, "share_pct": str(share),
                                           "value_share_pct": str(value_share), "supplier_contracts": len(top),
                                           "contracts": len(f.contracts), "threshold_pct": str(t.supplier_share_pct)}, {
        "kk": f"«{name}» жеткізушісі {len(f.contracts)} шарттың {len(top)} алды ({share}%, сомасының {value_share}%).",
        "ru": f"Поставщик «{name}» получил {len(top)} из {len(f.contracts)} договоров ({share}%, {value_share}% суммы).",
    })


def undocumented_spending(f: YearFacts, t: Thresholds) -> Flag | None:
    if f.executed <= 0 or f.document_count > 0:
        return None
    return Flag("undocumented_spending", {"executed": str(f.executed), "documents": 0}, {
        "kk": f"{_fmt(f.executed)} ₸ игерілген, бірақ бірде-бір растайтын құжат жоқ.",
        "ru": f"Освоено {_fmt(f.executed)} ₸, но нет ни одного подтверждающего документа.",
    })


_RULES = (over_execution, year_end_rush, unit_cost_outlier, contract_exceeds_line, supplier_concentration,
          undocumented_spending)


def evaluate(facts: YearFacts, thresholds: Thresholds) -> list[Flag]:
    """Every flag raised on one institution's year, in the order of RULES."""
    return [flag for rule in _RULES if (flag := rule(facts, thresholds)) is not None]
