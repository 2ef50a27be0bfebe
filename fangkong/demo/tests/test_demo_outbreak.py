"""The demo outbreak (issue #9): what the county's staff would check after ``make demo``."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.cases.choices import CaseOutcome, Category, Importation, Result
from fangkong.cases.models import Case, ClinicVisit, Sample
from fangkong.demo.outbreak import STORIES, load_outbreak
from fangkong.demo.population import load_population
from fangkong.investigation.choices import MovementTransport
from fangkong.investigation.documents import trajectory_notice
from fangkong.investigation.models import Investigation, Movement
from fangkong.medical.choices import FacilityKind
from fangkong.medical.models import Facility
from fangkong.observation.choices import Kind
from fangkong.observation.models import Observation
from fangkong.outbreaks.choices import Grade, UnitKind
from fangkong.outbreaks.models import Cluster, RiskGrade
from fangkong.regions.models import Division
from fangkong.tracing.choices import ContactKind, ContactStatus, HandoverState
from fangkong.tracing.models import Contact, Handover

NANGUAN = "220102000000"
CHANGYI = "220202000000"  # the test tree's other county stands in for 朝阳区


def _generation(case: Case, cases: dict[int, Case]) -> int:
    """How many cases up the chain (contact → became case) the case is from the index."""
    generation = 0
    while True:
        contact = Contact.objects.filter(became_case=case).order_by("pk").first()
        if contact is None:
            return generation
        case = cases[contact.case_id]
        generation += 1


def test_the_demo_outbreak_spreads_is_traced_and_raises_the_grade(
    tree: SimpleNamespace, make_user: Any, client_for: Any
) -> None:
    # given the demo county's people (the test tree's 南关区) and a sibling county
    load_population(county_code=NANGUAN, households_per_grid=(80, 90))
    county = Division.objects.get(code=NANGUAN)
    today = timezone.localdate()

    # when the outbreak is loaded
    result = load_outbreak(county_code=NANGUAN, sibling_code=CHANGYI)

    # then the county has about a dozen cases, counted where they live
    cases = {c.pk: c for c in Case.objects.filter(county=county)}
    counted = [c for c in cases.values() if c.category != Category.EXCLUDED]
    assert len(counted) == len(STORIES) == result["cases"] == 12
    categories = Counter(c.category for c in counted)
    assert categories[Category.CONFIRMED] == 10 and categories[Category.ASYMPTOMATIC] == 2
    # an imported index case from Wuhan, and three generations after it, over two weeks
    generations = Counter(_generation(c, cases) for c in counted)
    assert generations == {0: 1, 1: 4, 2: 3, 3: 4}
    index = next(c for c in counted if _generation(c, cases) == 0)
    assert index.import_status == Importation.OTHER_PROVINCE and "武汉" in index.origin
    first_day = min(timezone.localtime(c.diagnosed_at).date() for c in counted)
    assert today - dt.timedelta(days=16) <= first_day <= today - dt.timedelta(days=10)
    # every case has its positive result; all but the newest reported to the national system
    for case in counted:
        assert case.samples.filter(result=Result.POSITIVE).exists(), case.number
    assert Case.objects.filter(county=county, national_reported_at=None).count() == 1
    # the newest was seen at the fever clinic while under observation and is confirmed today
    visit = (
        ClinicVisit.objects.filter(case__county=county)
        .exclude(case__category=Category.EXCLUDED)
        .get()
    )
    assert visit.case is not None and visit.case.category == Category.CONFIRMED
    # one suspected case excluded on two negatives at least 24 h apart
    excluded = Case.objects.get(county=county, category=Category.EXCLUDED)
    negatives = sorted(excluded.samples.values_list("sampled_at", flat=True))
    assert len(negatives) == 2 and negatives[1] - negatives[0] >= dt.timedelta(hours=24)
    assert excluded.outcome == CaseOutcome.CLOSED
    # the index case discharged today, then 14 days of home observation
    index.refresh_from_db()
    assert index.outcome == CaseOutcome.DISCHARGED and index.discharged_on == today
    assert Observation.objects.filter(person=index.person, kind=Kind.HOME, status="active").exists()

    # investigations with places: the market, the workplace, the train with its seat
    assert Investigation.objects.filter(case__county=county).count() == 12
    movements = Movement.objects.filter(investigation__case__county=county)
    train = movements.get(transport=MovementTransport.TRAIN)
    assert train.transport_number and train.seat and train.investigation.case == index
    place_kinds = set(movements.values_list("place__kind", flat=True))
    assert {"market", "workplace", "station", "home", "hospital"} <= place_kinds
    # and their public notices give each home only as its community (no address, no number)
    for investigation in Investigation.objects.filter(case__county=county).select_related(
        "case", "case__person", "case__county", "case__address_division__parent"
    ):
        notice = trajectory_notice(investigation)
        case = investigation.case
        assert case.address not in notice and "（住所）" not in notice
        assert case.number not in notice and case.person.doc_number not in notice
        assert case.person.name not in notice

    # some 150 close contacts and 400 of their contacts, most under observation
    contacts = Contact.objects.filter(division_path__startswith=county.path)
    assert contacts.filter(kind=ContactKind.CLOSE).count() >= 150
    assert contacts.filter(kind=ContactKind.SECONDARY).count() >= 400
    statuses = Counter(contacts.values_list("status", flat=True))
    assert statuses[ContactStatus.OBSERVING] >= 450
    assert statuses[ContactStatus.BECAME_CASE] == 11
    assert (
        statuses[ContactStatus.TO_FIND] >= 1 and statuses[ContactStatus.LOST] == 3
    )  # two here, one handed over

    # contacts living in the sibling county were handed over, in the expected states
    handovers = Handover.objects.filter(from_path=county.path)
    states = Counter(handovers.values_list("state", flat=True))
    assert states[HandoverState.OBSERVING] >= 5
    assert states[HandoverState.ACCEPTED] == 1
    assert states[HandoverState.NOT_FOUND] == 1
    assert states[HandoverState.SENT] == 1
    assert {h.to_path for h in handovers} == {tree.changyi.path}
    assert handovers.get(state=HandoverState.SENT).escalated_to == tree.province

    # a household and a workplace cluster
    clusters = Cluster.objects.filter(county=county)
    kinds = Counter(clusters.values_list("unit_kind", flat=True))
    assert kinds[UnitKind.HOUSEHOLD] >= 1 and kinds[UnitKind.WORKPLACE] == 1
    workplace = clusters.get(unit_kind=UnitKind.WORKPLACE)
    assert workplace.case_count >= 4

    # the county's risk grade went from low to medium over the days of the story
    history = list(
        RiskGrade.objects.filter(county=county).order_by("day").values_list("day", "grade")
    )
    assert len(history) == 16 and history[-1] == (today, Grade.MEDIUM)
    grades = [g for _day, g in history]
    assert grades[0] == Grade.LOW
    change = grades.index(Grade.MEDIUM)
    assert set(grades[:change]) == {Grade.LOW} and set(grades[change:]) == {Grade.MEDIUM}
    assert AuditEvent.objects.filter(action="outbreaks.grade_change").exists()

    # fever clinics in the county and its sibling
    assert Facility.objects.filter(
        division_path__startswith=county.path, kind=FacilityKind.FEVER_CLINIC
    ).exists()

    # and the county's health commission sees it all
    weijian = make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION])
    assert Case.objects.visible_to(weijian).filter(county=county).count() == 13
    assert Sample.objects.visible_to(weijian).count() >= 15

    # when it is loaded again, nothing is created
    again = load_outbreak(county_code=NANGUAN, sibling_code=CHANGYI)
    assert again["cases"] == 0 and Case.objects.filter(county=county).count() == 13
    assert AuditEvent.objects.filter(action="demo.outbreak").count() == 1
