"""The demo's screening sweep and observations: what the rules and actions would have made,
loaded once, with something to do for the demo grid worker."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from types import SimpleNamespace
from typing import Any

from django.db.models import F
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.cases.models import Case
from fangkong.demo.population import load_population
from fangkong.demo.scenario import load_demo, load_key_areas
from fangkong.demo.screening import load_screening
from fangkong.observation import selectors
from fangkong.observation.choices import Status
from fangkong.observation.models import CheckIn, Observation
from fangkong.people.choices import FEVER_AT, OBSERVATION_DAYS, PersonStatus
from fangkong.people.models import Household, Person
from fangkong.regions.models import Division
from fangkong.screening.actions import key_areas_for
from fangkong.screening.choices import Outcome
from fangkong.screening.models import Screening
from fangkong.screening.rules import Facts, Place, assess

NANGUAN = "220102000000"


def _facts(s: Screening) -> Facts:
    arrival = Place(s.origin_code, s.origin_name, s.arrival_date) if s.arrival_date else None
    travel = [Place(t["code"], t["name"], dt.date.fromisoformat(t["date"])) for t in s.travel]
    return Facts(
        screened_on=s.screened_on,
        temperature=s.temperature,
        symptoms=s.symptoms,
        arrival=arrival,
        travel=travel,
        contact=s.contact,
        contact_date=s.contact_date,
    )


def assert_as_the_actions_would(path: str, today: dt.date) -> dict[str, Any]:
    """Every screening, observation, check-in and status under ``path`` is one the rules and
    actions could have produced; returns figures for the caller to judge."""
    screenings = Screening.objects.filter(division_path__startswith=path)
    assert not screenings.exclude(division_path=F("grid__path")).exists()
    assert not screenings.exclude(grid=F("person__grid")).exists()
    areas: dict[str, Any] = {}
    for s in screenings.iterator(chunk_size=2000):
        if s.division_path not in areas:
            areas[s.division_path] = key_areas_for(s.division_path)
        assessment = assess(_facts(s), areas[s.division_path])
        assert s.outcome == assessment.outcome, s.pk
        assert s.reasons == [r.as_dict() for r in assessment.reasons], s.pk
        assert s.last_exposure == assessment.last_exposure
        assert today - dt.timedelta(days=13) <= s.screened_on <= today
        assert s.phone and s.address and 35 <= s.temperature <= 42
    # the sweep's observations (the demo outbreak's contacts and discharged case are observed
    # too, from tracing and cases: test_demo_outbreak.py checks those)
    observations = list(
        Observation.objects.filter(
            division_path__startswith=path, source_screening__isnull=False
        ).select_related("source_screening", "person")
    )
    by_observation: dict[int, list[CheckIn]] = {}
    for c in CheckIn.objects.filter(
        division_path__startswith=path, observation__source_screening__isnull=False
    ).order_by("day"):
        by_observation.setdefault(c.observation_id, []).append(c)
    missed_days = fevers = 0
    later = set(
        Observation.objects.filter(
            division_path__startswith=path, source_screening__isnull=True
        ).values_list("person_id", flat=True)
    ) | set(Case.objects.values_list("person_id", flat=True))
    for o in observations:
        screening = o.source_screening
        assert screening is not None and screening.outcome == Outcome.HOME_OBSERVATION
        assert (o.person_id, o.grid_id) == (screening.person_id, screening.grid_id)
        assert o.start_date == screening.screened_on
        assert o.last_exposure == screening.last_exposure
        assert o.end_date == o.last_exposure + dt.timedelta(days=OBSERVATION_DAYS) > o.start_date
        check_ins = by_observation.get(o.pk, [])
        days = [c.day for c in check_ins]
        assert len(days) == len(set(days)), "two check-ins on one day"
        last_day = min(o.end_date - dt.timedelta(days=1), o.ended_on or today, today)
        assert all(o.start_date <= d <= last_day for d in days), o.pk
        assert all(35 <= c.temperature <= 42 for c in check_ins)
        if check_ins:
            assert (o.last_check_in_on, o.last_temperature) == (days[-1], check_ins[-1].temperature)
        else:
            assert (o.last_check_in_on, o.last_temperature) == (None, None)
        expected = [d for d in o.days() if d < min(o.ended_on or today, today)]
        missed_days += len(set(expected) - set(days))
        fevers += sum(c.temperature >= FEVER_AT for c in check_ins)
        # the person's status is what the actions leave
        status = {
            Status.ACTIVE: PersonStatus.HOME_OBSERVATION,
            Status.RELEASED: PersonStatus.NORMAL,
            Status.REFERRED: PersonStatus.REFERRED,
        }[Status(o.status)]
        if o.person_id not in later:  # the outbreak's actions speak last for its people
            assert o.person.status == status, (o.pk, o.status, o.person.status)
        if o.status == Status.RELEASED:
            assert o.ended_on == o.end_date < today
        if o.status == Status.REFERRED:
            assert check_ins[-1].day == o.ended_on and check_ins[-1].temperature >= FEVER_AT
    referred_at_door = screenings.filter(outcome=Outcome.FEVER_CLINIC).values_list(
        "person__status", flat=True
    )
    assert set(referred_at_door) <= {PersonStatus.REFERRED}
    return {
        "screenings": screenings.count(),
        "observations": Counter(o.status for o in observations),
        "check_ins": sum(len(v) for v in by_observation.values()),
        "missed_days": missed_days,
        "fevers": fevers,
        "expected_days": sum(len([d for d in o.days() if d < today]) for o in observations),
    }


def test_the_sweep_follows_the_rules_and_gives_the_grid_worker_a_day(
    tree: SimpleNamespace, make_user: Any
) -> None:
    # given the demo county's people, Hubei as key area and the grid worker of 第一网格
    load_population(county_code=NANGUAN, households_per_grid=(30, 40))
    load_key_areas()
    wangge = make_user(tree.grid1, roles=[Role.GRID_WORKER], username="wangge")
    county = Division.objects.get(code=NANGUAN)
    today = timezone.localdate()
    before = AuditEvent.objects.count()

    # when the sweep is loaded
    result = load_screening(county_code=NANGUAN)

    # then every record is one the rules and actions could have made
    figures = assert_as_the_actions_would(county.path, today)
    assert result["screenings"] == figures["screenings"] > 0
    assert result["observations"] == sum(figures["observations"].values())
    assert result["check_ins"] == figures["check_ins"]
    # most households are screened, each on one day, by the grid's worker where it has one
    screenings = Screening.objects.filter(division_path__startswith=county.path)
    screened = screenings.values("person__household").distinct().count()
    assert screened >= 0.75 * Household.objects.filter(grid__in=[tree.grid1, tree.grid2]).count()
    assert set(screenings.filter(grid=tree.grid1).values_list("created_by", flat=True)) == {
        wangge.pk
    }
    assert set(screenings.filter(grid=tree.grid2).values_list("created_by", flat=True)) == {None}
    # the grid worker's phone: screened today and this week, three under observation, one who
    # missed yesterday's check-in, one with a fever today, one whose 14 days are over
    mine = Screening.objects.visible_to(wangge)
    assert mine.filter(screened_on=today).exists()
    assert mine.filter(screened_on__range=(today - dt.timedelta(days=6), today)).count() > 10
    observations = Observation.objects.visible_to(wangge)
    assert observations.filter(status=Status.ACTIVE).count() == 3
    assert observations.filter(status=Status.RELEASED).count() == 1
    todo = selectors.todo(wangge)
    assert todo["missed_count"] == 1
    assert todo["fever_count"] == 1
    assert todo["fever"][0].last_check_in_on == today
    assert figures["missed_days"] >= 2 and figures["fevers"] >= 1
    # one audit row records the load
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.get(action="demo.screening")
    assert event.division_path == county.path
    assert event.changes["screenings"] == [0, result["screenings"]]

    # when it is loaded again, nothing is created
    assert load_screening(county_code=NANGUAN) == dict.fromkeys(result, 0)
    assert screenings.count() == result["screenings"]
    assert AuditEvent.objects.count() == before + 1


def test_the_demo_has_a_county_wide_sweep(db: Any) -> None:
    # when the whole demo is loaded (twice)
    result = load_demo()
    again = load_demo()

    # then the county was swept over two weeks, a few hundred are or were under observation
    county = Division.objects.get(code=NANGUAN)
    today = timezone.localdate()
    figures = assert_as_the_actions_would(county.path, today)
    households = Household.objects.filter(division_path__startswith=county.path).count()
    screened = (
        Screening.objects.filter(division_path__startswith=county.path)
        .values("person__household")
        .distinct()
        .count()
    )
    assert 0.8 <= screened / households <= 0.95
    assert result["screenings"] == figures["screenings"]
    observations = figures["observations"]
    assert 150 <= sum(observations.values()) <= 700
    assert result["observations_active"] == observations[Status.ACTIVE] >= 100
    assert observations[Status.RELEASED] >= 20
    assert 1 <= observations[Status.REFERRED] <= 2
    outcomes = Counter(
        Screening.objects.filter(division_path__startswith=county.path).values_list(
            "outcome", flat=True
        )
    )
    assert 10 <= outcomes[Outcome.FEVER_CLINIC] <= 100
    screened_days = set(
        Screening.objects.filter(division_path__startswith=county.path).values_list(
            "screened_on", flat=True
        )
    )
    assert screened_days == {today - dt.timedelta(days=n) for n in range(14)}
    # about one check-in day in twenty missed, a few fevers, and yesterday's misses to do
    assert 0.03 <= figures["missed_days"] / figures["expected_days"] <= 0.12
    assert figures["fevers"] >= 5
    assert (
        # besides the outbreak's discharged case, observed at home after discharge
        Person.objects.filter(status=PersonStatus.HOME_OBSERVATION)
        .exclude(pk__in=Case.objects.values("person_id"))
        .count()
        == (observations[Status.ACTIVE])
    )
    nanguan = User.objects.get(username="nanguan")  # the county command office
    yesterday = today - dt.timedelta(days=1)
    assert selectors.missed_check_ins(nanguan, yesterday).count() >= 5
    assert selectors.with_fever(nanguan).exists()
    # and the second load created nothing
    assert again["screenings"] == again["observations"] == again["check_ins"] == 0
