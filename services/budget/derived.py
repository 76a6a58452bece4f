"""Derived data, rebuilt from the budget lines after a load or an import: yearly totals with unit cost
and ranks (SQL), and red flags (the pure rules of domain.redflags over facts read in bulk)."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from . import db
from .domain import redflags
from .sample import CURRENT_YEAR

_SCOPE = "(cast(:all as boolean) or {col} = any(cast(:ids as text[])))"


def refresh(session: Session, thresholds: redflags.Thresholds, institution_ids: list[str] | None = None) -> list[str]:
    """Rebuild totals of `institution_ids` (None: all), ranks of everyone, and red flags of every
    institution whose peer group (same kind and district) contains one of them.
    Returns the ids whose flags were recomputed or whose district or region rank moved (anywhere in the
    region: their cached details are stale)."""
    params = {"all": institution_ids is None, "ids": institution_ids or []}
    session.execute(text(f"delete from institution_years where {_SCOPE.format(col='institution_id')}"), params)
    session.execute(text(f"""
        insert into institution_years (institution_id, year, plan, adjusted_plan, executed, executed_q4,
                                       execution_pct, headcount, unit_cost, flag_count)
        select l.institution_id, l.year, sum(l.plan), sum(l.adjusted_plan),
               sum(l.executed_q1 + l.executed_q2 + l.executed_q3 + l.executed_q4), sum(l.executed_q4),
               round(sum(l.executed_q1 + l.executed_q2 + l.executed_q3 + l.executed_q4) * 100
                     / nullif(sum(l.adjusted_plan), 0), 2),
               (i.headcount ->> l.year::text)::numeric,
               round(sum(l.adjusted_plan) / nullif((i.headcount ->> l.year::text)::numeric, 0), 2),
               0
        from budget_lines l join institutions i on i.id = l.institution_id
        where {_SCOPE.format(col='l.institution_id')}
        group by l.institution_id, l.year, i.headcount"""), params)
    reranked = session.scalars(text("""
        update institution_years y set rank_district = r.rd, peers_district = r.pd, rank_region = r.rr,
                                       peers_region = r.pr
        from (select y.institution_id, y.year,
                     rank() over (partition by i.kind, i.district_id, y.year order by y.unit_cost) rd,
                     count(y.unit_cost) over (partition by i.kind, i.district_id, y.year) pd,
                     rank() over (partition by i.kind, y.year order by y.unit_cost) rr,
                     count(y.unit_cost) over (partition by i.kind, y.year) pr
              from institution_years y join institutions i on i.id = y.institution_id
              where y.unit_cost is not null) r
        where y.institution_id = r.institution_id and y.year = r.year
          and (y.rank_district, y.peers_district, y.rank_region, y.peers_region)
              is distinct from (r.rd, r.pd, r.rr, r.pr)
        returning y.institution_id""")).all()
    affected = [row[0] for row in session.execute(text(f"""
        select i.id from institutions i
        where cast(:all as boolean) or (i.kind, i.district_id) in
              (select kind, district_id from institutions where id = any(cast(:ids as text[])))"""), params)]
    _refresh_flags(session, thresholds, affected, everyone=institution_ids is None)
    return sorted(set(affected) | set(reranked))


def _refresh_flags(session: Session, thresholds: redflags.Thresholds, ids: list[str], everyone: bool) -> None:
    params = {"all": everyone, "ids": ids}
    scope_i = _SCOPE.format(col="i.id")
    years = session.execute(text(f"""
        with peers as (
            select i.kind, i.district_id, y.year,
                   percentile_cont(0.5) within group (order by y.unit_cost) as median, count(y.unit_cost) as n
            from institution_years y join institutions i on i.id = y.institution_id
            group by i.kind, i.district_id, y.year)
        select y.institution_id, y.year, y.adjusted_plan, y.executed, y.executed_q4, y.unit_cost, p.median, p.n
        from institution_years y join institutions i on i.id = y.institution_id
        join peers p on p.kind = i.kind and p.district_id = i.district_id and p.year = y.year
        where {scope_i}"""), params).all()
    contracts = defaultdict(list)
    for row in session.execute(text(f"""
            select c.institution_id, c.year, c.id, c.supplier_bin, c.supplier_name, c.amount, l.adjusted_plan
            from contracts c join budget_lines l on l.id = c.budget_line_id join institutions i on i.id = c.institution_id
            where {scope_i}"""), params):
        contracts[(row[0], row[1])].append(redflags.Contract(row[2], row[3], row[4], row[5], row[6]))
    documents = {(r[0], r[1]): r[2] for r in session.execute(text(f"""
            select d.institution_id, d.year, count(*) from documents d join institutions i on i.id = d.institution_id
            where {scope_i} group by d.institution_id, d.year"""), params)}
    session.execute(text(f"delete from red_flags where {_SCOPE.format(col='institution_id')}"), params)
    flag_rows, counts = [], []
    for iid, year, plan, executed, q4, unit_cost, median, n in years:
        facts = redflags.YearFacts(
            institution_id=iid, year=year, plan=plan, executed=executed, executed_q4=q4, unit_cost=unit_cost,
            peer_median_unit_cost=Decimal(str(round(median, 2))) if median is not None else None, peer_count=n,
            contracts=tuple(contracts.get((iid, year), ())), document_count=documents.get((iid, year), 0),
            year_closed=year < CURRENT_YEAR)
        flags = redflags.evaluate(facts, thresholds)
        counts.append({"iid": iid, "year": year, "n": len(flags)})
        for flag in flags:
            flag_rows.append({"institution_id": iid, "year": year, "rule": flag.rule, "numbers": flag.numbers,
                              "explanation_kk": flag.explanation["kk"], "explanation_ru": flag.explanation["ru"]})
    if flag_rows:
        session.execute(db.red_flags.insert(), flag_rows)
    if counts:
        session.execute(text("""
            update institution_years y set flag_count = c.n
            from (select unnest(cast(:iids as text[])) iid, unnest(cast(:years as int[])) yr,
                         unnest(cast(:ns as int[])) n) c
            where y.institution_id = c.iid and y.year = c.yr"""),
            {"iids": [c["iid"] for c in counts], "years": [c["year"] for c in counts], "ns": [c["n"] for c in counts]})
