"""The demo outbreak (issue #9): one imported case and three generations of spread in the demo
county over the last two weeks, traced, investigated, graded.

The story, in days before today (T):

- **A**, back from 武汉 by train on T-13 (number and seat on the investigation), falls ill on
  T-12 and is confirmed on T-11 at a fever clinic: the index case, imported from another
  province. A goes home, to work (长春华阳商贸有限公司) and to the 华阳农贸市场.
- Generation 1: A's spouse **B** and a family member **C** (an asymptomatic infection found by
  testing the household), and two colleagues, **D** and **E**.
- Generation 2: D's colleague **F** and D's family member **G**; **H**, a stall holder at the
  market where E shopped.
- Generation 3: F's family member **J**, a customer of H's stall **K**, F's colleague **L**
  (asymptomatic), and H's family member **M**, a close contact under centralized observation
  who ran a fever yesterday, was seen at the fever clinic, reported as a suspected case and is
  confirmed today on a positive result.
- Besides: **N**, a walk-in patient with fever who had been to the market, a suspected case
  excluded on two negative results 25 hours apart; and A, discharged today on the four
  criteria, starts 14 days of observation.

Each case's close contacts (about 150 in all: household, workplace, the train, the market) and
their contacts (次密接, about 400, mostly their own households) are added from the
investigation; most are found and under centralized observation, some still to find, two not
found; those living in the sibling county (朝阳区) are handed over to it, which accepted and
observes most, could not find one and has not yet accepted another (escalated to 长春市).
Clusters are detected and counties graded for every day of the story, so the risk grade of
the county moves from low to medium in the history.

Everything goes through the actions a user's clicks would take, with past times where an action
takes them (diagnosis, sampling, results, the national report, exposures, the hand-over's
sending). Steps an action stamps with the current time (confirmation, exclusion, isolation,
acceptance, the start of an observation) happen "now": see :func:`_timed`.
Deterministic: one seeded ``random.Random``, names from the demo's population generator.
"""

from __future__ import annotations

import datetime as dt
import inspect
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from fangkong.audit.actions import record
from fangkong.cases import actions as case_actions
from fangkong.cases import clinic
from fangkong.cases.choices import (
    Category,
    Decision,
    Importation,
    Method,
    Occupation,
    Result,
    SampleType,
    Severity,
)
from fangkong.cases.models import Case, Sample
from fangkong.demo.population import PopulationGenerator
from fangkong.investigation import actions as inv_actions
from fangkong.investigation.choices import MovementTransport, PlaceKind, Protection, SourceKind
from fangkong.investigation.models import Place
from fangkong.medical.choices import FacilityKind
from fangkong.medical.models import Facility
from fangkong.observation.choices import Status as ObservationStatus
from fangkong.outbreaks import actions as outbreak_actions
from fangkong.outbreaks.models import Cluster
from fangkong.people.choices import DocType, PersonStatus
from fangkong.people.models import Person
from fangkong.regions import actions as region_actions
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.tracing import actions as tracing_actions
from fangkong.tracing.choices import ContactKind, ContactStatus, Relation
from fangkong.tracing.models import Contact, Handover

AUDIT_ACTION = "demo.outbreak"
DEMO_COUNTY = "220102000000"  # 长春市南关区 (demo/scenario.py)
SIBLING_COUNTY = "220104000000"  # 长春市朝阳区: contacts living there are handed over
STATION_COUNTY = "220103000000"  # 长春市宽城区, where 长春站 is (the demo county if absent)
HUAYANG = "220102001001"  # 华阳社区, where the index case lives (the demo grid worker's)
LAB = "长春市疾病预防控制中心实验室"
INVESTIGATOR = "南关区疾控中心流调组"
ORIGIN = "湖北省武汉市"
TRAIN, SEAT = "G1290", "08车06F"  # a made-up number in the usual shape
WORKPLACE = "长春华阳商贸有限公司"
MARKET = "华阳农贸市场"
CLOSE_TARGET = 150  # close contacts in all, about
SECONDARY_TARGET = 400
SEED = 2020

# Fever clinics (发热门诊) and the other facilities the story needs; names are made up.
FACILITIES = [
    # (county code, name, kind, address)
    (DEMO_COUNTY, "南关区人民医院发热门诊", FacilityKind.FEVER_CLINIC, "南关区人民大街2号"),
    (DEMO_COUNTY, "南关区中医院发热门诊", FacilityKind.FEVER_CLINIC, "南关区自由大路16号"),
    (SIBLING_COUNTY, "朝阳区人民医院发热门诊", FacilityKind.FEVER_CLINIC, "朝阳区西安大路8号"),
    (
        DEMO_COUNTY,  # the city's designated hospital, at 南关区东环城路
        "长春市传染病医院（定点医院）",
        FacilityKind.DESIGNATED_HOSPITAL,
        "长春市南关区东环城路1号",
    ),
    ("220100000000", LAB, FacilityKind.LABORATORY, "长春市朝阳区延安大街3号"),
]


@dataclass(frozen=True)
class CaseStory:
    """One case of the story. Days are days before today."""

    key: str
    generation: int
    source: str | None  # the case whose contact they were
    relation: str  # to the source
    exposure: tuple[int, int]  # first and last exposure to the source, days ago
    onset: int | None  # None: an asymptomatic infection
    diagnosed: int
    hour: int
    occupation: str = Occupation.WORKER
    workplace: str = ""
    household_of: str | None = None  # lives with this case
    close: int = 10  # close contacts to add besides the household and later cases
    sibling: int = 0  # of which living in the sibling county (handed over)
    place: str = "home"  # where their other contacts were met: workplace, market, train


STORIES = [
    CaseStory("A", 0, None, "", (0, 0), 12, 11, 15, Occupation.SERVICE, WORKPLACE,
              close=34, sibling=4, place="train"),
    CaseStory("B", 1, "A", Relation.HOUSEHOLD, (13, 11), 9, 8, 11, Occupation.RETIRED,
              household_of="A", close=8),
    CaseStory("C", 1, "A", Relation.HOUSEHOLD, (13, 11), None, 7, 16, Occupation.STUDENT,
              household_of="A", close=4),
    CaseStory("D", 1, "A", Relation.WORKPLACE, (12, 12), 9, 8, 14, Occupation.SERVICE, WORKPLACE,
              close=12, sibling=2, place="workplace"),
    CaseStory("E", 1, "A", Relation.WORKPLACE, (12, 12), 8, 7, 10, Occupation.SERVICE, WORKPLACE,
              close=10, place="market"),
    CaseStory("F", 2, "D", Relation.WORKPLACE, (10, 9), 6, 5, 15, Occupation.SERVICE, WORKPLACE,
              close=12, place="workplace"),
    CaseStory("G", 2, "D", Relation.HOUSEHOLD, (11, 9), 6, 5, 17, Occupation.HOUSEWORK,
              household_of="D", close=6),
    CaseStory("H", 2, "E", Relation.SOCIAL, (9, 9), 5, 4, 10, Occupation.SERVICE,
              "华阳农贸市场12号摊位", close=18, sibling=2, place="market"),
    CaseStory("J", 3, "F", Relation.HOUSEHOLD, (7, 6), 3, 2, 9, Occupation.OFFICE,
              household_of="F", close=8),
    CaseStory("K", 3, "H", Relation.SOCIAL, (6, 6), 3, 2, 14, Occupation.RETIRED,
              close=8, place="market"),
    CaseStory("L", 3, "F", Relation.WORKPLACE, (7, 6), None, 2, 16, Occupation.SERVICE, WORKPLACE,
              close=8, place="workplace"),
    CaseStory("M", 3, "H", Relation.HOUSEHOLD, (6, 5), 1, 0, 0, Occupation.HOUSEWORK,
              household_of="H", close=6, sibling=1),
]  # fmt: skip
BY_KEY = {s.key: s for s in STORIES}
# Cases whose clinic visit reports them (the rest are reported confirmed on their positive
# result): M, under observation, with a fever yesterday; N, a walk-in, excluded.
THROUGH_CLINIC = {"M"}
DISCHARGED = "A"
# Hand-overs to the sibling county, in the order sent: what the receiving county did.
HANDOVER_FATES = ["observe", "observe", "observe", "accept", "observe", "not_found", "observe",
                  "observe", "sent"]  # fmt: skip


def _timed(action: Callable[..., Any], when: dt.datetime, **kwargs: Any) -> Any:
    """Call ``action`` with ``at=when`` when it takes a time (``mark_reported`` does), else as
    it is: confirmation, exclusion, discharge, a clinic's decision, a hand-over's acceptance and
    the start of an observation are stamped with the current time by their actions, so in the
    demo they happen now (see the report of issue #9's demo). When an action gains ``at``, the
    demo passes the story's time without change here."""
    if "at" in inspect.signature(action).parameters:
        kwargs["at"] = when
    return action(**kwargs)


@dataclass
class Story:
    """What the loader keeps while it tells the story."""

    rng: random.Random
    today: dt.date
    now: dt.datetime
    county: Division
    sibling: Division | None
    clinics: list[Facility]
    generator: PopulationGenerator
    sibling_generator: PopulationGenerator | None
    pool: list[Person]
    households: dict[int, list[Person]]
    grids: list[Division]
    sibling_grids: list[Division]
    used: set[int] = field(default_factory=set)  # person ids taken
    people: dict[str, Person] = field(default_factory=dict)  # case key → person
    cases: dict[str, Case] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)
    samples: int = 0
    to_observe: list[Contact] = field(default_factory=list)
    handovers: list[Handover] = field(default_factory=list)

    def at(self, days_ago: int, hour: int, minute: int = 0) -> dt.datetime:
        """A moment ``days_ago`` days before today, never later than a few minutes ago."""
        day = self.today - dt.timedelta(days=days_ago)
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour % 24, minute)))
        return min(moment, self.now - dt.timedelta(minutes=10))

    def day(self, days_ago: int) -> dt.date:
        return self.today - dt.timedelta(days=days_ago)


# --- facilities, grids, people ---------------------------------------------------------------


def load_facilities() -> list[Facility]:
    """The fever clinics and facilities of :data:`FACILITIES` whose division is loaded; once."""
    made = []
    for code, name, kind, address in FACILITIES:
        division = Division.objects.filter(code=code).first()
        if division is None:
            continue
        facility, created = Facility.objects.get_or_create(
            division=division,
            name=name,
            defaults={"kind": kind, "division_path": division.path, "address": address},
        )
        if created:
            made.append(facility)
    return made


def _sibling_grids(sibling: Division | None) -> list[Division]:
    """Active grids of the sibling county, one made in its first community if it has none
    (the demo makes grids only for the demo county)."""
    if sibling is None:
        return []
    grids = list(
        Division.objects.filter(
            path__startswith=sibling.path, level=Level.GRID, active=True
        ).order_by("code")[:5]
    )
    if grids:
        return grids
    village = (
        Division.objects.filter(path__startswith=sibling.path, level=Level.VILLAGE, active=True)
        .order_by("code")
        .first()
    )
    if village is None:
        return []
    return [
        region_actions.create_grid(
            actor=None, village=village, name=f"第{n}网格", note=f"{village.name}第{n}片区"
        )
        for n in (1, 2)
    ]


def _pool(county: Division) -> tuple[list[Person], dict[int, list[Person]]]:
    """Residents of the county with nothing going on (no case, no observation), by household."""
    busy = set(
        Person.objects.filter(
            division_path__startswith=county.path, observations__status=ObservationStatus.ACTIVE
        ).values_list("pk", flat=True)
    )
    people = [
        p
        for p in Person.objects.filter(
            division_path__startswith=county.path,
            status=PersonStatus.NORMAL,
            doc_type=DocType.RESIDENT_ID,
        ).order_by("pk")
        if p.pk not in busy
    ]
    households: dict[int, list[Person]] = {}
    for p in people:
        if p.household_id is not None:
            households.setdefault(p.household_id, []).append(p)
    return people, households


def _take(story: Story, person: Person) -> Person:
    story.used.add(person.pk)
    return person


def _household_of_size(story: Story, size: int, *, prefer: str = "") -> list[Person]:
    """A free household with at least ``size`` members (in ``prefer``'s subtree when it has
    one), taken whole."""
    candidates = [
        members
        for members in story.households.values()
        if len(members) >= size and not any(m.pk in story.used for m in members)
    ]
    preferred = [m for m in candidates if prefer and m[0].division_path.startswith(prefer)]
    members = story.rng.choice(preferred or candidates)
    for m in members:
        _take(story, m)
    return members


@dataclass(frozen=True)
class Someone:
    """A contact to add: a resident of the county, or a person from the generator."""

    name: str
    doc_number: str
    phone: str
    address: str
    residence: Division
    person: Person | None = None


def _resident(story: Story) -> Someone:
    """The next free resident of the county, or a new one once they run out."""
    while story.pool:
        person = story.pool.pop()
        if person.pk not in story.used:
            _take(story, person)
            return _someone(person)
    return _generated(story, sibling=False)


def _someone(person: Person) -> Someone:
    return Someone(
        person.name,
        person.doc_number,
        person.phone,
        person.address,
        person.grid,
        person,
    )


def _generated(story: Story, *, sibling: bool) -> Someone:
    generator = story.sibling_generator if sibling else story.generator
    grids = story.sibling_grids if sibling else story.grids
    assert generator is not None and grids
    grid = story.rng.choice(grids)
    age = story.rng.randint(18, 75)
    resident = generator.resident(generator.sex(), age, generator.surname())
    address = f"{grid.parent.name if grid.parent else ''}{story.rng.randint(1, 40)}栋" + (
        f"{story.rng.randint(1, 3)}单元{story.rng.randint(1, 6)}0{story.rng.randint(1, 2)}室"
    )
    return Someone(resident.name, resident.doc_number, resident.phone, address, grid)


# --- the story -------------------------------------------------------------------------------


def _places(story: Story, home_village: Division) -> None:
    station_county = Division.objects.filter(code=STATION_COUNTY).first() or story.county
    township = home_village.parent or story.county
    specs = {
        "market": (MARKET, PlaceKind.MARKET, f"{home_village.name}东侧", home_village,
                   "125.352100", "43.861300"),
        "workplace": (WORKPLACE, PlaceKind.WORKPLACE, f"{township.name}南岭大街188号", township,
                      "125.340500", "43.855800"),
        "train": ("长春站", PlaceKind.STATION, "长春市宽城区长白路5号", station_county,
                  "125.323400", "43.907300"),
        "wholesale": ("南岭综合批发市场", PlaceKind.MARKET, f"{township.name}南岭大街66号",
                      township, "125.337700", "43.852900"),
        "clinic": (story.clinics[0].name.removesuffix("发热门诊"), PlaceKind.HOSPITAL,
                   story.clinics[0].address, story.clinics[0].division, "125.347600",
                   "43.867400"),
    }  # fmt: skip
    for key, (name, kind, address, division, lon, lat) in specs.items():
        story.places[key] = inv_actions.record_place(
            actor=None, name=name, kind=kind, address=address, division=division, lon=lon, lat=lat
        )


def _sample(
    story: Story, case: Case, sampled_at: dt.datetime, result: str, hours: int = 5
) -> Sample:
    story.samples += 1
    sample = case_actions.add_sample(
        actor=None,
        case=case,
        number=f"NC{story.county.code[:6]}{sampled_at:%y%m%d}{story.samples:04d}",
        sample_type=SampleType.THROAT_SWAB,
        sampled_at=sampled_at,
        laboratory=LAB,
        method=Method.PCR,
    )
    if result == Result.PENDING:
        return sample
    positive = result == Result.POSITIVE
    ct = Decimal(story.rng.randint(220, 340)) / 10 if positive else None
    return case_actions.record_result(
        actor=None,
        sample=sample,
        result=result,
        ct_orf1ab=ct,
        ct_n=(ct - Decimal("1.3")) if ct is not None else None,
        result_at=min(sampled_at + dt.timedelta(hours=hours), story.now - dt.timedelta(minutes=5)),
    )


def _report(story: Story, spec: CaseStory, person: Person) -> Case:
    """The case's report card, from the fever clinic that diagnosed it, confirmed (or an
    asymptomatic infection) on its positive result; M through the clinic's decision."""
    clinic_facility = story.clinics[0] if spec.key in "ABCDEFH" else story.clinics[-1]
    grid = person.grid
    assert grid is not None
    if spec.key in THROUGH_CLINIC:
        visit = clinic.register_visit(
            actor=None,
            facility=clinic_facility,
            person=person,
            temperature=Decimal("38.4"),
            symptoms=["fever", "dry_cough"],
            visited_at=story.at(1, 20, 10),
        )
        visit = _timed(
            clinic.decide_visit,
            story.at(1, 21, 0),
            actor=None,
            visit=visit,
            decision=Decision.SUSPECTED,
            doctor="王立新",
            note="集中隔离观察期间发热，就地隔离",
            case=clinic.CaseFields(
                address=person.address,
                address_division=grid,
                onset_date=story.day(spec.onset or 0),
                occupation=spec.occupation,
                workplace=spec.workplace,
            ),
        )
        case = Case.objects.get(pk=visit.case_id)
        _sample(story, case, story.at(1, 21, 30), Result.POSITIVE, hours=6)
        case = _timed(
            case_actions.confirm_case, story.at(0, 9), actor=None, case=case,
            severity=Severity.ORDINARY,
        )  # fmt: skip
        return case
    diagnosed = story.at(spec.diagnosed, spec.hour)
    asymptomatic = spec.onset is None
    case = case_actions.report_case(
        actor=None,
        person=person,
        facility=clinic_facility,
        category=Category.ASYMPTOMATIC if asymptomatic else Category.CONFIRMED,
        address=person.address,
        address_division=grid,
        diagnosed_at=diagnosed,
        reporting_doctor=story.rng.choice(["王立新", "李海燕", "张晓东", "刘丽华"]),
        onset_date=None if asymptomatic else story.day(spec.onset),  # type: ignore[arg-type]
        occupation=spec.occupation,
        workplace=spec.workplace,
        severity="" if asymptomatic else Severity.MILD if spec.key == "G" else Severity.ORDINARY,
        import_status=Importation.OTHER_PROVINCE if spec.source is None else Importation.LOCAL,
        origin=ORIGIN if spec.source is None else "",
        note="自武汉返长，列车" + TRAIN if spec.source is None else "",
    )
    _sample(story, case, diagnosed - dt.timedelta(hours=6), Result.POSITIVE)
    # the 2-hour clock: most within the hour, K late, M (above) not yet reported
    minutes = 190 if spec.key == "K" else story.rng.randint(25, 80)
    case_actions.mark_reported(actor=None, case=case, at=diagnosed + dt.timedelta(minutes=minutes))
    return case


def _investigate(story: Story, spec: CaseStory, case: Case) -> None:
    """The investigation of the case: where it went in the days before, and its source."""
    investigation = inv_actions.open_investigation(
        actor=None, case=case, investigator_name=INVESTIGATOR
    )
    home = inv_actions.record_place(
        actor=None,
        name=f"{case.address}（住所）"[:100],
        kind=PlaceKind.HOME,
        address=case.address,
        division=case.address_division,
    )
    # movements end at the isolation: the clinic (M, isolated now, went there yesterday)
    seen = max(spec.diagnosed, 1) if spec.key in THROUGH_CLINIC else spec.diagnosed
    clinic_time = dt.time(20, 10) if spec.key in THROUGH_CLINIC else dt.time(spec.hour - 3)
    first = spec.diagnosed + 3 if spec.source else spec.diagnosed + 2
    visits: list[tuple[int, Place, dict[str, Any]]] = []
    for back in range(first, seen - 1, -1):
        visits.append((back, home, {"start_time": dt.time(0, 0), "end_time": dt.time(7, 30)}))
        if back == seen:
            visits.append(
                (
                    back,
                    story.places["clinic"],
                    {
                        "start_time": clinic_time,
                        "transport": MovementTransport.TAXI,
                        "protection": Protection.SURGICAL,
                        "note": "发热门诊就诊",
                    },
                )
            )
            continue
        if spec.workplace == WORKPLACE:
            visits.append(
                (
                    back,
                    story.places["workplace"],
                    {
                        "start_time": dt.time(8, 30),
                        "end_time": dt.time(17, 30),
                        "transport": MovementTransport.BUS,
                        "people_met": "同事十余人",
                        "protection": Protection.NONE,
                    },
                )
            )
        if spec.place == "market" or (spec.key in "AHK" and back % 2 == 0):
            visits.append(
                (
                    back,
                    story.places["market"],
                    {
                        "start_time": dt.time(18, 0),
                        "end_time": dt.time(18, 40),
                        "transport": MovementTransport.WALK,
                        "people_met": "摊主、顾客",
                        "protection": Protection.NONE,
                    },
                )
            )
    if spec.key == "A":  # back from 武汉 by train
        visits.insert(
            0,
            (
                13,
                story.places["train"],
                {
                    "start_time": dt.time(6, 10),
                    "end_time": dt.time(7, 0),
                    "transport": MovementTransport.TRAIN,
                    "transport_number": TRAIN,
                    "seat": SEAT,
                    "people_met": "同车厢乘客",
                    "protection": Protection.SURGICAL,
                    "note": "武汉站→长春站，途中摘口罩进食",
                },
            ),
        )
        visits.append(
            (
                12,
                story.places["wholesale"],
                {
                    "start_time": dt.time(12, 0),
                    "end_time": dt.time(12, 40),
                    "transport": MovementTransport.WALK,
                    "protection": Protection.NONE,
                },
            )
        )
    for back, place, extra in visits:
        day = story.day(back)
        if not investigation.window_start <= day <= investigation.window_end:
            continue
        inv_actions.add_movement(
            actor=None, investigation=investigation, day=day, place=place, **extra
        )
    if spec.source is None:
        inv_actions.add_source(
            actor=None,
            investigation=investigation,
            kind=SourceKind.KEY_AREA,
            area=ORIGIN,
            note=f"发病前自武汉返长，乘{TRAIN}次列车{SEAT}",
        )
    else:
        inv_actions.add_source(
            actor=None,
            investigation=investigation,
            kind=SourceKind.CASE,
            source_case=story.cases[spec.source],
        )
        if spec.place == "market" or spec.source == "H":
            inv_actions.add_source(
                actor=None,
                investigation=investigation,
                kind=SourceKind.PLACE,
                place=story.places["market"],
            )
    if spec.diagnosed >= 3:
        source = ORIGIN if spec.source is None else story.cases[spec.source].number
        inv_actions.complete_investigation(
            actor=None,
            investigation=investigation,
            conclusion=f"传染来源：{source}。已排查密切接触者并落实管控措施。",
        )


def _add(story: Story, case: Case, who: Someone, relation: str, first: int, last: int,
         added: dt.datetime, *, source_contact: Contact | None = None,
         protected: bool = False) -> Contact:  # fmt: skip
    return tracing_actions.add_contact(
        actor=None,
        case=case,
        name=who.name,
        doc_type=DocType.RESIDENT_ID,
        doc_number=who.doc_number,
        phone=who.phone,
        address=who.address,
        residence=who.residence,
        relation=relation,
        first_exposure=story.day(first),
        last_exposure=story.day(last),
        protected=protected,
        source_contact=source_contact,
        now=added,
    )


def _exposure(story: Story, spec: CaseStory) -> tuple[int, int]:
    """First and last exposure (days ago) of the case's contacts: from two days before the
    onset (or the sample date) to the day before the diagnosis."""
    start = (spec.onset if spec.onset is not None else spec.diagnosed) + 2
    last = max(spec.diagnosed, 1) if spec.key in THROUGH_CLINIC else spec.diagnosed
    first = min(start, 13)  # within the last 14 days, so that the observation is still running
    return first, min(max(last, 1), first)


def _contacts(story: Story, spec: CaseStory, case: Case, household: list[Person]) -> list[Contact]:
    """The case's close contacts: household members, the people it infected (found before
    they fell ill), the people met at work, on the train or at the market."""
    first, last = _exposure(story, spec)
    added = story.at(max(spec.diagnosed, 1), min(spec.hour + 4, 23))
    if spec.key in THROUGH_CLINIC:
        added = story.at(1, 23, 0)
    closes: list[Contact] = []
    later = [s for s in STORIES if s.source == spec.key]
    # the later cases first, with their own exposure
    for child in later:
        person = story.people[child.key]
        contact = _add(story, case, _someone(person), child.relation, *child.exposure, added)
        contact = tracing_actions.find_contact(actor=None, contact=contact, grid=person.grid)
        if child.key in THROUGH_CLINIC:  # under centralized observation until the fever
            tracing_actions.observe_contact(actor=None, contact=contact)
    taken = {p.pk for p in story.people.values()}  # cases are not each other's contacts
    for member in household:
        if member.pk in taken:
            continue
        contact = _add(story, case, _someone(member), Relation.HOUSEHOLD, first, last, added)
        closes.append(contact)
    relation = {
        "train": Relation.TRANSPORT,
        "workplace": Relation.WORKPLACE,
        "market": Relation.SOCIAL,
    }.get(spec.place, Relation.SOCIAL)
    for n in range(spec.close):
        sibling = n < spec.sibling and bool(story.sibling_grids)
        who = _generated(story, sibling=True) if sibling else _resident(story)
        if spec.key == "A" and n < 8:  # the train, the day A came back
            day_first = day_last = 13
            rel = Relation.TRANSPORT
        else:
            day_first, day_last, rel = first, last, relation
            if spec.key == "A":
                rel = Relation.WORKPLACE if n < 20 else Relation.SOCIAL
        when = story.now - dt.timedelta(hours=3) if sibling and spec.key == "M" else added
        closes.append(_add(story, case, who, rel, day_first, day_last, when))
    # a doctor of the clinic, protected: a general contact, not traced
    _add(story, case, _resident(story), Relation.MEDICAL, last, last, added, protected=True)
    return closes


def _secondaries(story: Story, closes: list[Contact], quota: int) -> int:
    """Contacts of the close contacts (次密接): their households first, then others they met."""
    local = [c for c in closes if c.kind == ContactKind.CLOSE and c.status == ContactStatus.TO_FIND]
    made = 0
    for i, close in enumerate(local):
        want = quota * (i + 1) // len(local) - quota * i // len(local)
        people: list[Someone] = []
        person = Person.objects.filter(doc_type=close.doc_type, doc_number=close.doc_number).first()
        if person is not None and person.household_id in story.households:
            mates = [m for m in story.households[person.household_id] if m.pk not in story.used]
            people = [_someone(_take(story, m)) for m in mates[:want]]
        while len(people) < want:
            people.append(_resident(story))
        first = (story.today - close.first_exposure).days
        last = max((story.today - close.last_exposure).days - 1, 1)
        for who in people:
            contact = _add(
                story, close.case, who, Relation.HOUSEHOLD if who.person else Relation.SOCIAL,
                min(first, last), last, story.at(last, 20), source_contact=close,
            )  # fmt: skip
            story.to_observe.append(contact)
            made += 1
    return made


def _trace(story: Story) -> dict[str, int]:
    """The investigating county finds and observes its contacts; a few are still to find (the
    newest), two could not be found. The sibling county works its hand-overs."""
    lost = 0
    figures = {"found": 0, "observed": 0, "lost": 0, "to_find": 0}
    newest = story.cases["M"].pk
    for contact in story.to_observe:
        contact.refresh_from_db()
        if contact.status != ContactStatus.TO_FIND:
            continue
        if contact.case_id == newest and figures["to_find"] < 6:
            figures["to_find"] += 1
            continue
        if contact.case_id == story.cases["H"].pk and lost < 2 and contact.degree == 1:
            tracing_actions.mark_lost(
                actor=None, contact=contact, note="电话关机，登记住址无人，已请公安协查"
            )
            lost += 1
            continue
        grid = contact.residence if contact.residence.level == Level.GRID else story.grids[0]
        contact = tracing_actions.find_contact(actor=None, contact=contact, grid=grid)
        tracing_actions.observe_contact(actor=None, contact=contact)
        figures["observed"] += 1
    figures["lost"] = lost
    for handover, fate in zip(story.handovers, HANDOVER_FATES, strict=False):
        if fate == "sent":
            continue
        grid = story.rng.choice(story.sibling_grids)
        if fate == "not_found":
            tracing_actions.handover_not_found(
                actor=None, handover=handover, note="登记电话为空号，社区入户核查查无此人"
            )
            continue
        handover = _timed(tracing_actions.accept_handover, story.now, actor=None, handover=handover)
        if fate == "accept":
            continue
        handover = tracing_actions.handover_found(actor=None, handover=handover, grid=grid)
        tracing_actions.handover_observe(actor=None, handover=handover)
    tracing_actions.escalate_overdue_handovers()
    return figures


def _excluded(story: Story, person: Person) -> Case:
    """N: a walk-in patient with fever, who had been to the market, reported suspected at the
    second fever clinic, excluded on two negative results sampled 25 hours apart."""
    visit = clinic.register_visit(
        actor=None,
        facility=story.clinics[-1],
        person=person,
        temperature=Decimal("37.8"),
        symptoms=["fever", "sore_throat"],
        visited_at=story.at(3, 9, 20),
        epi_history=f"发病前曾到{MARKET}购物，未接触已知病例",
    )
    visit = _timed(
        clinic.decide_visit,
        story.at(3, 10, 0),
        actor=None,
        visit=visit,
        decision=Decision.SUSPECTED,
        doctor="李海燕",
        note="有病例活动场所暴露史，就地隔离",
        case=clinic.CaseFields(
            address=person.address,
            address_division=person.grid,
            onset_date=story.day(3),
            occupation=Occupation.RETIRED,
        ),
    )
    case = Case.objects.get(pk=visit.case_id)
    case_actions.mark_reported(
        actor=None, case=case, at=max(case.diagnosed_at, story.at(3, 10, 40))
    )
    _sample(story, case, story.at(3, 10, 30), Result.NEGATIVE, hours=8)
    _sample(story, case, story.at(2, 11, 30), Result.NEGATIVE, hours=8)
    return _timed(
        case_actions.exclude_case, story.at(1, 9), actor=None, case=case,
        note="两次核酸检测阴性（间隔25小时），排除",
    )  # fmt: skip


def _discharge(story: Story) -> Case:
    """A: two negative results after the last positive, a normal temperature since six days,
    symptoms and lungs better: discharged, then 14 days of home observation."""
    case = story.cases[DISCHARGED]
    _sample(story, case, story.at(3, 8, 30), Result.NEGATIVE, hours=7)
    _sample(story, case, story.at(2, 9, 0), Result.NEGATIVE, hours=7)
    return _timed(
        case_actions.discharge_case,
        story.at(0, 9),
        actor=None,
        case=case,
        normal_since=story.day(6),
        symptoms_better=True,
        imaging_improved=True,
    )


@transaction.atomic
def load_outbreak(
    *,
    county_code: str = DEMO_COUNTY,
    sibling_code: str = SIBLING_COUNTY,
    seed: int = SEED,
    today: dt.date | None = None,
) -> dict[str, int]:
    """The story above, once: nothing happens if the county has a case already."""
    empty = {"facilities": 0, "cases": 0, "close_contacts": 0, "secondary_contacts": 0,
             "handovers": 0, "clusters": 0, "risk_grades": 0}  # fmt: skip
    county = Division.objects.filter(code=county_code).first()
    if county is None:
        return empty
    facilities = load_facilities()
    if Case.objects.filter(county=county).exists():
        return {**empty, "facilities": len(facilities)}
    clinics = list(
        Facility.objects.filter(
            division_path__startswith=county.path, kind=FacilityKind.FEVER_CLINIC, active=True
        ).order_by("pk")
    )
    if not clinics:  # a county the FACILITIES do not name
        clinics = [
            Facility.objects.create(
                division=county, division_path=county.path, name=f"{county.name}发热门诊",
                kind=FacilityKind.FEVER_CLINIC, address=county.name,
            )
        ]  # fmt: skip
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    today = today or timezone.localdate()
    sibling = Division.objects.filter(code=sibling_code, level=Level.COUNTY).first()
    grids = list(
        Division.objects.filter(path__startswith=county.path, level=Level.GRID, active=True)
        .select_related("parent")
        .order_by("code")
    )
    used_numbers = set(Person.objects.values_list("doc_number", flat=True))
    pool, households = _pool(county)
    rng.shuffle(pool)
    sibling_grids = _sibling_grids(sibling)
    story = Story(
        rng=rng,
        today=today,
        now=timezone.now(),
        county=county,
        sibling=sibling,
        clinics=clinics,
        generator=PopulationGenerator(
            rng, today=today, home_county=county.code[:6], used=used_numbers
        ),
        sibling_generator=PopulationGenerator(
            rng, today=today, home_county=sibling.code[:6], used=used_numbers
        )
        if sibling
        else None,
        pool=pool,
        households=households,
        grids=grids,
        sibling_grids=[
            Division.objects.select_related("parent").get(pk=g.pk) for g in sibling_grids
        ],
    )
    # who is who: four households with two to four cases, the rest anyone
    huayang = Division.objects.filter(code=HUAYANG).first()
    homes: dict[str, list[Person]] = {}
    for key, size in (("A", 4), ("D", 3), ("F", 2), ("H", 3)):
        homes[key] = _household_of_size(story, size, prefer=huayang.path if huayang else "")
    for spec in STORIES:
        if spec.household_of:
            taken = {p.pk for p in story.people.values()}
            story.people[spec.key] = next(m for m in homes[spec.household_of] if m.pk not in taken)
        elif spec.key in homes:
            story.people[spec.key] = homes[spec.key][0]
        else:
            story.people[spec.key] = _resident(story).person or _household_of_size(story, 1)[0]
    walk_in = _resident(story).person or _household_of_size(story, 1)[0]  # N, excluded
    _places(story, story.people["A"].grid.parent or county)

    closes: list[Contact] = []
    for spec in sorted(STORIES, key=lambda s: (-s.diagnosed, s.generation)):
        case = _report(story, spec, story.people[spec.key])
        story.cases[spec.key] = case
        _investigate(story, spec, case)
        household = homes.get(spec.key) or homes.get(spec.household_of or "", [])
        mine = _contacts(story, spec, case, household)
        closes += mine
        story.handovers += list(Handover.objects.filter(contact__in=mine).order_by("sent_at", "pk"))
    story.to_observe = [c for c in closes if c.kind == ContactKind.CLOSE]
    secondary = _secondaries(story, story.to_observe, SECONDARY_TARGET)
    excluded = _excluded(story, walk_in)
    _discharge(story)
    _trace(story)
    graded = 0
    for back in range(15, -1, -1):
        outbreak_actions.run_daily(day=story.day(back))
        graded += 1
    clusters = Cluster.objects.filter(county=county).count()
    close_count = Contact.objects.filter(
        division_path__startswith=county.path, kind=ContactKind.CLOSE
    ).count()
    result = {
        "facilities": len(facilities),
        "cases": len(story.cases),
        "close_contacts": close_count,
        "secondary_contacts": secondary,
        "handovers": len(story.handovers),
        "clusters": clusters,
        "risk_grades": graded,
    }
    record(
        actor=None,
        action=AUDIT_ACTION,
        object_type="cases.case",
        object_id="*",
        object_repr=f"{county.name}演示疫情",
        division_path=county.path,
        changes={k: [0, v] for k, v in result.items()} | {"excluded": [None, excluded.number]},
    )
    return result
