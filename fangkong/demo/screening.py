"""The demo county's screening sweep (排查登记) and the people it put under observation.

Over the past two weeks the grid workers of the demo county went door to door: most households
are screened, each on one day, every member with a temperature. A few people arrived from Hubei
(the demo's key area, :func:`fangkong.demo.scenario.load_key_areas`) or met a case, and are
under home medical observation, checking in once a day; some missed a day, a few had a fever;
the earliest observations are over (released on their end date), one or two were referred to a
fever clinic at a check-in. A few people had a fever at the door and were referred.

Every screening's facts go through :func:`fangkong.screening.actions.clean_screening` and its
outcome, reasons and last exposure come from :func:`fangkong.screening.rules.assess` with the key
areas of the grid, like ``register_screening``; observations get the dates
``start_observation`` gives them, check-ins fall on the observation's days, one a day, and
people's status is what the actions would have set. Rows are written in bulk (one action per
screening would take minutes for ~30,000 screenings and bury the audit log under rows nobody
wrote) and the load is recorded by one summary audit row, like the population.

The grid of the demo's grid worker (the ``wangge`` account, 华阳社区第1网格) gets a scripted part
instead of chance, so that each screen of the phone shows something: households screened today
and this week, three people under observation (one missed yesterday's check-in, one has a
fever) and one whose observation is over.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role, group_name
from fangkong.audit.actions import record
from fangkong.audit.models import AuditEvent
from fangkong.observation.actions import new_nonce
from fangkong.observation.choices import Kind, Source, Status
from fangkong.observation.models import CheckIn, Observation
from fangkong.people.choices import OBSERVATION_DAYS, PersonStatus, Symptom
from fangkong.people.models import Household, Person
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.screening.actions import (
    clean_screening,
    key_areas_for,
    new_screening,
    observation_reason,
)
from fangkong.screening.choices import Contact, Outcome, Transport
from fangkong.screening.models import Screening
from fangkong.screening.rules import Area, assess

AUDIT_ACTION = "demo.screening"
SWEEP_DAYS = 14  # the sweep ran over the last two weeks, today included
P_SCREENED = 0.88  # households screened so far
P_HUBEI = 0.012  # screened households where someone came back from Hubei
P_WHOLE_FAMILY = 0.45  # … and the whole household travelled
P_OTHER_ARRIVAL = 0.03  # people back from a place that is not a key area
P_THROUGH_HUBEI = 0.001  # back from elsewhere, but passed through Hubei on the way
P_CASE_CONTACT = 0.0008  # met a confirmed or suspected case
P_FEVER_CONTACT = 0.0005  # met a fever patient (no observation by itself)
P_FEVER = 0.0009  # a fever at the door
P_TRAVELLER_FEVER = 0.03  # a fever at the door among those back from Hubei
P_SYMPTOMS = 0.003  # a cough or a sore throat without fever
P_MISSED = 0.05  # check-in days missed
P_MISSED_YESTERDAY = 0.08  # active observations without yesterday's check-in (the to-do)
P_CHECKED_TODAY = 0.55  # active observations already checked in today
P_FEVER_NOW = 0.02  # active observations whose latest check-in had a fever
P_FEVER_PAST = 0.02  # a fever on an earlier day that went down again
P_SELF = 0.6  # check-ins sent by the person through their link (the rest by the worker)
REFERRED_AT_CHECK_IN = 2

# Where people come back from: (division code, name). Hubei's are the key area; the rest are not.
HUBEI = [
    ("4201", "湖北省武汉市"),
    ("4201", "湖北省武汉市"),
    ("4201", "湖北省武汉市"),
    ("4210", "湖北省荆州市"),
    ("4205", "湖北省宜昌市"),
    ("4206", "湖北省襄阳市"),
    ("4209", "湖北省孝感市"),
    ("4211", "湖北省黄冈市"),
]
ELSEWHERE = [
    ("2202", "吉林省吉林市"),
    ("2203", "吉林省四平市"),
    ("2224", "吉林省延边朝鲜族自治州"),
    ("2101", "辽宁省沈阳市"),
    ("2102", "辽宁省大连市"),
    ("2301", "黑龙江省哈尔滨市"),
    ("1101", "北京市"),
    ("3101", "上海市"),
    ("3702", "山东省青岛市"),
    ("4401", "广东省广州市"),
    ("4403", "广东省深圳市"),
]
# (transport, number prefixes): train and flight numbers are made up in the usual shapes.
TRANSPORTS = [
    (Transport.TRAIN, ("G", "D", "K", "Z")),
    (Transport.TRAIN, ("G", "D", "K", "Z")),
    (Transport.FLIGHT, ("CZ", "MU", "CA", "HU")),
    (Transport.CAR, ()),
    (Transport.COACH, ()),
]
COUGH: list[list[str]] = [
    [Symptom.DRY_COUGH],
    [Symptom.SORE_THROAT],
    [Symptom.NASAL_CONGESTION],
    [Symptom.DRY_COUGH, Symptom.SORE_THROAT],
]
FEVER_SYMPTOMS: list[list[str]] = [
    [Symptom.FEVER],
    [Symptom.FEVER, Symptom.DRY_COUGH],
    [Symptom.FEVER, Symptom.FATIGUE],
    [Symptom.FEVER, Symptom.MUSCLE_ACHE],
]
# Measures taken, by outcome (data in Chinese: what a grid worker writes on the form).
MEASURES = {
    Outcome.NO_RISK: ["", "", "", "已告知居家防护要求", "已发放防控告知书"],
    Outcome.HOME_OBSERVATION: [
        "居家医学观察，每日测温两次并上报",
        "居家医学观察，已发放体温计和告知书",
        "居家医学观察，已告知不得外出",
    ],
    Outcome.FEVER_CLINIC: ["已由社区医生陪同转送发热门诊", "已联系120转送发热门诊"],
}
RELEASE_NOTE = "14天医学观察期满，无异常，解除观察"
REFER_NOTE = "打卡体温%s℃，已转送发热门诊"


@dataclass
class Member:
    """A resident as the sweep reads them."""

    pk: int
    phone: str
    birth_date: dt.date | None
    observed: bool  # already under an active observation (kept; not started again)


@dataclass
class Door:
    """One household: its grid and its members."""

    pk: int
    grid_id: int
    path: str
    address: str
    members: list[Member] = field(default_factory=list)


@dataclass
class Plan:
    """What happened to one observation after it started (the check-ins and how it ended)."""

    missed: set[dt.date] = field(default_factory=set)
    fevers: set[dt.date] = field(default_factory=set)
    checked_today: bool = False
    referred_on: dt.date | None = None


def _age(birth: dt.date | None, today: dt.date) -> int:
    return (today - birth).days // 365 if birth else 40


def _temperature(rng: random.Random, fever: bool = False) -> Decimal:
    if fever:
        return Decimal(str(round(rng.uniform(37.3, 38.9), 1)))
    return Decimal(str(round(min(37.1, max(35.8, rng.gauss(36.5, 0.25))), 1)))


def _transport(rng: random.Random) -> tuple[str, str]:
    kind, prefixes = rng.choice(TRANSPORTS)
    if not prefixes:
        return kind, ""
    prefix = rng.choice(prefixes)
    digits = rng.randint(100, 9999) if kind == Transport.FLIGHT else rng.randint(1, 2999)
    return kind, f"{prefix}{digits}"


def _contact_phone(rng: random.Random, door: Door) -> str:
    """The household's phone, or a relative's where no one at home has a mobile."""
    phones = [m.phone for m in door.members if m.phone]
    if phones:
        return phones[0]
    return rng.choice(["139", "138", "186", "131", "189"]) + f"{rng.randrange(10**8):08d}"


class Sweep:
    """Builds the screenings, observations and check-ins (unsaved) of one county's sweep."""

    def __init__(self, rng: random.Random, today: dt.date, areas: dict[str, list[Area]]):
        self.rng = rng
        self.today = today
        self.areas = areas  # key areas by grid path
        self.screenings: list[Screening] = []
        self.fevers: list[Screening] = []  # referred at the door
        self.observed: list[tuple[Screening, Plan]] = []

    # --- the facts of one screening ---------------------------------------------------------

    def screen(
        self,
        door: Door,
        member: Member,
        day: dt.date,
        *,
        worker: User | None,
        fever: bool = False,
        symptoms: Sequence[str] = (),
        **facts: Any,
    ) -> Screening:
        """One member screened at the door: the facts cleaned and assessed like the action does."""
        rng = self.rng
        clean = clean_screening(
            temperature=_temperature(rng, fever),
            screened_on=day,
            symptoms=list(symptoms) or (rng.choice(FEVER_SYMPTOMS) if fever else []),
            phone=member.phone or _contact_phone(rng, door),
            address=door.address,
            household_size=len(door.members),
            **facts,
        )
        assessment = assess(clean.facts, self.areas[door.path])
        screening = new_screening(
            clean,
            assessment,
            client_uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
            created_by=worker,
            measures=rng.choice(MEASURES[assessment.outcome]),
            person_id=member.pk,
            grid_id=door.grid_id,
            division_path=door.path,
        )
        self.screenings.append(screening)
        return screening

    def follow(self, screening: Screening, member: Member, plan: Plan | None = None) -> None:
        """What register_screening does after saving: start an observation, or refer."""
        if screening.outcome == Outcome.HOME_OBSERVATION and not member.observed:
            member.observed = True
            self.observed.append((screening, plan or self.plan(screening)))
        elif screening.outcome == Outcome.FEVER_CLINIC and not member.observed:
            self.fevers.append(screening)

    # --- one household ----------------------------------------------------------------------

    def household(self, door: Door, day: dt.date, worker: User | None) -> None:
        """Each member screened on ``day``; chance decides who travelled, met a case, has a
        fever (the demo's grid worker's grid is scripted in :meth:`story` instead)."""
        rng = self.rng
        hubei = rng.random() < P_HUBEI and any(not m.observed for m in door.members)
        arrived: dt.date | None = None
        travellers: set[int] = set()
        if hubei:
            # most are screened within days of coming back; a few long after (no longer at risk)
            arrived = day - dt.timedelta(
                days=rng.choice([0, 0, 1, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 18])
            )
            adults = [m for m in door.members if _age(m.birth_date, day) >= 16] or door.members
            if rng.random() < P_WHOLE_FAMILY:
                travellers = {m.pk for m in door.members}
            else:
                travellers = {rng.choice(adults).pk}
            origin = rng.choice(HUBEI)
            transport, number = _transport(rng)
        for member in door.members:
            facts: dict[str, Any] = {}
            fever = False
            symptoms: list[str] = []
            if member.pk in travellers and arrived is not None:
                facts = {
                    "arrival_date": arrived,
                    "origin_code": origin[0],
                    "origin_name": origin[1],
                    "transport": transport,
                    "transport_number": number,
                }
                fever = rng.random() < P_TRAVELLER_FEVER
            elif hubei and arrived is not None:  # lives with someone back from Hubei
                facts = {"contact": Contact.KEY_AREA, "contact_date": arrived}
            else:
                facts = self._chance(day)
                fever = rng.random() < P_FEVER
                if not fever and rng.random() < P_SYMPTOMS:
                    symptoms = rng.choice(COUGH)
            if member.observed and (fever or facts):  # kept out of new risk: already observed
                facts, fever = {}, False
            screening = self.screen(
                door, member, day, worker=worker, fever=fever, symptoms=symptoms, **facts
            )
            self.follow(screening, member)

    def _chance(self, day: dt.date) -> dict[str, Any]:
        """The facts of someone no one at home brought risk to: most have none."""
        rng = self.rng
        r = rng.random()
        if r < P_OTHER_ARRIVAL:
            code, name = rng.choice(ELSEWHERE)
            transport, number = _transport(rng)
            arrived = day - dt.timedelta(days=rng.randint(0, 20))
            facts: dict[str, Any] = {
                "arrival_date": arrived,
                "origin_code": code,
                "origin_name": name,
                "transport": transport,
                "transport_number": number,
            }
            if rng.random() < P_THROUGH_HUBEI / P_OTHER_ARRIVAL:
                code, name = rng.choice(HUBEI)
                stop = arrived - dt.timedelta(days=rng.randint(1, 4))
                facts["travel"] = [{"code": code, "name": name, "date": stop.isoformat()}]
            return facts
        r -= P_OTHER_ARRIVAL
        if r < P_CASE_CONTACT:
            kind = rng.choice([Contact.CONFIRMED, Contact.SUSPECTED, Contact.SUSPECTED])
            return {"contact": kind, "contact_date": day - dt.timedelta(days=rng.randint(1, 9))}
        r -= P_CASE_CONTACT
        if r < P_FEVER_CONTACT:
            return {
                "contact": Contact.FEVER,
                "contact_date": day - dt.timedelta(days=rng.randint(1, 6)),
            }
        return {}

    # --- after the start ---------------------------------------------------------------------

    def plan(self, screening: Screening) -> Plan:
        """Chance decides the missed days and fevers of an observation."""
        rng = self.rng
        end = _end_date(screening)
        yesterday = self.today - dt.timedelta(days=1)
        days = _days(screening.screened_on, end, self.today)
        plan = Plan(
            missed={d for d in days if d < yesterday and rng.random() < P_MISSED},
            checked_today=end > self.today and rng.random() < P_CHECKED_TODAY,
        )
        active = end >= self.today  # released on the end date, so still running today
        if yesterday in days and rng.random() < P_MISSED_YESTERDAY:
            plan.missed.add(yesterday)
        checked = [
            d for d in days if d not in plan.missed and (d < self.today or plan.checked_today)
        ]
        if checked and active and rng.random() < P_FEVER_NOW:
            plan.fevers.add(checked[-1])
        if len(checked) > 2 and rng.random() < P_FEVER_PAST:
            plan.fevers.add(rng.choice(checked[:-1]))
        return plan


def _end_date(screening: Screening) -> dt.date:
    """When the observation a screening starts ends: 14 days after the last exposure."""
    assert screening.last_exposure is not None
    return screening.last_exposure + dt.timedelta(days=OBSERVATION_DAYS)


def _days(start: dt.date, end: dt.date, today: dt.date) -> list[dt.date]:
    """The observation's check-in days up to today: from the start until the day before the end."""
    last = min(end - dt.timedelta(days=1), today)
    return [start + dt.timedelta(days=i) for i in range((last - start).days + 1)]


def _doors(county: Division) -> list[Door]:
    """The county's households and their members, in a stable order."""
    observed = set(
        Observation.objects.filter(
            division_path__startswith=county.path, status=Status.ACTIVE
        ).values_list("person_id", flat=True)
    )
    doors = {
        pk: Door(pk, grid_id, path, address)
        for pk, grid_id, path, address in Household.objects.filter(
            division_path__startswith=county.path, grid__active=True
        )
        .order_by("division_path", "pk")
        .values_list("pk", "grid_id", "division_path", "address")
    }
    people = Person.objects.filter(division_path__startswith=county.path, household__isnull=False)
    for pk, household_id, grid_id, phone, birth in people.order_by("pk").values_list(
        "pk", "household_id", "grid_id", "phone", "birth_date"
    ):
        door = doors.get(household_id)
        if door is not None and door.grid_id == grid_id:
            door.members.append(Member(pk, phone, birth, pk in observed))
    return [d for d in doors.values() if d.members]


def _story(sweep: Sweep, doors: list[Door], worker: User | None) -> set[int]:
    """The demo grid worker's grid: households screened today and over the week, two people of
    a household under observation, one back from Wuhan and one living with them (one of them
    missed yesterday's check-in), someone back from Jingzhou with a fever at this morning's
    check-in, and someone whose 14 days are over. Returns the households it screened."""
    today, rng = sweep.today, sweep.rng
    yesterday = today - dt.timedelta(days=1)

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    def adults(door: Door) -> list[Member]:
        return [m for m in door.members if _age(m.birth_date, today) >= 18 and not m.observed]

    pairs = [d for d in doors if len(adults(d)) >= 2]  # two adults: one travelled, one met them
    family = next((d for d in pairs if len(d.members) == 2), pairs[0] if pairs else None)
    singles = [d for d in doors if len(d.members) == 1 and adults(d) and d is not family]
    done: set[int] = set()
    if family is not None:
        first, second = adults(family)[:2]
        arrived = ago(6)
        for member in family.members:
            if member is first:
                facts: dict[str, Any] = {
                    "arrival_date": arrived,
                    "origin_code": "4201",
                    "origin_name": "湖北省武汉市",
                    "transport": Transport.TRAIN,
                    "transport_number": "Z118",
                }
                plan = Plan(checked_today=True)
            else:
                facts = {"contact": Contact.KEY_AREA, "contact_date": arrived}
                plan = Plan(missed={yesterday}) if member is second else Plan(checked_today=True)
            sweep.follow(sweep.screen(family, member, ago(5), worker=worker, **facts), member, plan)
        done.add(family.pk)
    for door, arrived, screened, origin, transport, plan in zip(
        singles[:2],
        [ago(10), ago(19)],
        [ago(9), ago(13)],
        [("4210", "湖北省荆州市"), ("4201", "湖北省武汉市")],
        [(Transport.CAR, ""), (Transport.FLIGHT, "CZ6101")],
        [Plan(checked_today=True, fevers={today}), Plan(missed={ago(10)})],
        strict=False,
    ):
        member = door.members[0]
        screening = sweep.screen(
            door,
            member,
            screened,
            worker=worker,
            arrival_date=arrived,
            origin_code=origin[0],
            origin_name=origin[1],
            transport=transport[0],
            transport_number=transport[1],
        )
        sweep.follow(screening, member, plan)
        done.add(door.pk)
    # the other households: four today, the rest over the two weeks, a few not yet
    others = [d for d in doors if d.pk not in done]
    for n, door in enumerate(others):
        if n >= 4 and rng.random() > P_SCREENED:
            continue
        day = today if n < 4 else ago(rng.randint(1, SWEEP_DAYS - 1))
        for member in door.members:
            sweep.follow(sweep.screen(door, member, day, worker=worker), member)
        done.add(door.pk)
    return done


def _refer_some(sweep: Sweep, scripted: set[int]) -> None:
    """One or two people had a fever at a check-in and were referred to a fever clinic that day
    (their observation ended referred)."""
    today = sweep.today
    chosen = 0
    for screening, plan in sweep.observed:
        if chosen >= REFERRED_AT_CHECK_IN:
            break
        end = _end_date(screening)
        start = screening.screened_on
        if screening.person_id in scripted or end <= today or (today - start).days < 5:
            continue
        day = start + dt.timedelta(days=sweep.rng.randint(2, (today - start).days - 2))
        plan.missed = {d for d in plan.missed if d < day}
        plan.fevers = {d for d in plan.fevers if d < day} | {day}
        plan.referred_on, plan.checked_today = day, False
        chosen += 1


def _at(day: dt.date, hour: int, now: dt.datetime) -> dt.datetime:
    """``day`` at ``hour`` local time, but never later than now."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    return min(moment, now)


def _backdate(qs: QuerySet[Any], day_field: str, days: dict[dt.date, list[int]], hour: int) -> None:
    """Give rows made now the time they were entered (``created_at``), one UPDATE a day."""
    now = timezone.now()
    for day, ids in days.items():
        for i in range(0, len(ids), 5000):
            qs.filter(pk__in=ids[i : i + 5000], **{day_field: day}).update(
                created_at=_at(day, hour, now)
            )


def _saved_ids(model: Any, rows: Sequence[Any]) -> None:
    """Backends that do not return ids on bulk insert: read them back by client UUID."""
    if rows and rows[0].pk is None:
        ids = dict(
            model.objects.filter(client_uuid__in=[r.client_uuid for r in rows]).values_list(
                "client_uuid", "id"
            )
        )
        for row in rows:
            row.pk = ids[row.client_uuid]


def _observation(screening: Screening, plan: Plan, today: dt.date) -> Observation:
    end = _end_date(screening)
    observation = Observation(
        person_id=screening.person_id,
        grid_id=screening.grid_id,
        division_path=screening.division_path,
        kind=Kind.HOME,
        reason=" ".join(observation_reason(screening.assessment()).split())[:300],
        source_screening=screening,
        last_exposure=end - dt.timedelta(days=OBSERVATION_DAYS),
        start_date=screening.screened_on,
        end_date=end,
        link_nonce=new_nonce(),
        created_by=screening.created_by,
    )
    if plan.referred_on is not None:
        observation.status, observation.ended_on = Status.REFERRED, plan.referred_on
    elif end < today:
        observation.status, observation.ended_on = Status.RELEASED, end
        observation.end_note = RELEASE_NOTE
    return observation


def _check_ins(
    rng: random.Random, observation: Observation, plan: Plan, today: dt.date
) -> list[CheckIn]:
    last = plan.referred_on or today
    made = []
    for day in _days(observation.start_date, observation.end_date, last):
        if day in plan.missed or (day == today and not plan.checked_today):
            continue
        fever = day in plan.fevers
        by_self = rng.random() < P_SELF
        made.append(
            CheckIn(
                observation=observation,
                division_path=observation.division_path,
                day=day,
                temperature=_temperature(rng, fever),
                symptoms=rng.choice(FEVER_SYMPTOMS) if fever and rng.random() < 0.7 else [],
                source=Source.SELF if by_self else Source.WORKER,
                client_uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                created_by=None if by_self else observation.created_by,
            )
        )
    if made:
        observation.last_check_in_on = made[-1].day
        observation.last_temperature = made[-1].temperature
    if plan.referred_on is not None and made:
        observation.end_note = REFER_NOTE % made[-1].temperature
    return made


def _grid_workers(county: Division) -> dict[int, User]:
    """The grid worker account of each grid that has one (the demo has one: ``wangge``)."""
    workers: dict[int, User] = {}
    for user in User.objects.filter(
        is_active=True,
        groups__name=group_name(Role.GRID_WORKER),
        home_division__level=Level.GRID,
        home_division__path__startswith=county.path,
    ).order_by("pk"):
        assert user.home_division_id is not None
        workers.setdefault(user.home_division_id, user)
    return workers


@transaction.atomic
def load_screening(
    *, county_code: str = "220102000000", seed: int = 2020, today: dt.date | None = None
) -> dict[str, int]:
    """The sweep and the observations it started, once (a second run, seen by its audit row,
    creates nothing). Needs the population and the key areas loaded first."""
    empty = {"screenings": 0, "observations": 0, "active": 0, "check_ins": 0}
    county = Division.objects.get(code=county_code)
    if AuditEvent.objects.filter(action=AUDIT_ACTION, division_path=county.path).exists():
        return empty
    today = today or timezone.localdate()
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    doors = _doors(county)
    if not doors:
        return empty
    areas = {path: key_areas_for(path) for path in {d.path for d in doors}}
    sweep = Sweep(rng, today, areas)
    workers = _grid_workers(county)
    by_grid: dict[int, list[Door]] = defaultdict(list)
    for door in doors:
        by_grid[door.grid_id].append(door)
    scripted: set[int] = set()
    weights = [0.4] + [1.0] * (SWEEP_DAYS - 1)  # today's round is still going on
    for grid_id, grid_doors in by_grid.items():
        worker = workers.get(grid_id)
        if worker is not None:
            screened = _story(sweep, grid_doors, worker)
            scripted |= {m.pk for d in grid_doors if d.pk in screened for m in d.members}
            continue
        for door in grid_doors:
            if rng.random() < P_SCREENED:
                offset = rng.choices(range(SWEEP_DAYS), weights)[0]
                sweep.household(door, today - dt.timedelta(days=offset), None)
    _refer_some(sweep, scripted)

    # screenings, in the order they were made
    screenings = sorted(sweep.screenings, key=lambda s: s.screened_on)
    Screening.objects.bulk_create(screenings, batch_size=1000)
    _saved_ids(Screening, screenings)
    # observations and their check-ins
    observations: list[Observation] = []
    check_ins: list[CheckIn] = []
    for screening, plan in sorted(sweep.observed, key=lambda o: o[0].screened_on):
        observation = _observation(screening, plan, today)
        check_ins += _check_ins(rng, observation, plan, today)
        observations.append(observation)
    Observation.objects.bulk_create(observations, batch_size=1000)
    if observations and observations[0].pk is None:  # pragma: no cover - no RETURNING
        ids = dict(
            Observation.objects.filter(
                source_screening__in=[o.source_screening_id for o in observations]
            ).values_list("source_screening_id", "id")
        )
        for observation in observations:
            observation.pk = ids[observation.source_screening_id]
    for check_in in check_ins:
        check_in.observation_id = check_in.observation.pk
    check_ins.sort(key=lambda c: c.day)
    CheckIn.objects.bulk_create(check_ins, batch_size=1000)
    _saved_ids(CheckIn, check_ins)
    _set_statuses(sweep, observations, today)
    _backdate_all(county, screenings, observations, check_ins)
    active = sum(1 for o in observations if o.status == Status.ACTIVE)
    counts = {
        "screenings": len(screenings),
        "observations": len(observations),
        "active": active,
        "check_ins": len(check_ins),
    }
    record(
        actor=None,
        action=AUDIT_ACTION,
        object_type="screening.screening",
        object_id="*",
        object_repr=f"{county.name}演示排查",
        division_path=county.path,
        changes={
            "screenings": [0, counts["screenings"]],
            "observations": [0, counts["observations"]],
            "observations_active": [0, active],
            "check_ins": [0, counts["check_ins"]],
            "referred_at_door": [0, len(sweep.fevers)],
        },
    )
    return counts


def _set_statuses(sweep: Sweep, observations: list[Observation], today: dt.date) -> None:
    """People's status as the actions leave it: under home observation while it runs, normal
    once released, referred after a fever (at the door or at a check-in)."""
    now = timezone.now()
    changed: dict[int, Person] = {}
    for screening in sweep.fevers:
        changed[screening.person_id] = Person(
            pk=screening.person_id,
            status=PersonStatus.REFERRED,
            status_since=_at(screening.screened_on, 11, now),
        )
    for o in observations:
        status, since = {
            Status.ACTIVE: (PersonStatus.HOME_OBSERVATION, o.start_date),
            Status.RELEASED: (PersonStatus.NORMAL, o.ended_on or today),
            Status.REFERRED: (PersonStatus.REFERRED, o.ended_on or today),
        }[Status(o.status)]
        changed[o.person_id] = Person(
            pk=o.person_id, status=status, status_since=_at(since, 11, now)
        )
    Person.objects.bulk_update(list(changed.values()), ["status", "status_since"], batch_size=500)


def _backdate_all(
    county: Division,
    screenings: list[Screening],
    observations: list[Observation],
    check_ins: list[CheckIn],
) -> None:
    def by_day(rows: Sequence[Any], attr: str) -> dict[dt.date, list[int]]:
        days: dict[dt.date, list[int]] = defaultdict(list)
        for row in rows:
            days[getattr(row, attr)].append(row.pk)
        return days

    scope = {"division_path__startswith": county.path}
    _backdate(
        Screening.objects.filter(**scope), "screened_on", by_day(screenings, "screened_on"), 10
    )
    _backdate(
        Observation.objects.filter(**scope), "start_date", by_day(observations, "start_date"), 11
    )
    _backdate(CheckIn.objects.filter(**scope), "day", by_day(check_ins, "day"), 9)
