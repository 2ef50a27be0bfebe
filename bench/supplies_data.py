"""The data of the ``supplies`` benchmark (issue #12): the catalogue, the stores of the province
and a ledger of 10 million movements with balances equal to its sums, on PostgreSQL.

- 50 items of the catalogue (masks, protective clothing in its sizes, gloves, disinfectants,
  thermometers, test kits, ventilators, oxygen concentrators …);
- stores: the province's reserve, a warehouse of every city and every county, and the stores
  of ~2,000 medical facilities (``medical.Facility``, over the counties of the 9 cities, kinds
  as in 2022), each at its facility's coordinates;
- what each store holds: a warehouse every item, a facility store each item with probability
  0.6; 10 million movements shared among those (store, item) pairs, a warehouse's five times a
  facility store's, spread over the last 180 days, the newest today: every tenth an inward
  movement (receipt, production, donation; a facility's transfers in) of ten times the pair's
  base quantity, the nine after it outward (issues and transfers out of a warehouse; a
  facility's consumption, now and then an issue) of 1 … base each, so no running balance goes
  below zero; each row carries the balance after it (a window sum). One pair in 40 then gets a
  stock-count adjustment leaving two or so days of supply (``low_supply`` finds those);
- ``supplies_stock`` is set from the ledger's sums, so the nightly reconciliation finds nothing.

The ledger is generated inside PostgreSQL (INSERT … SELECT over generate_series, ordered by
day as a ledger is written), with its secondary indexes dropped during the load and rebuilt
after it, and foreign-key triggers off (``session_replication_role = replica``, as pg_restore
loads); rows are consistent by construction and checked after. Items, facilities and stores go
through ``bulk_create``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from fangkong.medical.choices import FacilityKind
from fangkong.medical.models import Facility
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.supplies.actions import PRIORITY_BY_KIND
from fangkong.supplies.choices import ItemCategory, Priority, StoreKind
from fangkong.supplies.models import Item, Movement, Stock, Store

MOVEMENTS = 10_000_000
FACILITIES = 2_000
HISTORY_DAYS = 180
FACILITY_HOLDS = 0.6  # share of the items a facility store holds
WAREHOUSE_WEIGHT = 5  # a warehouse pair has this many times a facility pair's movements
LOW_EVERY = 40  # one pair in 40 is brought down to ~2 days of supply by a count
DROP_INDEXES_ABOVE = 200_000  # movements: below, the load keeps its indexes

P, D, T, E = (
    ItemCategory.PROTECTIVE,
    ItemCategory.DISINFECTION,
    ItemCategory.TESTING,
    ItemCategory.EQUIPMENT,
)
# code, name, category, unit, standard
CATALOGUE: list[tuple[str, str, str, str, str]] = [
    ("N95-T", "医用防护口罩（头戴式）", P, "只", "GB 19083"),
    ("N95-E", "医用防护口罩（耳挂式）", P, "只", "GB 19083"),
    ("SURG", "医用外科口罩", P, "只", "YY 0469"),
    ("MASK", "一次性使用医用口罩", P, "只", "YY/T 0969"),
    ("KN95", "KN95 防护口罩", P, "只", "GB 2626"),
    *[(f"GOWN-{s}", f"医用一次性防护服 {s}", P, "件", "GB 19082")
      for s in ("160", "165", "170", "175", "180", "185")],
    *[(f"ISO-{s}", f"一次性隔离衣 {s}", P, "件", "YY/T 1499") for s in ("M", "L", "XL")],
    ("GOGG", "护目镜", P, "副", "GB 14866"),
    ("SHLD", "防护面屏", P, "个", ""),
    *[(f"GLV-{s}", f"医用外科手套 {s}", P, "副", "GB 7543") for s in ("6.5", "7", "7.5", "8")],
    *[(f"EXG-{s}", f"一次性检查手套 {s}", P, "副", "GB 10213") for s in ("S", "M", "L")],
    ("SHOE", "一次性鞋套", P, "双", ""),
    ("BOOT", "医用靴套", P, "双", ""),
    ("CAP", "一次性医用帽", P, "个", ""),
    ("D84", "84 消毒液（5 kg 桶）", D, "桶", "GB 27952"),
    ("ALC75", "75% 医用酒精（500 ml）", D, "瓶", "GB 26373"),
    ("HGEL", "免洗手消毒凝胶（500 ml）", D, "瓶", "GB 27950"),
    ("PAA", "过氧乙酸消毒液（1 kg）", D, "瓶", "GB 26371"),
    ("CLT", "含氯消毒片（100 片）", D, "瓶", "GB 27952"),
    ("UVL", "紫外线消毒灯", D, "台", ""),
    ("AIRD", "空气消毒机", D, "台", ""),
    ("IRT", "红外额温计", E, "支", "GB/T 21417.1"),
    ("THM", "水银体温计", E, "支", ""),
    ("PCR", "新型冠状病毒核酸检测试剂盒（48 人份）", T, "盒", ""),
    ("AG", "新型冠状病毒抗原检测试剂盒（20 人份）", T, "盒", ""),
    ("VTM", "病毒采样管", T, "支", ""),
    ("SWAB", "采样拭子", T, "支", ""),
    ("EXT", "核酸提取试剂（96 人份）", T, "盒", ""),
    ("VENT-I", "有创呼吸机", E, "台", ""),
    ("VENT-N", "无创呼吸机", E, "台", ""),
    ("HFNC", "高流量氧疗仪", E, "台", ""),
    ("OXC", "医用制氧机", E, "台", ""),
    ("OXY", "医用氧气瓶（40 L）", E, "瓶", ""),
    ("SPO2", "指夹式脉搏血氧仪", E, "台", ""),
    ("MON", "心电监护仪", E, "台", ""),
    ("ECMO", "体外膜肺氧合机（ECMO）", E, "台", ""),
    ("PUMP", "输液泵", E, "台", ""),
    ("SUCT", "电动吸痰器", E, "台", ""),
]  # fmt: skip

# City code: (seat longitude, latitude, weight of facilities around it), as the beds scenario.
CITY_SEATS: dict[str, tuple[float, float, float]] = {
    "2201": (125.3245, 43.8868, 0.34),  # 长春市
    "2202": (126.5496, 43.8379, 0.18),  # 吉林市
    "2203": (124.3505, 43.1664, 0.09),  # 四平市
    "2204": (125.1437, 42.8880, 0.05),  # 辽源市
    "2205": (125.9399, 41.7284, 0.08),  # 通化市
    "2206": (126.4236, 41.9398, 0.05),  # 白山市
    "2207": (124.8250, 45.1411, 0.08),  # 松原市
    "2208": (122.8389, 45.6196, 0.06),  # 白城市
    "2224": (129.5089, 42.8913, 0.07),  # 延边朝鲜族自治州 (延吉市)
}
# Facility kind: share, name.
KINDS: dict[str, tuple[float, str]] = {
    "fever_clinic": (0.50, "发热门诊"),
    "designated_hospital": (0.15, "定点医院"),
    "makeshift_hospital": (0.05, "方舱医院"),
    "isolation_site": (0.30, "集中隔离点"),
}


@dataclass(frozen=True)
class Scale:
    factor: float
    movements: int
    facilities: int

    @classmethod
    def of(cls, factor: float) -> Scale:
        return cls(
            factor=factor,
            movements=max(2_000, round(MOVEMENTS * factor)),
            facilities=max(10, round(FACILITIES * factor)),
        )


def execute(statement: str, params: Any = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return int(cursor.rowcount)


def scalar(statement: str, params: Any = None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    return row[0] if row else None


# --- catalogue and stores ------------------------------------------------------------------------


def add_catalogue() -> list[Item]:
    Item.objects.bulk_create(
        [
            Item(code=code, name=name, category=category, unit=unit, standard=standard)
            for code, name, category, unit, standard in CATALOGUE
        ]
    )
    return list(Item.objects.order_by("id"))


def _city(division: Division) -> str:
    """The code of the city a division is in ("" for the province): its path's second part."""
    parts = [p for p in division.path.split("/") if p]
    return parts[1] if len(parts) > 1 else ""


def _seat(division: Division, rng: np.random.Generator, spread: float) -> tuple[float, float]:
    lon, lat, _w = CITY_SEATS.get(_city(division), (125.3245, 43.8868, 0.0))
    return (
        lon + float(rng.normal(0, spread)) * 1.3,
        lat + float(rng.normal(0, spread)),
    )


def _degrees(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


def add_stores(province: Division, scale: Scale, rng: np.random.Generator) -> list[Store]:
    """The province's reserve, a warehouse per city and county under ``province``, and the
    stores of ``scale.facilities`` facilities over the counties (weighted by city)."""
    cities = list(
        Division.objects.filter(
            path__startswith=province.path, level=Level.PREFECTURE, active=True
        ).order_by("code")
    )
    counties = list(
        Division.objects.filter(
            path__startswith=province.path, level=Level.COUNTY, active=True
        ).order_by("code")
    )
    stores: list[Store] = []
    lon, lat = _seat(province, rng, 0.0)
    stores.append(_warehouse(province, f"{province.name}应急物资储备库", lon, lat))
    for city in cities:
        lon, lat = _seat(city, rng, 0.02)
        stores.append(_warehouse(city, f"{city.name}物资储备库", lon, lat))
    centres: dict[int, tuple[float, float]] = {}
    for county in counties:
        centres[county.pk] = _seat(county, rng, 0.35)
        stores.append(_warehouse(county, f"{county.name}物资仓库", *centres[county.pk]))
    if counties:
        weights = np.array([CITY_SEATS.get(_city(c), (0, 0, 0.02))[2] for c in counties])
        chosen = rng.choice(len(counties), size=scale.facilities, p=weights / weights.sum())
        kinds = list(KINDS)
        shares = np.array([KINDS[k][0] for k in kinds])
        kind_of = rng.choice(len(kinds), size=scale.facilities, p=shares / shares.sum())
        numbers: dict[tuple[int, str], int] = {}
        facilities: list[Facility] = []
        for c, k in zip(chosen, kind_of, strict=True):
            county, kind = counties[int(c)], kinds[int(k)]
            n = numbers[(county.pk, kind)] = numbers.get((county.pk, kind), 0) + 1
            clon, clat = centres[county.pk]
            facilities.append(
                Facility(
                    name=f"{county.name}第{n}{KINDS[kind][1]}",
                    kind=kind,
                    division=county,
                    division_path=county.path,
                    address=f"{county.name}健康路{n}号",
                    longitude=_degrees(clon + float(rng.normal(0, 0.04)) * 1.3),
                    latitude=_degrees(clat + float(rng.normal(0, 0.04))),
                )
            )
        for facility in Facility.objects.bulk_create(facilities, batch_size=1000):
            stores.append(
                Store(
                    name=facility.name,
                    kind=StoreKind.FACILITY,
                    division=facility.division,
                    division_path=facility.division_path,
                    facility=facility,
                    priority=PRIORITY_BY_KIND.get(FacilityKind(facility.kind), Priority.COMMUNITY),
                    address=facility.address,
                    longitude=facility.longitude,
                    latitude=facility.latitude,
                )
            )
    Store.objects.bulk_create(stores, batch_size=1000)
    return list(Store.objects.filter(division_path__startswith=province.path).order_by("id"))


def _warehouse(division: Division, name: str, lon: float, lat: float) -> Store:
    return Store(
        name=name,
        kind=StoreKind.WAREHOUSE,
        division=division,
        division_path=division.path,
        longitude=_degrees(lon),
        latitude=_degrees(lat),
    )


# --- the ledger ----------------------------------------------------------------------------------

PAIR_TABLE = "bench_supplies_pair"

LEDGER_SQL = f"""
INSERT INTO {Movement._meta.db_table} (
    store_id, item_id, division_path, kind, quantity, balance, day, reason, counterpart_id,
    corrects_id, request_id, shipment_id, donation_id, producer_id, count_id, actor_id, booked_at)
SELECT store_id, item_id, path, kind, q,
       SUM(q) OVER (PARTITION BY pair ORDER BY k), day, '', NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, day + time '08:00' + make_interval(secs => (k * 37 + pair) %% 36000)
  FROM (
    SELECT p.pair, p.store_id, p.item_id, p.path, g.k,
           CASE WHEN g.k %% 10 = 0 THEN 10 * p.base
                ELSE -(1 + ((g.k * 7919 + p.pair::bigint * 104729) %% p.base)) END AS q,
           CASE WHEN g.k %% 10 = 0 THEN
                     (CASE WHEN p.warehouse
                           THEN ARRAY['receipt', 'production', 'donation']
                           ELSE ARRAY['transfer_in', 'transfer_in', 'donation']
                      END)[1 + (g.k / 10) %% 3]
                WHEN p.warehouse THEN CASE WHEN g.k %% 2 = 0 THEN 'transfer_out' ELSE 'issue' END
                WHEN g.k %% 23 = 0 THEN 'issue'
                ELSE 'consumption' END AS kind,
           %(today)s::date - ((p.n - 1 - g.k) * %(days)s / p.n) AS day
      FROM {PAIR_TABLE} p CROSS JOIN LATERAL generate_series(0, p.n - 1) AS g(k)
  ) m
 ORDER BY day, pair, k
"""

# One pair in LOW_EVERY: a stock count today leaving the pair's base quantity (~2 days).
LOW_SQL = f"""
INSERT INTO {Movement._meta.db_table} (
    store_id, item_id, division_path, kind, quantity, balance, day, reason, counterpart_id,
    corrects_id, request_id, shipment_id, donation_id, producer_id, count_id, actor_id, booked_at)
SELECT s.store_id, s.item_id, p.path, 'count', p.base - s.total, p.base, %(today)s, '盘点',
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, %(today)s::date + time '18:00'
  FROM (SELECT store_id, item_id, SUM(quantity) AS total FROM {Movement._meta.db_table}
         GROUP BY 1, 2) s
  JOIN {PAIR_TABLE} p ON p.store_id = s.store_id AND p.item_id = s.item_id
 WHERE p.pair %% {LOW_EVERY} = 0 AND s.total > p.base
"""

STOCK_SQL = f"""
INSERT INTO {Stock._meta.db_table} (store_id, item_id, division_path, on_hand, updated_at)
SELECT store_id, item_id, min(division_path), SUM(quantity), now()
  FROM {Movement._meta.db_table} GROUP BY store_id, item_id
"""


def plan_pairs(
    stores: list[Store], items: list[Item], scale: Scale, rng: np.random.Generator
) -> list[tuple[int, int, int, str, bool, int, int]]:
    """(pair, store, item, path, warehouse, movements, base) for every (store, item) held."""
    held: list[tuple[Store, Item]] = []
    for store in stores:
        warehouse = store.kind == StoreKind.WAREHOUSE
        mask = np.ones(len(items), bool) if warehouse else rng.random(len(items)) < FACILITY_HOLDS
        held += [(store, item) for item, keep in zip(items, mask, strict=True) if keep]
    weights = np.array(
        [WAREHOUSE_WEIGHT if s.kind == StoreKind.WAREHOUSE else 1 for s, _i in held], float
    )
    counts = np.floor(weights / weights.sum() * scale.movements).astype(np.int64)
    counts[: scale.movements - int(counts.sum())] += 1  # the remainder, one each
    counts = np.maximum(counts, 1)
    rows = []
    for pair, ((store, item), n) in enumerate(zip(held, counts, strict=True), start=1):
        warehouse = store.kind == StoreKind.WAREHOUSE
        base = int(rng.integers(200, 2_000) if warehouse else rng.integers(5, 200))
        rows.append((pair, store.pk, item.pk, store.division_path, warehouse, int(n), base))
    return rows


def secondary_indexes() -> list[tuple[str, str]]:
    """(name, definition) of the ledger's indexes other than its primary key."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i"
            " JOIN pg_class c ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid"
            " WHERE i.tablename = %s AND NOT x.indisprimary AND NOT x.indisunique",
            [Movement._meta.db_table],
        )
        return list(cursor.fetchall())


def load_ledger(
    pairs: list[tuple[int, int, int, str, bool, int, int]], *, today: dt.date, log: Any
) -> int:
    """The movements of ``pairs``, the low-stock counts and the balances; returns the rows."""
    total = sum(p[5] for p in pairs)
    execute(f"DROP TABLE IF EXISTS {PAIR_TABLE}")
    execute(
        f"CREATE TABLE {PAIR_TABLE} (pair int PRIMARY KEY, store_id bigint, item_id bigint,"
        " path varchar(128), warehouse boolean, n int, base int)"
    )
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {PAIR_TABLE} VALUES (%s, %s, %s, %s, %s, %s, %s)", pairs)
    dropped = secondary_indexes() if total > DROP_INDEXES_ABOVE else []
    with log("ledger", "INSERT … SELECT generate_series, ordered by day") as step:
        with transaction.atomic():
            execute("SET LOCAL session_replication_role = replica")
            execute("SET LOCAL work_mem = '512MB'")
            execute("SET LOCAL maintenance_work_mem = '1GB'")
            for name, _definition in dropped:
                execute(f'DROP INDEX "{name}"')
            rows = execute(LEDGER_SQL, {"today": today, "days": HISTORY_DAYS})
            low = execute(LOW_SQL, {"today": today})
        step.detail += f": {rows:,} movements, {low:,} low-stock counts"
    if dropped:
        with log("ledger indexes", "CREATE INDEX, as the migrations define them") as step:
            with transaction.atomic():
                execute("SET LOCAL maintenance_work_mem = '1GB'")
                for _name, definition in dropped:
                    execute(definition)
            step.detail += f": {len(dropped)} rebuilt"
    with log("balances", "supplies_stock from the ledger's sums (INSERT … GROUP BY)") as step:
        step.detail += f": {execute(STOCK_SQL):,} balances"
    with log("vacuum analyze", "VACUUM ANALYZE the ledger and the balances (as autovacuum)"):
        execute(f"VACUUM ANALYZE {Movement._meta.db_table}")
        execute(f"VACUUM ANALYZE {Stock._meta.db_table}")
    execute(f"DROP TABLE {PAIR_TABLE}")
    return rows + low


def check_ledger() -> tuple[int, int]:
    """(negative running balances, balances differing from the ledger's sum): both 0."""
    negative = scalar(f"SELECT count(*) FROM {Movement._meta.db_table} WHERE balance < 0")
    differing = scalar(
        f"SELECT count(*) FROM {Stock._meta.db_table} s JOIN (SELECT store_id, item_id,"
        f" SUM(quantity) AS total FROM {Movement._meta.db_table} GROUP BY 1, 2) l"
        " USING (store_id, item_id) WHERE s.on_hand <> l.total"
    )
    return int(negative), int(differing)


def today() -> dt.date:
    return timezone.localdate()
