"""The supplies of the demo (issue #12): the catalogue, the province's reserve and a warehouse per
city, the store of every demo facility with 30 days of ledger (a first stock, daily consumption,
a weekly delivery from the city's warehouse), and the designated hospital of 长春 running short of
N95 masks, which raises the alert; then (``load_supply_flows``) a request approved in part and
received, two producers with a week of output, and donations shown on the public page.

Every row goes through the supplies actions, as a user's would; the quantities are the demo's
(consumption scaled to each facility's beds), not a real source's.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.demo.treatment import SEATS
from fangkong.medical.models import Facility
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.supplies import actions
from fangkong.supplies.choices import ItemCategory, MovementKind, Priority
from fangkong.supplies.models import Item, Store

# (code, name, category, unit, standard, alert below days)
CATALOGUE: list[tuple[str, str, str, str, str, int | None]] = [
    ("N95", "医用防护口罩", ItemCategory.PROTECTIVE, "只", "GB 19083-2010", 3),
    ("SURG", "医用外科口罩", ItemCategory.PROTECTIVE, "只", "YY 0469-2011", 3),
    ("GOWN", "医用一次性防护服", ItemCategory.PROTECTIVE, "件", "GB 19082-2009", 3),
    ("GOGG", "护目镜", ItemCategory.PROTECTIVE, "副", "GB 14866-2006", None),
    ("SHIELD", "防护面屏", ItemCategory.PROTECTIVE, "个", "", None),
    ("GLOVE", "医用检查手套", ItemCategory.PROTECTIVE, "副", "GB 10213-2006", None),
    ("DISINF", "含氯消毒剂（500 ml）", ItemCategory.DISINFECTION, "瓶", "GB/T 36758-2018", None),
    ("THERMO", "红外体温计", ItemCategory.EQUIPMENT, "支", "GB/T 21417.1-2008", None),
    ("NAT", "新型冠状病毒核酸检测试剂盒（48人份）", ItemCategory.TESTING, "盒", "", 5),
    ("VENT", "呼吸机", ItemCategory.EQUIPMENT, "台", "", None),
    ("OXY", "医用制氧机", ItemCategory.EQUIPMENT, "台", "", None),
]

# Per day and per 100 beds (a clinic without beds counts as 20): what a facility consumes.
DAILY_PER_100_BEDS = {"N95": 180, "SURG": 600, "GOWN": 90, "GLOVE": 400, "DISINF": 12}
SHORT_HOSPITAL = "长春市传染病医院（定点医院）"
# The main urban district of each city (where its warehouse stands), the seats of demo/treatment.
CITY_SEATS = {code[:4]: code for code in SEATS if code.endswith("000000") and code[4:6] != "00"}


def _coordinates(code: str) -> tuple[Decimal | None, Decimal | None]:
    seat = SEATS.get(code)
    if seat is None:
        return None, None
    return Decimal(str(seat[0])), Decimal(str(seat[1]))


def load_catalogue() -> dict[str, Item]:
    items = {}
    for code, name, category, unit, standard, days in CATALOGUE:
        item = Item.objects.filter(code=code).first() or actions.add_item(
            actor=None,  # type: ignore[arg-type]
            data={
                "code": code,
                "name": name,
                "category": category,
                "unit": unit,
                "standard": standard,
                "alert_days": days,
            },
        )
        items[code] = item
    return items


def load_stores() -> tuple[Store | None, dict[str, Store], list[Store]]:
    """The province's reserve, a warehouse per city, a store per open facility."""
    province = Division.objects.filter(level=Level.PROVINCE, code="220000000000").first()
    reserve = None
    if province is not None:
        lon, lat = _coordinates("220106000000")  # 绿园区, west of 长春
        reserve = Store.objects.filter(division=province, name="吉林省应急物资储备库").first() or (
            actions.open_store(
                actor=None,  # type: ignore[arg-type]
                data={
                    "division": province,
                    "name": "吉林省应急物资储备库",
                    "address": "长春市绿园区",
                    "longitude": lon,
                    "latitude": lat,
                    "priority": Priority.COMMUNITY,
                },
            )
        )
    cities: dict[str, Store] = {}
    for city in Division.objects.filter(level=Level.PREFECTURE, active=True).order_by("code"):
        seat = CITY_SEATS.get(city.code[:4])
        lon, lat = _coordinates(seat) if seat else (None, None)
        name = f"{city.name}物资储备库"
        cities[city.code] = Store.objects.filter(division=city, name=name).first() or (
            actions.open_store(
                actor=None,  # type: ignore[arg-type]
                data={"division": city, "name": name, "longitude": lon, "latitude": lat},
            )
        )
    facility_stores = []
    for facility in Facility.objects.filter(active=True).order_by("id"):
        store = Store.objects.filter(facility=facility).first() or actions.open_store(
            actor=None,  # type: ignore[arg-type]
            data={"facility": facility},
        )
        facility_stores.append(store)
    return reserve, cities, facility_stores


def _beds(facility: Facility) -> int:
    beds = sum(w.capacity for w in facility.wards.filter(active=True))
    return max(beds, 20)


def load_history(
    items: dict[str, Item],
    reserve: Store | None,
    cities: dict[str, Store],
    stores: list[Store],
    today: dt.date,
    seed: int = 2020,
) -> int:
    """30 days of each facility store's ledger and its city warehouse's."""
    rng = random.Random(seed)  # noqa: S311 - demo data
    start = today - dt.timedelta(days=30)
    booked = 0
    with transaction.atomic():
        if reserve is not None:
            for code, item in items.items():
                amount = {"VENT": 40, "OXY": 120, "THERMO": 3000, "NAT": 2000}.get(code, 0) or (
                    DAILY_PER_100_BEDS.get(code, 50) * 300
                )
                actions.post_movement(
                    actor=None,
                    store=reserve,
                    item=item,
                    kind=MovementKind.RECEIPT,
                    delta=amount,
                    day=start,
                    reason="省级储备入库",
                )
                booked += 1
        for city_store in cities.values():
            # five weeks of its facilities' use, and as much again in reserve
            beds = sum(
                _beds(s.facility)
                for s in stores
                if s.facility is not None and s.division_path.startswith(city_store.division_path)
            )
            for code, per in DAILY_PER_100_BEDS.items():
                actions.post_movement(
                    actor=None,
                    store=city_store,
                    item=items[code],
                    kind=MovementKind.RECEIPT,
                    delta=max(per * 60, round(per * beds / 100 * 7 * 10)),
                    day=start,
                    reason="市级储备入库",
                )
                booked += 1
        for store in stores:
            facility = store.facility
            assert facility is not None
            scale = _beds(facility) / 100
            warehouse = next(
                (w for w in cities.values() if store.division_path.startswith(w.division_path)),
                None,
            )
            short = facility.name == SHORT_HOSPITAL
            for code, per in DAILY_PER_100_BEDS.items():
                item = items[code]
                daily = max(1, round(per * scale))
                actions.post_movement(
                    actor=None,
                    store=store,
                    item=item,
                    kind=MovementKind.RECEIPT,
                    delta=daily * 14,
                    day=start,
                    reason="开诊储备",
                )
                booked += 1
                for back in range(29, -1, -1):
                    day = today - dt.timedelta(days=back)
                    # the short hospital's N95 use climbs in the last week (more patients, ICU)
                    factor = 1.0 + (
                        0.12 * (7 - back) if short and code == "N95" and back < 7 else 0
                    )
                    used = max(1, round(daily * factor * rng.uniform(0.85, 1.15)))
                    weekly = back % 7 == 3 and not (short and code == "N95" and back < 10)
                    if weekly and warehouse is not None:
                        try:
                            actions.transfer(
                                actor=None,
                                source=warehouse,
                                target=store,
                                item=item,
                                amount=daily * 7,
                                day=day,
                                reason="每周配送",
                            )
                            booked += 2
                        except actions.ActionError:
                            pass  # the warehouse is empty: the week goes without
                    on_hand = (
                        store.stock.filter(item=item).values_list("on_hand", flat=True).first() or 0
                    )
                    used = min(used, on_hand)
                    if used > 0:
                        actions.post_movement(
                            actor=None,
                            store=store,
                            item=item,
                            kind=MovementKind.CONSUMPTION,
                            delta=-used,
                            day=day,
                        )
                        booked += 1
    return booked


def load_supplies(*, today: dt.date | None = None) -> dict[str, int]:
    """Once: nothing happens if any store exists."""
    today = today or timezone.localdate()
    if Store.objects.exists():
        return {"items": 0, "stores": 0, "movements": 0, "alerts": 0}
    items = load_catalogue()
    reserve, cities, stores = load_stores()
    booked = load_history(items, reserve, cities, stores, today)
    alerts = actions.check_all_supply(today=today)
    flows = load_supply_flows(today=today)
    return {
        **flows,
        "items": len(items),
        "stores": len(stores) + len(cities) + int(reserve is not None),
        "movements": booked,
        "alerts": alerts,
    }


# Two producers under dispatch (demo names, not real enterprises): name, division, items with
# daily capacity and the order's daily quantity.
PRODUCERS = [
    ("长春示范医用防护用品厂", "220106000000", [("N95", 20_000, 15_000), ("GOWN", 3_000, 2_500)]),
    ("吉林示范消毒用品厂", "220204000000", [("DISINF", 5_000, 4_000), ("SURG", 50_000, 40_000)]),
]
# Donations received by the province's Red Cross into the reserve (demo donors), and where part
# of each went: (donor, kind, days ago, items, passed on to (facility name, item, quantity)).
DONATIONS = [
    (
        "示范商会（长春）",
        "organisation",
        6,
        {"N95": 30_000, "GOWN": 5_000},
        [(SHORT_HOSPITAL, "GOWN", 1_500), ("吉林市传染病医院（定点医院）", "N95", 8_000)],
        True,
    ),
    (
        "示范医药集团",
        "enterprise",
        4,
        {"NAT": 400, "THERMO": 600},
        [("长春市方舱医院（会展中心）", "THERMO", 200)],
        True,
    ),
    ("一位不愿具名的市民", "individual", 2, {"SURG": 10_000}, [], False),
]


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def _facility_store(name: str) -> Store | None:
    return Store.objects.filter(facility__name=name).first()


def load_supply_flows(*, today: dt.date | None = None) -> dict[str, int]:
    """Once (nothing if a request exists): a past request of the designated hospital for
    protective clothing, approved in part by the city, shipped and received; today's request for
    N95 masks waiting for the city; two producers with a week of output into the reserve; three
    donations, two of them shown on the public page with where they went."""
    from fangkong.supplies import donations, production, requests
    from fangkong.supplies.models import SupplyRequest

    today = today or timezone.localdate()
    clinic, city, province = _user("dingdian"), _user("wuzi"), _user("sheng-wuzi")
    hospital = _facility_store(SHORT_HOSPITAL)
    reserve = Store.objects.filter(name="吉林省应急物资储备库").first()
    changchun = Division.objects.filter(code="220100000000").first()
    if SupplyRequest.objects.exists() or None in (
        clinic,
        city,
        province,
        hospital,
        reserve,
        changchun,
    ):
        return {"requests": 0, "producers": 0, "outputs": 0, "donations": 0}
    assert clinic and city and province and hospital and reserve and changchun
    items = {i.code: i for i in Item.objects.all()}
    warehouse = Store.objects.filter(division=changchun, kind="warehouse").first()
    made = {"requests": 0, "producers": 0, "outputs": 0, "donations": 0}
    # the past request: 2,000 gowns asked, 1,200 approved, shipped and received (1,200)
    past = requests.submit_request(
        actor=clinic,
        store=hospital,
        addressed_to=changchun,
        urgency="urgent",
        reason="收治患者增加，防护服消耗加快",
        lines={items["GOWN"]: 2_000},
    )
    requests.decide(
        actor=city,
        request=past,
        approved={items["GOWN"]: 1_200},
        reason="市级储备有限，先拨付1200件",
    )
    if warehouse is not None:
        line = past.lines.get()
        for shipment in requests.allocate(
            actor=city, request=past, allocations=[(line, warehouse, 1_200)]
        ):
            requests.ship(actor=city, shipment=shipment)
            requests.confirm_receipt(actor=clinic, shipment=shipment, received_quantity=1_200)
    # today's request: N95 masks, the alert open, waiting for the city's decision
    requests.submit_request(
        actor=clinic,
        store=hospital,
        addressed_to=changchun,
        urgency="critical",
        reason="医用防护口罩仅余不足3天用量，申请紧急调拨",
        lines={items["N95"]: 6_000},
    )
    made["requests"] = 2
    # producers: a dispatch order from a week ago to a week ahead, a week of output reported
    start, end = today - dt.timedelta(days=7), today + dt.timedelta(days=7)
    rng = random.Random(2020)  # noqa: S311 - demo data
    for name, code, lines in PRODUCERS:
        division = Division.objects.filter(code=code).first()
        if division is None:
            continue
        lon, lat = _coordinates(code)
        producer = production.register_producer(
            actor=province,
            data={
                "name": name,
                "division": division,
                "delivers_to": reserve,
                "contact_name": "生产调度专员",
                "phone": f"1390431{len(name):04d}",
                "address": division.name,
                "longitude": lon,
                "latitude": lat,
            },
        )
        made["producers"] += 1
        for item_code, capacity, daily in lines:
            item = items[item_code]
            production.set_capacity(
                actor=province, producer=producer, item=item, daily_capacity=capacity
            )
            production.issue_dispatch(
                actor=province,
                producer=producer,
                item=item,
                quantity_value=daily * ((end - start).days + 1),
                start=start,
                end=end,
                note="省指挥部生产调度",
            )
            for back in range(7, 0, -1):
                production.report_output(
                    actor=province,
                    producer=producer,
                    item=item,
                    day=today - dt.timedelta(days=back),
                    quantity_value=round(daily * rng.uniform(0.8, 1.08)),
                )
                made["outputs"] += 1
    # donations, into the reserve, part passed on to hospitals
    for donor, kind, ago, given, passed, public in DONATIONS:
        donation = donations.record_donation(
            actor=province,
            donor=donor,
            donor_kind=kind,
            received_on=today - dt.timedelta(days=ago),
            store=reserve,
            receiving_org="吉林省红十字会",
            lines={items[c]: q for c, q in given.items()},
            public=public,
        )
        made["donations"] += 1
        for facility_name, item_code, quantity in passed:
            target = _facility_store(facility_name)
            if target is not None:
                donations.distribute_donation(
                    actor=province,
                    donation=donation,
                    target_store=target,
                    item=items[item_code],
                    quantity_value=quantity,
                )
    return made
