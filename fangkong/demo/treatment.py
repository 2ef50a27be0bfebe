"""The demo's medical treatment (issue #10): facilities across Jilin with their beds, the demo
outbreak's patients admitted, one transferred to ICU and back, one order waiting for the
designated hospital to accept, one patient still waiting for a bed, and the trend of free beds
rebuilt from the stays.

Facilities: a designated hospital (定点医院) in the main urban district of each of the nine
prefecture-level units, a fever clinic (发热门诊) in every county-level unit of the demo city
(长春市), two isolation hotels and a makeshift hospital (方舱医院) in 长春. Names are made up in
the usual shape; places are the seats of the real divisions.

Coordinates: the seats of the prefecture-level units and of 长春's county-level units, WGS84,
rounded to three decimals (public gazetteer positions, e.g. GeoNames, CC BY 4.0); a facility is
put at its division's seat, so distances between counties are real and those inside one
district are not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from fangkong.cases.choices import CaseOutcome, Category, Severity
from fangkong.cases.models import Case
from fangkong.demo.medical_staff import load as load_staff
from fangkong.medical import actions as medical_actions
from fangkong.medical.choices import BedType, FacilityKind, FacilityLevel
from fangkong.medical.models import Facility, Ward
from fangkong.regions.models import Division
from fangkong.treatment import actions
from fangkong.treatment.choices import OrderKind, Transport
from fangkong.treatment.models import Order

DEMO_COUNTY = "220102000000"

# Division seats (lon, lat): the prefecture-level units' main urban districts and 长春's
# county-level units.
SEATS: dict[str, tuple[float, float]] = {
    "220102000000": (125.350, 43.864),  # 南关区
    "220103000000": (125.326, 43.943),  # 宽城区
    "220104000000": (125.288, 43.834),  # 朝阳区
    "220105000000": (125.374, 43.865),  # 二道区
    "220106000000": (125.256, 43.881),  # 绿园区
    "220112000000": (125.664, 43.525),  # 双阳区
    "220113000000": (125.840, 44.151),  # 九台区
    "220122000000": (125.185, 44.432),  # 农安县
    "220171000000": (125.400, 43.860),  # 长春经济技术开发区
    "220172000000": (125.450, 43.790),  # 长春净月高新技术产业开发区
    "220173000000": (125.240, 43.830),  # 长春高新技术产业开发区
    "220174000000": (125.200, 43.860),  # 长春汽车经济技术开发区
    "220182000000": (126.533, 44.840),  # 榆树市
    "220183000000": (125.705, 44.537),  # 德惠市
    "220184000000": (124.822, 43.505),  # 公主岭市
    "220204000000": (126.550, 43.838),  # 吉林市船营区
    "220302000000": (124.350, 43.166),  # 四平市铁西区
    "220402000000": (125.144, 42.888),  # 辽源市龙山区
    "220502000000": (125.940, 41.729),  # 通化市东昌区
    "220602000000": (126.414, 41.944),  # 白山市浑江区
    "220702000000": (124.825, 45.141),  # 松原市宁江区
    "220802000000": (122.839, 45.620),  # 白城市洮北区
    "222401000000": (129.509, 42.891),  # 延吉市
}

# (division, name, kind, level, address, wards: (name, bed type, beds))
HOSPITALS: list[tuple[str, str, str, str, str, Sequence[tuple[str, str, int]]]] = [
    ("220102000000", "长春市传染病医院（定点医院）", FacilityKind.DESIGNATED_HOSPITAL,
     FacilityLevel.TERTIARY, "南关区东环城路1号",
     [("隔离病区一", BedType.ISOLATION_WARD, 60), ("隔离病区二", BedType.ISOLATION_WARD, 60),
      ("负压病区", BedType.NEGATIVE_PRESSURE, 20), ("重症监护室", BedType.ICU, 12)]),
    ("220204000000", "吉林市传染病医院（定点医院）", FacilityKind.DESIGNATED_HOSPITAL,
     FacilityLevel.TERTIARY, "船营区北京路1号",
     [("隔离病区", BedType.ISOLATION_WARD, 80), ("负压病区", BedType.NEGATIVE_PRESSURE, 12),
      ("重症监护室", BedType.ICU, 10)]),
    ("220302000000", "四平市传染病医院（定点医院）", FacilityKind.DESIGNATED_HOSPITAL,
     FacilityLevel.SECONDARY, "铁西区英雄大街1号",
     [("隔离病区", BedType.ISOLATION_WARD, 50), ("重症监护室", BedType.ICU, 6)]),
    ("220402000000", "辽源市传染病医院（定点医院）", FacilityKind.DESIGNATED_HOSPITAL,
     FacilityLevel.SECONDARY, "龙山区人民大街1号",
     [("隔离病区", BedType.ISOLATION_WARD, 40), ("重症监护室", BedType.ICU, 4)]),
    ("220502000000", "通化市传染病医院（定点医院）", FacilityKind.DESIGNATED_HOSPITAL,
     FacilityLevel.SECONDARY, "东昌区新华大街1号",
     [("隔离病区", BedType.ISOLATION_WARD, 40), ("重症监护室", BedType.ICU, 4)]),
    ("220602000000", "白山市传染病医院（定点医院）", FacilityKind.DESIGNATED_HOSPITAL,
     FacilityLevel.SECONDARY, "浑江区浑江大街1号",
     [("隔离病区", BedType.ISOLATION_WARD, 30), ("重症监护室", BedType.ICU, 4)]),
    ("220702000000", "松原市传染病医院（定点医院）", FacilityKind.DESIGNATED_HOSPITAL,
     FacilityLevel.SECONDARY, "宁江区沿江路1号",
     [("隔离病区", BedType.ISOLATION_WARD, 40), ("重症监护室", BedType.ICU, 4)]),
    ("220802000000", "白城市传染病医院（定点医院）", FacilityKind.DESIGNATED_HOSPITAL,
     FacilityLevel.SECONDARY, "洮北区中兴路1号",
     [("隔离病区", BedType.ISOLATION_WARD, 30), ("重症监护室", BedType.ICU, 4)]),
    ("222401000000", "延边州传染病医院（定点医院）", FacilityKind.DESIGNATED_HOSPITAL,
     FacilityLevel.TERTIARY, "延吉市局子街1号",
     [("隔离病区", BedType.ISOLATION_WARD, 60), ("负压病区", BedType.NEGATIVE_PRESSURE, 8),
      ("重症监护室", BedType.ICU, 8)]),
    ("220106000000", "长春市方舱医院（会展中心）", FacilityKind.MAKESHIFT_HOSPITAL,
     FacilityLevel.NONE, "绿园区会展大街1号",
     [("A区", BedType.ISOLATION_WARD, 500), ("B区", BedType.ISOLATION_WARD, 500)]),
    ("220103000000", "长春市宽城区集中隔离酒店", FacilityKind.ISOLATION_SITE,
     FacilityLevel.NONE, "宽城区北京大街1号", [("隔离观察房间", BedType.OBSERVATION, 120)]),
    ("220105000000", "长春市二道区集中隔离酒店", FacilityKind.ISOLATION_SITE,
     FacilityLevel.NONE, "二道区东盛大街1号", [("隔离观察房间", BedType.OBSERVATION, 90)]),
]  # fmt: skip

EXPERTS = [
    ("王建国", "重症医学", "吉林大学第一医院", 12),
    ("李淑芬", "呼吸与危重症医学", "吉林大学第一医院", 12),
    ("赵志强", "感染性疾病", "吉林省人民医院", 9),
]
CLINIC_WARDS = [("留观病房", BedType.ISOLATION_WARD, 8), ("隔离观察室", BedType.OBSERVATION, 4)]
# the fever clinics the outbreak's story made (a second clinic of the demo county is smaller)
CLINIC_OFFSETS = {
    "南关区中医院发热门诊": (-0.012, 0.009),
    "长春市传染病医院（定点医院）": (0.021, 0.006),  # east of the district seat (东环城路)
}


def _seat(code: str) -> tuple[Decimal, Decimal] | None:
    if code not in SEATS:
        return None
    lon, lat = SEATS[code]
    return Decimal(str(lon)), Decimal(str(lat))


def _shifted(
    name: str, seat: tuple[Decimal, Decimal] | None
) -> tuple[Decimal, Decimal] | tuple[None, None]:
    if seat is None:
        return None, None
    lon, lat = seat
    offset = CLINIC_OFFSETS.get(name)
    if offset:
        lon, lat = lon + Decimal(str(offset[0])), lat + Decimal(str(offset[1]))
    return lon, lat


def _place(facility: Facility, code: str, **extra: Any) -> Facility:
    """Give a facility its seat's coordinates (and level, opening day) through the action."""
    lon, lat = _shifted(facility.name, _seat(code))
    if lon is None:
        return facility
    fields = {f: getattr(facility, f) for f in medical_actions.FIELDS}
    fields.update(longitude=lon, latitude=lat, **extra)
    return medical_actions.update_facility(actor=None, facility=facility, **fields)


def _wards(facility: Facility, wards: Sequence[tuple[str, str, int]]) -> int:
    made = 0
    for name, bed_type, beds in wards:
        if not Ward.objects.filter(facility=facility, name=name).exists():
            medical_actions.create_ward(
                actor=None, facility=facility, name=name, bed_type=bed_type, capacity=beds
            )
            made += 1
    return made


def load_facilities(today: dt.date) -> dict[str, int]:
    opened = today - dt.timedelta(days=40)
    made = wards = 0
    for code, name, kind, level, address, ward_specs in HOSPITALS:
        division = Division.objects.filter(code=code).first()
        if division is None:
            continue
        facility = Facility.objects.filter(division=division, name=name).first()
        if facility is None:
            lon, lat = _shifted(name, _seat(code))
            facility = medical_actions.create_facility(
                actor=None, name=name, kind=kind, division=division, address=address,
                phone="", longitude=lon, latitude=lat, active=True, level=level,
                contact_name="医务处", opened_on=opened, closed_on=None,
            )  # fmt: skip
            made += 1
        elif facility.longitude is None:
            facility = _place(facility, code, level=level, opened_on=opened)
        wards += _wards(facility, ward_specs)
    city = Division.objects.filter(code="220100000000").first()
    if city is not None:
        for county in Division.objects.filter(parent=city, active=True).order_by("code"):
            clinics = list(
                Facility.objects.filter(
                    division_path__startswith=county.path, kind=FacilityKind.FEVER_CLINIC
                )
            )
            if not clinics:
                lon, lat = _seat(county.code) or (None, None)
                clinics = [
                    medical_actions.create_facility(
                        actor=None, name=f"{county.name}人民医院发热门诊",
                        kind=FacilityKind.FEVER_CLINIC, division=county,
                        address=f"{county.name}人民医院", phone="", longitude=lon, latitude=lat,
                        active=True, level=FacilityLevel.SECONDARY, contact_name="",
                        opened_on=opened, closed_on=None,
                    )
                ]  # fmt: skip
                made += 1
            for clinic in clinics:
                if clinic.longitude is None:
                    clinic = _place(
                        clinic, county.code, level=FacilityLevel.SECONDARY, opened_on=opened
                    )
                wards += _wards(clinic, CLINIC_WARDS)
    return {"facilities": made, "wards": wards}


def _ward(facility: Facility, bed_type: str) -> Ward:
    return Ward.objects.filter(facility=facility, bed_type=bed_type, active=True).order_by("id")[0]


def _move(order: Order, at: dt.datetime, *, accept: bool = True) -> Order:
    """The receiver accepts 20 minutes after the order; the vehicle leaves, drives and arrives
    within the next hour and a half."""
    if accept:
        order = actions.accept_order(actor=None, order=order, at=at + dt.timedelta(minutes=20))
        for minutes, state in ((30, Transport.DISPATCHED), (45, Transport.ON_THE_WAY),
                               (95, Transport.ARRIVED)):  # fmt: skip
            order = actions.advance_transport(
                actor=None, order=order, transport=state, at=at + dt.timedelta(minutes=minutes)
            )
    return order


@transaction.atomic
def load_treatment(
    *, county_code: str = DEMO_COUNTY, today: dt.date | None = None
) -> dict[str, int]:
    """Once: nothing happens if a patient of the county was ever ordered into a bed."""
    today = today or timezone.localdate()
    now = timezone.now()
    made = load_facilities(today)
    county = Division.objects.filter(code=county_code).first()
    hospital = Facility.objects.filter(name="长春市传染病医院（定点医院）").first()
    if (
        county is None
        or hospital is None
        or Order.objects.filter(division_path__startswith=county.path).exists()
    ):
        return {**made, "admitted": 0, "days": 0, "staff": 0}
    cases = list(
        Case.objects.filter(county=county, outcome=CaseOutcome.ISOLATED)
        .exclude(category=Category.EXCLUDED)
        .select_related("responsible_facility")
        .order_by("diagnosed_at", "id")
    )
    admitted = 0
    latest = now - dt.timedelta(hours=3)
    # the last two diagnosed: one order the hospital has not yet accepted, one still waiting
    to_admit, pending, waiting = cases[:-2], cases[-2:-1], cases[-1:]
    for case in to_admit:
        at = min(case.diagnosed_at + dt.timedelta(hours=2), latest - dt.timedelta(hours=2))
        if case.category == Category.SUSPECTED:
            ward = None  # the nearest free isolation bed (就近收治)
        else:
            ward = _ward(hospital, BedType.ISOLATION_WARD)
        order = actions.order_admission(actor=None, case=case, ward=ward, at=at)
        _move(order, at)
        admitted += 1
    for case in pending:
        at = latest
        actions.order_admission(
            actor=None, case=case, ward=_ward(hospital, BedType.ISOLATION_WARD), at=at
        )
    del waiting  # left for the officer: "patients waiting for a bed"
    # one confirmed case worsens into ICU four days ago and comes back yesterday
    worse = next(
        (
            c
            for c in to_admit
            if c.category == Category.CONFIRMED and c.diagnosed_at < now - dt.timedelta(days=5)
        ),
        None,
    )
    if worse is not None:
        up_at = timezone.make_aware(
            dt.datetime.combine(today - dt.timedelta(days=4), dt.time(3, 40))
        )
        up = actions.order_transfer(
            actor=None, case=worse, ward=_ward(hospital, BedType.ICU),
            kind=OrderKind.TRANSFER_UP, severity=Severity.SEVERE, note="血氧饱和度下降至91%",
            at=up_at,
        )  # fmt: skip
        _move(up, up_at)
        down_at = min(
            timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=1), dt.time(10))),
            latest,
        )
        down = actions.order_transfer(
            actor=None, case=worse, ward=_ward(hospital, BedType.ISOLATION_WARD),
            kind=OrderKind.TRANSFER_DOWN, severity=Severity.ORDINARY, note="病情好转，转回隔离病区",
            at=down_at,
        )  # fmt: skip
        _move(down, down_at)
    # experts sent to the designated hospital (集中专家); the names are made up
    for name, specialty, home, days_ago in EXPERTS:
        medical_actions.add_expert(
            actor=None, facility=hospital, name=name, specialty=specialty, home_hospital=home,
            since=today - dt.timedelta(days=days_ago),
        )  # fmt: skip
    days = actions.rebuild_bed_days(days=30, today=today)
    actions.check_bed_counts(day=today)
    staff = load_staff(hospital, today=today)  # its roster, a nurse due for rotation, family care
    return {**made, "admitted": admitted, "days": days, "staff": staff}
