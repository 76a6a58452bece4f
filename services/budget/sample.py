"""The deterministic sample of Akmola region: every city and district, thousands of institutions of the
five kinds placed around their district's centre, five fiscal years of budget lines on real specific
codes with magnitudes like the published school reports, contracts and documents.

Each institution draws from its own `random.Random` seeded by (seed, district, kind, number), so the
data does not depend on generation order or chunking. `scale` multiplies the number of institutions.
"""
from __future__ import annotations

import hashlib
import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Iterator

from .domain.search import search_text
from .reference import FUNCTIONAL_GROUPS, REGION_BBOX, districts

SEED = 20260101
YEARS = (2022, 2023, 2024, 2025, 2026)
CURRENT_YEAR = 2026          # Q4 of the current year is not executed yet
NAMESPACE = uuid.UUID("6f1d7a52-3c1e-4b8e-9a55-2a0c4f1b7e01")

# Institutions per area at scale 1: (schools, kindergartens, hospitals, polyclinics, roads)
COUNTS_DISTRICT = (85, 48, 4, 11, 24)
COUNTS_CITY = {"1110": (35, 45, 6, 12, 30), "1116": (15, 20, 3, 5, 12), "kosshy": (10, 15, 1, 3, 8)}
KINDS5 = ("school", "kindergarten", "hospital", "polyclinic", "road")
YEAR_FACTOR = {2022: Decimal("0.80"), 2023: Decimal("0.87"), 2024: Decimal("0.93"), 2025: Decimal("1.00"),
               2026: Decimal("1.07")}

PROGRAMS = {"school": "464-003-011", "kindergarten": "464-040-000", "hospital": "253-004-000",
            "polyclinic": "253-005-000", "road": "471-023-000"}

# kind -> [(specific, share of the yearly total)]; wages (111-113, 131) are 75-93 % of a school's budget.
SHARES = {
    "school": [("111", 72), ("112", 5), ("113", 2), ("131", 4), ("121", 4.5), ("122", 1.2), ("124", 1.8),
               ("141", 1.5), ("149", 0.8), ("151", 3), ("152", 0.4), ("159", 1), ("161", 0.2), ("169", 0.3)],
    "kindergarten": [("111", 55), ("112", 4), ("131", 15), ("121", 5), ("122", 1), ("124", 1.5), ("141", 10),
                     ("149", 1), ("151", 6), ("152", 0.3), ("159", 1)],
    "hospital": [("111", 48), ("112", 4), ("131", 6), ("121", 4), ("122", 1), ("124", 1.5), ("141", 4),
                 ("142", 18), ("144", 1), ("149", 2), ("151", 5), ("152", 0.4), ("159", 3)],
    "polyclinic": [("111", 55), ("112", 4), ("131", 5), ("121", 4.5), ("122", 1), ("124", 1.5), ("142", 14),
                   ("149", 2), ("151", 5), ("152", 0.6), ("159", 3)],
    "road": [("111", 6), ("121", 1), ("124", 0.5), ("144", 5), ("149", 5), ("153", 5), ("159", 65), ("429", 10)],
}
CAPITAL = {"school": "421", "kindergarten": "421", "hospital": "414", "polyclinic": "414", "road": "431"}
CONTRACTED = {"141", "142", "144", "149", "151", "153", "159", "414", "421", "429", "431"}
SUBJECTS = {
    "141": "Поставка продуктов питания", "142": "Поставка лекарственных средств", "144": "Поставка ГСМ",
    "149": "Поставка хозяйственных товаров", "151": "Теплоснабжение и электроснабжение",
    "153": "Транспортные услуги", "159": "Текущий ремонт и обслуживание", "414": "Поставка оборудования",
    "421": "Капитальный ремонт здания", "429": "Капитальный ремонт оборудования",
    "431": "Реконструкция объекта",
}
METHODS = ("open_tender", "request_for_quotations", "single_source", "auction", "e_shop")

VILLAGES = [("Береке", "Береке"), ("Жаңажол", "Жанажол"), ("Қызылжар", "Кызылжар"), ("Ақсу", "Аксу"),
            ("Көктал", "Коктал"), ("Қараөзек", "Караозек"), ("Березовка", "Берёзовка"), ("Ақмырза", "Акмырза"),
            ("Шұңқыркөл", "Шункыркол"), ("Тасөткел", "Тасоткел"), ("Балуан", "Балуан"), ("Ельтай", "Ельтай"),
            ("Қоянды", "Коянды"), ("Жалтыр", "Жалтыр"), ("Қарабұлақ", "Карабулак"), ("Өрнек", "Орнек"),
            ("Сарыөзек", "Сарыозек"), ("Ұялы", "Уялы"), ("Ильинка", "Ильинка"), ("Алексеевка", "Алексеевка"),
            ("Сәуле", "Сауле"), ("Көкарал", "Кокарал"), ("Шалқар", "Шалкар"), ("Ақтасты", "Актасты"),
            ("Зеленый Гай", "Зелёный Гай"), ("Үлгілі", "Улгили"), ("Новоселовка", "Новосёловка"),
            ("Қараағаш", "Карагаш"), ("Бірлестік", "Бирлестик"), ("Жаңаесіл", "Жанаесиль")]
STREETS = [("Абай", "Абая"), ("Тәуелсіздік", "Независимости"), ("Бейбітшілік", "Мира"), ("Мектеп", "Школьная"),
           ("Орталық", "Центральная"), ("Жастар", "Молодёжная"), ("Достық", "Дружбы"), ("Наурыз", "Наурыз")]
GARDENS = [("Балапан", "Балапан"), ("Ақбота", "Акбота"), ("Күншуақ", "Куншуак"), ("Айгөлек", "Айголек"),
           ("Қайың", "Берёзка"), ("Күн сәулесі", "Солнышко"), ("Ертегі", "Сказка"), ("Құлыншақ", "Кулыншак")]
SUPPLIERS = [(f"ТОО «{a}{b}»", f"{170140000000 + i * 7919:012d}") for i, (a, b) in enumerate(
    (a, b) for a in ("Ақмола", "Көкше", "Есіл", "Бурабай", "Сарыарқа", "Нұр", "Береке", "Алтын")
    for b in ("Құрылыс", "Сервис", "Трейд", "Азық", "Мед", "Жол"))]


@dataclass
class Batch:
    """Rows of a chunk of institutions, ready for COPY (budget line ids assigned here)."""
    institutions: list = field(default_factory=list)
    budget_lines: list = field(default_factory=list)
    contracts: list = field(default_factory=list)
    documents: list = field(default_factory=list)


def institution_plan(scale: int = 1) -> list[tuple[dict, str, int]]:
    """(district, kind, number) of every institution of the sample, in a fixed order."""
    plan = []
    for d in districts():
        base = COUNTS_CITY.get(d["id"], COUNTS_DISTRICT)
        for kind, count in zip(KINDS5, base):
            for n in range(1, count * scale + 1):
                plan.append((d, kind, n))
    return plan


def batches(scale: int = 1, seed: int = SEED, chunk: int = 2000) -> Iterator[Batch]:
    ids = {"line": 0, "contract": 0, "document": 0}
    plan = institution_plan(scale)
    for start in range(0, len(plan), chunk):
        batch = Batch()
        for index, (d, kind, n) in enumerate(plan[start:start + chunk], start=start):
            _institution(batch, ids, random.Random(f"{seed}:{d['id']}:{kind}:{n}"), d, kind, n, index)
        yield batch


def institution_id(district_id: str, kind: str, n: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{district_id}:{kind}:{n}"))


def _point(rng: random.Random, d: dict) -> tuple[float, float]:
    r = d["radius_deg"] * math.sqrt(rng.random())
    angle = rng.random() * 2 * math.pi
    lat = d["lat"] + r * math.sin(angle)
    lon = d["lon"] + r * math.cos(angle) / math.cos(math.radians(d["lat"]))
    return _clip(lat, lon)


def _clip(lat: float, lon: float) -> tuple[float, float]:
    lat_min, lon_min, lat_max, lon_max = REGION_BBOX
    return round(min(max(lat, lat_min + 0.01), lat_max - 0.01), 6), round(min(max(lon, lon_min + 0.01), lon_max - 0.01), 6)


def _names(rng, d, kind, n, village):
    city = d["kind"] == "city"
    vkk, vru = village
    if kind == "school":
        if city:
            return f"{d['centre_kk']} қаласының №{n} мектеп-лицейі", f"Школа-лицей №{n} города {d['centre_ru']}"
        return f"{vkk} ауылының №{n} жалпы білім беретін мектебі", f"Общеобразовательная школа №{n} села {vru}"
    if kind == "kindergarten":
        gkk, gru = rng.choice(GARDENS)
        where_kk, where_ru = (d["centre_kk"], d["centre_ru"]) if city else (vkk, vru)
        return f"{where_kk}: №{n} «{gkk}» балабақшасы", f"Детский сад №{n} «{gru}», {where_ru}"
    if kind == "hospital":
        if city:
            return f"{d['centre_kk']} қаласының №{n} көпбейінді ауруханасы", f"Многопрофильная больница №{n} г. {d['centre_ru']}"
        return f"{vkk} ауылының №{n} ауруханасы", f"Больница №{n} села {vru}"
    if kind == "polyclinic":
        if city:
            return f"{d['centre_kk']} қаласының №{n} емханасы", f"Поликлиника №{n} г. {d['centre_ru']}"
        return f"{vkk} ауылының №{n} дәрігерлік амбулаториясы", f"Врачебная амбулатория №{n} села {vru}"
    other_kk, other_ru = rng.choice(VILLAGES)
    return (f"{d['centre_kk']} — {other_kk} автожолы, №{n} учаске",
            f"Автодорога {d['centre_ru']} — {other_ru}, участок №{n}")


def _headcount(rng, d, kind) -> int:
    city = d["kind"] == "city"
    if kind == "school":
        return rng.randint(400, 1600) if city else int(min(900, max(7, rng.lognormvariate(4.6, 0.9))))
    if kind == "kindergarten":
        return rng.randint(120, 320) if city else rng.randint(20, 160)
    if kind == "hospital":
        return rng.randint(150, 450) if city else rng.randint(25, 120)
    if kind == "polyclinic":
        return rng.randint(300, 1200) if city else rng.randint(50, 500)
    return rng.randint(3, 60)


def _base_total(kind: str, count: int) -> Decimal:
    """Yearly total of 2025 in tenge, from the headcount (published reports' magnitudes)."""
    per_unit, fixed = {"school": (900_000, 8_000_000), "kindergarten": (500_000, 5_000_000),
                       "hospital": (18_000_000, 100_000_000), "polyclinic": (900_000, 40_000_000),
                       "road": (25_000_000, 10_000_000)}[kind]
    return Decimal(per_unit * count + fixed)


def _money(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def _institution(batch: Batch, ids: dict, rng: random.Random, d: dict, kind: str, n: int, index: int) -> None:
    iid = institution_id(d["id"], kind, n)
    village = rng.choice(VILLAGES)
    name_kk, name_ru = _names(rng, d, kind, n, village)
    lat, lon = _point(rng, d)
    if kind == "road":
        coords, (plat, plon) = [[lon, lat]], (lat, lon)
        for _ in range(rng.randint(2, 4)):
            plat, plon = _clip(plat + rng.uniform(-0.05, 0.05), plon + rng.uniform(-0.08, 0.08))
            coords.append([plon, plat])
        geometry = {"type": "LineString", "coordinates": coords}
    else:
        geometry = {"type": "Point", "coordinates": [lon, lat]}
    street = rng.choice(STREETS)
    house = rng.randint(1, 120)
    if d["kind"] == "city":
        address_kk, address_ru = f"{d['centre_kk']} қ., {street[0]} к-сі, {house}", f"г. {d['centre_ru']}, ул. {street[1]}, {house}"
    else:
        address_kk, address_ru = (f"{d['name_kk']}, {village[0]} а., {street[0]} к-сі, {house}",
                                  f"{d['name_ru']}, с. {village[1]}, ул. {street[1]}, {house}")
    domain = {"school": "edu", "kindergarten": "edu", "hospital": "med", "polyclinic": "med", "road": "akimat"}[kind]
    emails = [f"{kind}-{n}.{d['id']}@{domain}.akmola.kz"]
    base_count = _headcount(rng, d, kind)
    headcount = {}
    for year in YEARS:
        drift = 1 + rng.uniform(-0.04, 0.04) * (year - 2024)
        headcount[str(year)] = max(1, round(base_count * drift)) if kind != "road" else base_count
    bin_ = f"{22 + index % 3:02d}{1 + index % 12:02d}4{index:07d}"
    batch.institutions.append((iid, kind, name_kk, name_ru, search_text(name_kk, name_ru), bin_, address_kk,
                               address_ru, d["id"], _json(geometry), lat, lon, _json(emails),
                               PROGRAMS[kind][:3], _json(headcount)))
    efficiency = Decimal(str(round(rng.uniform(0.8, 1.3) if rng.random() > 0.01 else 2.4, 3)))
    for year in YEARS:
        _year(batch, ids, rng, iid, kind, year, _base_total(kind, headcount[str(year)]) * YEAR_FACTOR[year] * efficiency)


def _year(batch: Batch, ids: dict, rng: random.Random, iid: str, kind: str, year: int, total: Decimal) -> None:
    closed = year < CURRENT_YEAR
    shares = list(SHARES[kind])
    rush = closed and rng.random() < 0.02
    if rng.random() < 0.2 or rush:
        shares.append((CAPITAL[kind], 35 if rush else rng.uniform(3, 15)))
    over = rng.random() < 0.015
    line_rows = []
    for specific, share in shares:
        plan = _money(total * Decimal(str(share)) / 100 * Decimal(str(rng.uniform(0.9, 1.1))))
        adjusted = _money(plan * Decimal(str(rng.uniform(0.95, 1.03)))) if rng.random() < 0.3 else plan
        fraction = Decimal(str(rng.uniform(0.93, 1.0))) if closed else Decimal(str(rng.uniform(0.68, 0.75)))
        if over and specific in ("111", "159"):
            fraction = Decimal("1.08") if closed else Decimal("1.1")
        executed = adjusted * fraction
        if rush and specific == CAPITAL[kind]:
            quarters = [0, 0, 0, 1]
        elif specific in CAPITAL.values() or specific in ("159", "414"):
            quarters = [0.05, 0.2, 0.4, 0.35]
        else:
            quarters = [0.25, 0.25, 0.25, 0.25]
        if not closed:
            quarters = [q / (sum(quarters[:3]) or 1) for q in quarters[:3]] + [0]
        q = [_money(executed * Decimal(str(x))) for x in quarters]
        ids["line"] += 1
        line_rows.append((ids["line"], specific, adjusted))
        batch.budget_lines.append((ids["line"], iid, year, PROGRAMS[kind], FUNCTIONAL_GROUPS[kind], specific, "KZT",
                                   plan, adjusted, q[0], q[1], q[2], q[3]))
    # Contracts on the lines bought through procurement.
    single_supplier = rng.choice(SUPPLIERS) if rng.random() < 0.02 else None
    too_big = rng.random() < 0.015
    contract_ids = []
    for line_id, specific, adjusted in line_rows:
        if specific not in CONTRACTED or adjusted < 500_000 or rng.random() > 0.8:
            continue
        ids["contract"] += 1
        cid = f"{year}-{ids['contract']:09d}"
        supplier = single_supplier or rng.choice(SUPPLIERS)
        ratio = 1.2 if too_big and not contract_ids else rng.uniform(0.5, 0.98)
        amount = _money(adjusted * Decimal(str(round(ratio, 4))))
        signed = date(year, rng.randint(1, 9 if year == CURRENT_YEAR else 11), rng.randint(1, 28))
        batch.contracts.append((cid, iid, line_id, year, supplier[0], supplier[1], SUBJECTS[specific],
                                rng.choice(METHODS), amount, signed))
        contract_ids.append(cid)
    if rng.random() < 0.015:
        return  # no supporting documents this year (a red flag)
    docs = [("estimate", f"Смета расходов на {year} год", None)]
    if closed:
        docs.append(("report", f"Отчёт об исполнении бюджета за {year} год", None))
    for cid in contract_ids:
        docs.append(("contract", f"Договор № {cid}", cid))
        docs.append(("act", f"Акт выполненных работ по договору № {cid}", cid))
        if rng.random() < 0.5:
            docs.append(("invoice", f"Счёт-фактура по договору № {cid}", cid))
    for kind_, title, cid in docs:
        ids["document"] += 1
        did = f"DOC-{ids['document']:010d}"
        batch.documents.append((did, iid, year, kind_, title, cid, None, hashlib.sha256(did.encode()).hexdigest()))


def _json(value) -> str:
    import json
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
