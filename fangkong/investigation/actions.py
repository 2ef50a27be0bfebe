"""Every write of the epidemiological investigation (流调): open it, record places and movements,
possible sources, complete it. Each audited in its transaction, each inside the actor's subtree
(the investigation's ``division_path`` is the case's)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import diff, record, snapshot
from fangkong.cases.choices import Category
from fangkong.cases.models import Case
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import ensure_in_scope, scope_of
from fangkong.core.validators import clean_prose
from fangkong.investigation.choices import (
    LOOKBACK_DAYS,
    InvestigationStatus,
    MovementTransport,
    PlaceKind,
    Protection,
    SourceKind,
)
from fangkong.investigation.models import Investigation, Movement, Place, SourceLead
from fangkong.regions.models import Division

if TYPE_CHECKING:
    from fangkong.accounts.models import User

NUMBERED_TRANSPORT = (MovementTransport.TRAIN, MovementTransport.FLIGHT)
MOVEMENT_FIELDS = [
    "day",
    "start_time",
    "end_time",
    "place",
    "transport",
    "transport_number",
    "seat",
    "people_met",
    "protection",
    "note",
]


def province_prefix(path: str) -> str:
    """The path of the province a division path lies in ("22/2201/…" → "22/")."""
    return path.split("/", 1)[0] + "/"


def isolation_moment(case: Case) -> dt.datetime:
    """When the case was isolated (就地隔离), else diagnosed: movements end there."""
    return case.isolated_at or case.diagnosed_at


def window_of(case: Case) -> tuple[dt.date, dt.date]:
    """Movements are recorded from 14 days before onset (or the first positive sample) to the
    day the case was isolated."""
    end = timezone.localtime(isolation_moment(case)).date()
    start = case.infection_date - dt.timedelta(days=LOOKBACK_DAYS)
    return min(start, end), end


@transaction.atomic
def open_investigation(*, actor: User | None, case: Case, investigator_name: str) -> Investigation:
    """Start the investigation of a case (one per case)."""
    ensure_in_scope(actor, case.division_path)
    if case.category == Category.EXCLUDED:
        raise ActionError(
            _("This case has been excluded; it is not investigated."),
            code="case_excluded",
            field="case",
        )
    name = clean_prose(
        investigator_name,
        field="investigator_name",
        limit=50,
        required=_("Enter the investigator's name."),
    )
    if Investigation.objects.select_for_update().filter(case=case).exists():
        raise ActionError(
            _("This case already has an investigation."), code="already_open", field="case"
        )
    start, end = window_of(case)
    try:
        with transaction.atomic():
            investigation = Investigation.objects.create(
                case=case,
                division_path=case.division_path,
                investigator=actor,
                investigator_name=name,
                window_start=start,
                window_end=end,
                started_at=timezone.now(),
            )
    except IntegrityError:
        raise ActionError(
            _("This case already has an investigation."), code="already_open", field="case"
        ) from None
    record(
        actor=actor,
        action="investigation.open",
        obj=investigation,
        division_path=investigation.division_path,
        changes=snapshot(
            investigation, ["case", "investigator_name", "window_start", "window_end"]
        ),
    )
    return investigation


def _coordinate(value: Decimal | float | str | None, *, field: str, bound: int) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        number = Decimal("NaN")
    if not number.is_finite() or not -bound <= number <= bound:
        raise ActionError(
            _("Enter a number between -%(b)s and %(b)s.") % {"b": bound},
            code=f"bad_{field}",
            field=field,
        )
    return number.quantize(Decimal("0.000001"))


@transaction.atomic
def record_place(
    *,
    actor: User | None,
    name: str,
    kind: str,
    address: str = "",
    division: Division,
    lon: Decimal | float | str | None = None,
    lat: Decimal | float | str | None = None,
) -> Place:
    """The place named ``name`` in ``division``: found when already recorded, else recorded.

    Places are public venues (a market, a station), not personal data: any investigator of the
    province may record one anywhere in the province, because cases go to markets outside their
    own county; what is written about a case (its movements) stays in the case's jurisdiction.
    """
    scope = scope_of(actor) if actor is not None else ""
    if scope is None or (
        actor is not None and scope and not division.path.startswith(province_prefix(scope))
    ):
        raise ActionError(
            _("Places are recorded in your own province."),
            code="place_other_province",
            field="division",
        )
    name = clean_prose(name, field="place_name", limit=100, required=_("Enter the place's name."))
    if kind not in PlaceKind.values:
        raise ActionError(_("Choose the kind of place."), code="bad_kind", field="kind")
    address = clean_prose(address, field="address", limit=200)
    longitude = _coordinate(lon, field="longitude", bound=180)
    latitude = _coordinate(lat, field="latitude", bound=90)
    found = Place.objects.filter(division=division, name=name).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            place = Place.objects.create(
                name=name,
                kind=kind,
                address=address,
                division=division,
                division_path=division.path,
                longitude=longitude,
                latitude=latitude,
                created_by=actor,
            )
    except IntegrityError:  # recorded at the same moment by another investigator
        return Place.objects.get(division=division, name=name)
    record(
        actor=actor,
        action="investigation.place",
        obj=place,
        division_path=place.division_path,
        changes=snapshot(place, ["name", "kind", "address", "division"]),
    )
    return place


def _check_open(investigation: Investigation) -> None:
    if investigation.status != InvestigationStatus.OPEN:
        raise ActionError(
            _("This investigation is complete; it can no longer be changed."),
            code="investigation_complete",
        )


def _format_day(day: dt.date) -> str:
    return day.isoformat()


def _check_movement(
    investigation: Investigation,
    *,
    day: dt.date,
    start_time: dt.time | None,
    end_time: dt.time | None,
    transport: str,
    transport_number: str,
) -> None:
    isolated = timezone.localtime(isolation_moment(investigation.case))
    if day > isolated.date() or (
        day == isolated.date() and start_time is not None and start_time >= isolated.time()
    ):
        raise ActionError(
            _(
                "The case was isolated on %(moment)s; movements after the isolation are not "
                "recorded here."
            )
            % {"moment": isolated.strftime("%Y-%m-%d %H:%M")},
            code="after_isolation",
            field="day",
        )
    if not investigation.window_start <= day <= investigation.window_end:
        raise ActionError(
            _("The day must be inside the investigation's window, %(start)s to %(end)s.")
            % {
                "start": _format_day(investigation.window_start),
                "end": _format_day(investigation.window_end),
            },
            code="outside_window",
            field="day",
        )
    if start_time is not None and end_time is not None and end_time <= start_time:
        raise ActionError(
            _("The end time must be after the start time."),
            code="end_before_start",
            field="end_time",
        )
    if end_time is not None and start_time is None:
        raise ActionError(_("Enter the start time too."), code="start_required", field="start_time")
    if transport and transport not in MovementTransport.values:
        raise ActionError(
            _("Choose a means of transport."), code="bad_transport", field="transport"
        )
    if transport in NUMBERED_TRANSPORT and not transport_number:
        raise ActionError(
            _("Enter the train or flight number."),
            code="number_required",
            field="transport_number",
        )


def _movement_values(
    investigation: Investigation,
    *,
    day: dt.date,
    start_time: dt.time | None,
    end_time: dt.time | None,
    place: Place,
    transport: str,
    transport_number: str,
    seat: str,
    people_met: str,
    protection: str,
    note: str,
) -> dict[str, object]:
    transport = transport or ""
    number = clean_prose(transport_number, field="transport_number", limit=16).upper()
    _check_movement(
        investigation,
        day=day,
        start_time=start_time,
        end_time=end_time,
        transport=transport,
        transport_number=number,
    )
    if protection not in Protection.values:
        raise ActionError(_("Choose the protection."), code="bad_protection", field="protection")
    return {
        "day": day,
        "start_time": start_time,
        "end_time": end_time,
        "place": place,
        "transport": transport,
        "transport_number": number,
        "seat": clean_prose(seat, field="seat", limit=16),
        "people_met": clean_prose(people_met, field="people_met", limit=300),
        "protection": protection,
        "note": clean_prose(note, field="note", limit=300),
    }


def _lock(investigation: Investigation) -> Investigation:
    locked = (
        Investigation.objects.select_for_update().select_related("case").get(pk=investigation.pk)
    )
    return locked


@transaction.atomic
def add_movement(
    *,
    actor: User | None,
    investigation: Investigation,
    day: dt.date,
    place: Place,
    start_time: dt.time | None = None,
    end_time: dt.time | None = None,
    transport: str = "",
    transport_number: str = "",
    seat: str = "",
    people_met: str = "",
    protection: str = Protection.NONE,
    note: str = "",
) -> Movement:
    """Record where the case was during part of a day."""
    ensure_in_scope(actor, investigation.division_path)
    investigation = _lock(investigation)
    _check_open(investigation)
    values = _movement_values(
        investigation,
        day=day,
        start_time=start_time,
        end_time=end_time,
        place=place,
        transport=transport,
        transport_number=transport_number,
        seat=seat,
        people_met=people_met,
        protection=protection,
        note=note,
    )
    movement = Movement.objects.create(
        investigation=investigation, division_path=investigation.division_path, **values
    )
    record(
        actor=actor,
        action="investigation.movement",
        obj=movement,
        division_path=movement.division_path,
        changes=snapshot(movement, MOVEMENT_FIELDS),
    )
    Investigation.objects.filter(pk=investigation.pk).update(updated_at=timezone.now())
    return movement


@transaction.atomic
def update_movement(
    *,
    actor: User | None,
    movement: Movement,
    day: dt.date,
    place: Place,
    start_time: dt.time | None = None,
    end_time: dt.time | None = None,
    transport: str = "",
    transport_number: str = "",
    seat: str = "",
    people_met: str = "",
    protection: str = Protection.NONE,
    note: str = "",
) -> Movement:
    ensure_in_scope(actor, movement.division_path)
    investigation = _lock(movement.investigation)
    _check_open(investigation)
    values = _movement_values(
        investigation,
        day=day,
        start_time=start_time,
        end_time=end_time,
        place=place,
        transport=transport,
        transport_number=transport_number,
        seat=seat,
        people_met=people_met,
        protection=protection,
        note=note,
    )
    before = snapshot(movement, MOVEMENT_FIELDS)
    for key, value in values.items():
        setattr(movement, key, value)
    movement.save()
    record(
        actor=actor,
        action="investigation.movement_change",
        obj=movement,
        division_path=movement.division_path,
        changes=diff(before, snapshot(movement, MOVEMENT_FIELDS)),
    )
    return movement


@transaction.atomic
def remove_movement(*, actor: User | None, movement: Movement) -> None:
    ensure_in_scope(actor, movement.division_path)
    investigation = _lock(movement.investigation)
    _check_open(investigation)
    before = snapshot(movement, MOVEMENT_FIELDS)
    record(
        actor=actor,
        action="investigation.movement_remove",
        obj=movement,
        division_path=movement.division_path,
        changes=before,
    )
    movement.delete()


@transaction.atomic
def add_source(
    *,
    actor: User | None,
    investigation: Investigation,
    kind: str,
    source_case: Case | None = None,
    place: Place | None = None,
    area: str = "",
    note: str = "",
) -> SourceLead:
    """A possible source: a known case (visible to the actor, not the case itself), a place,
    travel from a key area, or unknown."""
    ensure_in_scope(actor, investigation.division_path)
    investigation = _lock(investigation)
    _check_open(investigation)
    area = clean_prose(area, field="area", limit=100)
    note = clean_prose(note, field="note", limit=300)
    if kind not in SourceKind.values:
        raise ActionError(_("Choose the kind of source."), code="bad_kind", field="kind")
    if kind == SourceKind.CASE:
        if source_case is None:
            raise ActionError(
                _("Choose the source case."), code="source_case_required", field="source_case"
            )
        if source_case.pk == investigation.case_id:
            raise ActionError(
                _("A case cannot be its own source."), code="self_source", field="source_case"
            )
        if (
            actor is not None
            and not Case.objects.visible_to(actor).filter(pk=source_case.pk).exists()
        ):
            raise ActionError(
                _("No such case in your jurisdiction."), code="unknown_case", field="source_case"
            )
        place, area = None, ""
    elif kind == SourceKind.PLACE:
        if place is None:
            raise ActionError(_("Choose the place."), code="place_required", field="place")
        source_case, area = None, ""
    elif kind == SourceKind.KEY_AREA:
        if not area:
            raise ActionError(
                _("Enter the key area the case came from."), code="area_required", field="area"
            )
        source_case, place = None, None
    else:
        source_case, place, area = None, None, ""
    if SourceLead.objects.filter(
        investigation=investigation, kind=kind, source_case=source_case, place=place, area=area
    ).exists():
        raise ActionError(
            _("This source is already recorded."), code="duplicate_source", field="kind"
        )
    source = SourceLead.objects.create(
        investigation=investigation,
        kind=kind,
        source_case=source_case,
        place=place,
        area=area,
        note=note,
    )
    record(
        actor=actor,
        action="investigation.source",
        obj=source,
        division_path=investigation.division_path,
        changes=snapshot(source, ["kind", "source_case", "place", "area", "note"]),
    )
    return source


@transaction.atomic
def complete_investigation(
    *, actor: User | None, investigation: Investigation, conclusion: str
) -> Investigation:
    """Close the investigation with its conclusion (the movements and sources are then fixed)."""
    ensure_in_scope(actor, investigation.division_path)
    investigation = _lock(investigation)
    _check_open(investigation)
    investigation.conclusion = clean_prose(
        conclusion,
        field="conclusion",
        limit=4000,
        required=_("Write the conclusion of the investigation."),
    )
    investigation.status = InvestigationStatus.COMPLETE
    investigation.completed_at = timezone.now()
    investigation.save(update_fields=["conclusion", "status", "completed_at", "updated_at"])
    record(
        actor=actor,
        action="investigation.complete",
        obj=investigation,
        division_path=investigation.division_path,
        changes={"conclusion": investigation.conclusion},
    )
    return investigation


@transaction.atomic
def record_export(*, actor: User | None, investigation: Investigation, fmt: str) -> None:
    """The report left the system as a file: who took it, and which."""
    ensure_in_scope(actor, investigation.division_path)
    record(
        actor=actor,
        action="investigation.export",
        obj=investigation,
        division_path=investigation.division_path,
        changes={"format": fmt},
    )
