"""Each red-flag rule: raised on the numbers that should raise it, silent otherwise, explained in kk and ru."""
from decimal import Decimal as D

from services.budget.domain import redflags
from services.budget.domain.redflags import Contract, Thresholds, YearFacts

T = Thresholds()


def facts(**overrides) -> YearFacts:
    values = dict(institution_id="i1", year=2025, plan=D("1000000.00"), executed=D("950000.00"),
                  executed_q4=D("240000.00"), unit_cost=D("100.00"), peer_median_unit_cost=D("100.00"), peer_count=10,
                  contracts=(), document_count=3)
    values.update(overrides)
    return YearFacts(**values)


def contract(cid, supplier, amount, line_plan="1000000"):
    return Contract(cid, supplier, f"ТОО «{supplier}»", D(amount), D(line_plan))


def assert_explained(flag):
    assert flag.explanation["kk"] and flag.explanation["ru"]
    assert flag.explanation["kk"] != flag.explanation["ru"]


def test_an_ordinary_year_raises_no_flag():
    assert redflags.evaluate(facts(), T) == []


def test_executed_above_plan_is_flagged_with_the_excess():
    flag = redflags.over_execution(facts(executed=D("1080000.00")), T)
    assert flag.rule == "over_execution"
    assert flag.numbers["excess"] == "80000.00" and flag.numbers["execution_pct"] == "108.00"
    assert_explained(flag)
    assert redflags.over_execution(facts(executed=D("1000000.00")), T) is None


def test_over_execution_tolerance_is_a_setting():
    assert redflags.over_execution(facts(executed=D("1040000")), Thresholds(over_execution_tolerance_pct=D("5"))) is None


def test_most_of_the_year_spent_in_december_is_flagged():
    flag = redflags.year_end_rush(facts(executed=D("1000000"), executed_q4=D("550000")), T)
    assert flag.numbers["share_pct"] == "55.00"
    assert_explained(flag)
    assert redflags.year_end_rush(facts(executed=D("1000000"), executed_q4=D("400000")), T) is None


def test_the_current_year_gets_no_year_end_verdict():
    assert redflags.year_end_rush(facts(executed_q4=D("900000"), year_closed=False), T) is None


def test_unit_cost_far_from_the_peers_median_is_flagged_both_ways():
    high = redflags.unit_cost_outlier(facts(unit_cost=D("250.00")), T)
    low = redflags.unit_cost_outlier(facts(unit_cost=D("30.00")), T)
    assert high.numbers["ratio"] == "2.50" and low.numbers["ratio"] == "0.30"
    assert_explained(high)
    assert redflags.unit_cost_outlier(facts(unit_cost=D("170.00")), T) is None


def test_unit_cost_needs_enough_peers():
    assert redflags.unit_cost_outlier(facts(unit_cost=D("900"), peer_count=3), T) is None


def test_a_contract_larger_than_its_budget_line_is_flagged():
    flag = redflags.contract_exceeds_line(facts(contracts=(contract("C-1", "A", "1200000"), contract("C-2", "B", "10"))), T)
    assert flag.numbers["contracts"] == ["C-1"] and flag.numbers["line_plan"] == "1000000"
    assert_explained(flag)
    assert redflags.contract_exceeds_line(facts(contracts=(contract("C-1", "A", "1000000"),)), T) is None


def test_one_supplier_taking_most_contracts_is_flagged():
    same = tuple(contract(f"C-{n}", "111111111111", "100") for n in range(3)) + (contract("C-9", "222222222222", "5"),)
    flag = redflags.supplier_concentration(facts(contracts=same), T)
    assert flag.numbers["supplier_bin"] == "111111111111" and flag.numbers["share_pct"] == "75.00"
    assert_explained(flag)
    spread = tuple(contract(f"C-{n}", f"{n:012d}", "100") for n in range(4))
    assert redflags.supplier_concentration(facts(contracts=spread), T) is None


def test_too_few_contracts_say_nothing_about_concentration():
    two = (contract("C-1", "1", "100"), contract("C-2", "1", "100"))
    assert redflags.supplier_concentration(facts(contracts=two), T) is None


def test_spending_without_documents_is_flagged():
    flag = redflags.undocumented_spending(facts(document_count=0), T)
    assert flag.numbers == {"executed": "950000.00", "documents": 0}
    assert_explained(flag)
    assert redflags.undocumented_spending(facts(document_count=0, executed=D("0")), T) is None


def test_evaluate_lists_flags_in_rule_order():
    rules = [f.rule for f in redflags.evaluate(facts(executed=D("1100000"), executed_q4=D("900000"),
                                                      document_count=0), T)]
    assert rules == ["over_execution", "year_end_rush", "undocumented_spending"]
