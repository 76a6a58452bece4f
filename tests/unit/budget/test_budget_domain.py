"""Search folding, money arithmetic, and the sample generator's determinism and realism."""
import functools
from decimal import Decimal as D

from services.budget import sample
from services.budget.domain import money
from services.budget.domain.search import normalise, search_text
from services.budget.reference import REGION_BBOX, SPECIFIC_CODES, districts


def test_search_folds_case_yo_and_kazakh_letters():
    assert normalise("Берёзовка") == normalise("БЕРЕЗОВКА") == "березовка"
    assert normalise("Қосшы") == normalise("косшы")
    assert normalise("Көкшетау ҚАЛАСЫ") == "кокшетау каласы"
    assert normalise("Үлгілі, №5") == "улгили 5"


def test_search_text_joins_both_languages():
    assert search_text("Ақкөл мектебі", "Школа Акколь") == "аккол мектеби школа аккол"


def test_money_is_exact_decimal():
    assert money.percent(D("1"), D("3")) == D("33.33")
    assert money.percent(D("5"), D("0")) is None
    assert money.unit_cost(D("84929100.00"), 45) == D("1887313.33")
    assert money.unit_cost(D("1"), 0) is None
    assert money.median([D("3"), D("1"), D("2"), D("10")]) == D("2.5")


@functools.cache
def first_batch():
    return next(sample.batches(chunk=150))


def test_the_sample_is_deterministic():
    a, b = first_batch(), next(sample.batches(chunk=150))
    assert a.institutions == b.institutions and a.budget_lines[:500] == b.budget_lines[:500]


def test_the_sample_covers_every_district_with_enough_institutions():
    plan = sample.institution_plan()
    assert len(plan) >= 3000
    assert {d["id"] for d, _, _ in plan} == {d["id"] for d in districts()}
    assert {kind for _, kind, _ in plan} == {"school", "kindergarten", "hospital", "polyclinic", "road"}
    assert len(sample.institution_plan(scale=10)) >= 30_000


def test_sample_points_lie_in_the_region_and_lines_use_real_specifics():
    batch = first_batch()
    lat_min, lon_min, lat_max, lon_max = REGION_BBOX
    for row in batch.institutions:
        assert lat_min <= row[10] <= lat_max and lon_min <= row[11] <= lon_max
    assert {line[5] for line in batch.budget_lines} <= set(SPECIFIC_CODES)
    assert all(isinstance(line[7], D) for line in batch.budget_lines)


def test_school_wages_are_most_of_the_budget():
    batch = first_batch()
    schools = {row[0] for row in batch.institutions if row[1] == "school"}
    shares = []
    for iid in list(schools)[:20]:
        lines = [l for l in batch.budget_lines if l[1] == iid and l[2] == 2024]
        total = sum(l[8] for l in lines)
        wages = sum(l[8] for l in lines if l[5] in ("111", "112", "113", "131"))
        shares.append(wages / total)
    assert sum(shares) / len(shares) > D("0.70")
