"""Small record factories for the zero-reporting tests: the figures only read these tables,
so records are written directly with just the fields that matter."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from decimal import Decimal

from django.utils import timezone

from fangkong.care.choices import CareKind, CareStatus
from fangkong.care.models import CareRequest
from fangkong.checkpoints.choices import HandoverStatus
from fangkong.checkpoints.models import Checkpoint, Handover, Passage, PassagePerson
from fangkong.observation.choices import Source, Status
from fangkong.observation.models import CheckIn, Observation
from fangkong.people import actions as people_actions
from fangkong.people.choices import DocType
from fangkong.people.idcard import compose_resident_id
from fangkong.people.models import Person
from fangkong.regions.models import Division
from fangkong.screening.choices import Outcome
from fangkong.screening.models import Screening

_n = itertools.count(1)


def person(grid: Division) -> Person:
    n = next(_n)
    p, _created = people_actions.register_person(
        actor=None,
        grid=grid,
        name=f"测试居民{n}号",
        doc_type=DocType.RESIDENT_ID,
        doc_number=compose_resident_id(
            "220102", dt.date(1950, 1, 1) + dt.timedelta(days=n * 37 + 11), n % 1000
        ),
        phone=f"138{n:08d}",
        address=f"华阳街{n}号",
    )
    return p


def screening(grid: Division, day: dt.date, temperature: str = "36.5") -> Screening:
    return Screening.objects.create(
        person=person(grid),
        grid=grid,
        division_path=grid.path,
        screened_on=day,
        temperature=Decimal(temperature),
        outcome=Outcome.NO_RISK,
    )


def observation(
    grid: Division,
    start: dt.date,
    *,
    days: int = 14,
    status: str = Status.ACTIVE,
    ended_on: dt.date | None = None,
) -> Observation:
    return Observation.objects.create(
        person=person(grid),
        grid=grid,
        division_path=grid.path,
        reason="测试",
        last_exposure=start,
        start_date=start,
        end_date=start + dt.timedelta(days=days),
        status=status,
        ended_on=ended_on,
        link_nonce=uuid.uuid4().hex,
    )


def check_in(obs: Observation, day: dt.date, temperature: str = "36.6") -> CheckIn:
    return CheckIn.objects.create(
        observation=obs,
        division_path=obs.division_path,
        day=day,
        temperature=Decimal(temperature),
        source=Source.WORKER,
        client_uuid=uuid.uuid4(),
    )


def handover(grid: Division, checkpoint_division: Division, at: dt.datetime) -> Handover:
    site = Checkpoint.objects.create(
        name=f"测试卡口{next(_n)}",
        kind="urban_fringe",
        longitude=Decimal("125.3"),
        latitude=Decimal("43.8"),
        division=checkpoint_division,
        division_path=checkpoint_division.path,
    )
    passage = Passage.objects.create(
        uuid=uuid.uuid4(),
        checkpoint=site,
        division_path=site.division_path,
        plate="吉A12345",
        direction="in",
        passed_at=at,
        n_people=1,
        n_flagged=1,
        source="web",
    )
    entry = PassagePerson.objects.create(
        passage=passage,
        division_path=site.division_path,
        name="过往人员",
        doc_type=DocType.RESIDENT_ID,
        doc_number="220102199001011234",
        origin_name="武汉市",
        destination=grid,
        destination_path=grid.path,
        temperature=Decimal("37.8"),
        flagged=True,
    )
    h = Handover.objects.create(entry=entry, destination=grid, destination_path=grid.path)
    Handover.objects.filter(pk=h.pk).update(created_at=at)
    return h


def care(
    grid: Division,
    requested_on: dt.date,
    *,
    closed_at: dt.datetime | None = None,
) -> CareRequest:
    return CareRequest.objects.create(
        grid=grid,
        division_path=grid.path,
        person=person(grid),
        kind=CareKind.FOOD,
        description="代购米面油",
        requested_on=requested_on,
        due_on=requested_on + dt.timedelta(days=2),
        status=CareStatus.CANCELLED if closed_at else CareStatus.OPEN,
        assignee=None,
        closed_at=closed_at,
    )


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def handled(h: Handover, at: dt.datetime) -> Handover:
    """Mark a hand-over handled at ``at`` (what checkpoints.actions.handle_handover stores)."""
    Handover.objects.filter(pk=h.pk).update(status=HandoverStatus.HANDLED, handled_at=at)
    h.refresh_from_db()
    return h
