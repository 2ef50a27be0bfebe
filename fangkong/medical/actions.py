"""Every write to medical facilities, each audited in its transaction and kept inside the
actor's jurisdiction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import record
from fangkong.core.errors import ActionError, Conflict
from fangkong.core.jurisdiction import ensure_in_scope
from fangkong.core.parsing import check_date
from fangkong.core.validators import clean_line
from fangkong.medical.choices import BED_TYPES_BY_KIND, BedType, FacilityKind, FacilityLevel
from fangkong.medical.models import BedDay, Expert, Facility, Ward
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

if TYPE_CHECKING:
    from fangkong.accounts.models import User

FIELDS = (
    "name",
    "kind",
    "division",
    "address",
    "phone",
    "longitude",
    "latitude",
    "active",
    "level",
    "contact_name",
    "opened_on",
    "closed_on",
)
MAX_BEDS = 10_000  # beds of one ward (the largest makeshift hospitals of 2022 held ~6,000)


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    clean["name"] = clean_line(
        data.get("name"), field="name", limit=100, required=_("Enter the facility's name.")
    )
    kind = data.get("kind")
    if kind not in FacilityKind.values:
        raise ActionError(_("Choose the kind of facility."), code="bad_kind", field="kind")
    clean["kind"] = kind
    division = data.get("division")
    if not isinstance(division, Division) or division.level > Level.VILLAGE or not division.active:
        raise ActionError(
            _("A facility belongs to an active division from a county down to a village."),
            code="bad_division",
            field="division",
        )
    if division.level < Level.COUNTY:
        raise ActionError(
            _("A facility belongs to an active division from a county down to a village."),
            code="bad_division",
            field="division",
        )
    clean["division"] = division
    clean["address"] = clean_line(data.get("address"), field="address", limit=200)
    clean["phone"] = clean_line(data.get("phone"), field="phone", limit=20)
    for field, bound in (("longitude", 180), ("latitude", 90)):
        value = data.get(field)
        if value in (None, ""):
            clean[field] = None
            continue
        try:
            number = Decimal(str(value)).quantize(Decimal("0.000001"))
        except Exception:
            number = None
        if number is None or not number.is_finite() or abs(number) > bound:
            raise ActionError(
                _("Longitude and latitude are degrees (longitude ±180, latitude ±90)."),
                code=f"bad_{field}",
                field=field,
            )
        clean[field] = number
    clean["active"] = bool(data.get("active", True))
    level = data.get("level") or FacilityLevel.NONE
    if level not in FacilityLevel.values:
        raise ActionError(_("Choose the level of the facility."), code="bad_level", field="level")
    clean["level"] = level
    clean["contact_name"] = clean_line(data.get("contact_name"), field="contact_name", limit=50)
    clean["opened_on"] = _day(data.get("opened_on"), "opened_on")
    clean["closed_on"] = _day(data.get("closed_on"), "closed_on")
    if clean["opened_on"] and clean["closed_on"] and clean["closed_on"] < clean["opened_on"]:
        raise ActionError(
            _("A facility cannot close before it opened."),
            code="closed_before_opened",
            field="closed_on",
        )
    return clean


def _day(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, dt.date):
        raise ActionError(_("Enter a date."), code=f"bad_{field}", field=field)
    return check_date(value, field=field)


def count(value: Any, *, field: str, maximum: int = MAX_BEDS) -> int:
    """A number of beds: a whole number from 0 to ``maximum`` (``3.5``, ``-1``, ``1e3`` and
    ``True`` are refused)."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    if not isinstance(value, int) or not 0 <= value <= maximum:
        raise ActionError(
            _("A number of beds is a whole number from 0 to %(max)s.") % {"max": maximum},
            code=f"bad_{field}",
            field=field,
        )
    return value


def _save(facility: Facility, unique_name: str) -> None:
    try:
        with transaction.atomic():
            facility.save()
    except IntegrityError as exc:
        raise Conflict(
            _("A facility named %(name)s is already recorded in this division.")
            % {"name": unique_name},
            code="facility_exists",
            field="name",
        ) from exc


@transaction.atomic
def create_facility(*, actor: User | None, **data: Any) -> Facility:
    """Add a fever clinic, hospital, isolation site or laboratory in a division."""
    clean = _clean(data)
    division: Division = clean["division"]
    ensure_in_scope(actor, division.path)
    facility = Facility(**clean, division_path=division.path)
    _save(facility, clean["name"])
    record(
        actor=actor,
        action="medical.facility_create",
        obj=facility,
        division_path=facility.division_path,
        changes={k: [None, str(v)] for k, v in clean.items() if v not in (None, "")},
    )
    return facility


@transaction.atomic
def update_facility(*, actor: User | None, facility: Facility, **data: Any) -> Facility:
    """Change a facility (its name, kind, division, contact, whether it is open)."""
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    ensure_in_scope(actor, facility.division_path)
    clean = _clean(data)
    division: Division = clean["division"]
    ensure_in_scope(actor, division.path)
    changes = {
        k: [str(getattr(facility, k)), str(v)]
        for k, v in clean.items()
        if getattr(facility, k) != v
    }
    if not clean["active"] and facility.active:
        in_use = Ward.objects.filter(facility=facility).aggregate(
            n=Sum(F("occupied") + F("reserved"))
        )["n"]
        if in_use:
            raise ActionError(
                _(
                    "%(name)s still holds %(n)s patients or reserved beds: transfer or discharge "
                    "them before closing it."
                )
                % {"name": facility.name, "n": in_use},
                code="facility_not_empty",
                field="active",
            )
    for k, v in clean.items():
        setattr(facility, k, v)
    facility.division_path = division.path
    _save(facility, clean["name"])
    _wards_follow(facility)
    record(
        actor=actor,
        action="medical.facility_update",
        obj=facility,
        division_path=facility.division_path,
        changes=changes,
    )
    return facility


def _wards_follow(facility: Facility) -> None:
    """A ward copies its facility's path and kind (the board groups wards alone)."""
    Ward.objects.filter(facility=facility).update(
        division_path=facility.division_path, facility_kind=facility.kind
    )


# --- experts on site (集中专家) ------------------------------------------------------------


@transaction.atomic
def add_expert(
    *,
    actor: User | None,
    facility: Facility,
    name: str,
    specialty: str,
    home_hospital: str,
    since: dt.date | None,
) -> Expert:
    """Record an expert sent to a facility, on site from ``since``."""
    ensure_in_scope(actor, facility.division_path)
    expert = Expert(
        facility=facility,
        division_path=facility.division_path,
        name=clean_line(name, field="name", limit=50, required=_("Enter the expert's name.")),
        specialty=clean_line(
            specialty, field="specialty", limit=50, required=_("Enter the expert's specialty.")
        ),
        home_hospital=clean_line(
            home_hospital,
            field="home_hospital",
            limit=100,
            required=_("Enter the hospital the expert comes from."),
        ),
        since=_day(since, "since") or timezone.localdate(),
    )
    if expert.since > timezone.localdate():
        raise ActionError(
            _("An expert on site cannot arrive in the future."), code="bad_since", field="since"
        )
    expert.save()
    record(
        actor=actor,
        action="medical.expert_add",
        obj=expert,
        division_path=expert.division_path,
        changes={
            "facility": [None, facility.name],
            "name": [None, expert.name],
            "specialty": [None, expert.specialty],
            "home_hospital": [None, expert.home_hospital],
            "since": [None, expert.since.isoformat()],
        },
    )
    return expert


@transaction.atomic
def end_expert(*, actor: User | None, expert: Expert, until: dt.date | None = None) -> Expert:
    """The expert has left the facility on ``until`` (today by default)."""
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    ensure_in_scope(actor, expert.division_path)
    until = _day(until, "until") or timezone.localdate()
    if expert.until is not None:
        raise Conflict(_("This expert has already left."), code="expert_left")
    if until < expert.since or until > timezone.localdate():
        raise ActionError(
            _("The day an expert leaves lies between their arrival and today."),
            code="bad_until",
            field="until",
        )
    expert.until = until
    expert.save(update_fields=["until"])
    record(
        actor=actor,
        action="medical.expert_leave",
        obj=expert,
        division_path=expert.division_path,
        changes={"until": [None, until.isoformat()]},
    )
    return expert


# --- wards and beds (集中资源) -------------------------------------------------------------


def _bed_type(value: Any, facility: Facility) -> str:
    if value not in BedType.values:
        raise ActionError(_("Choose the type of bed."), code="bad_bed_type", field="bed_type")
    allowed = BED_TYPES_BY_KIND.get(facility.kind, ())
    if value not in allowed:
        raise ActionError(
            _("A %(kind)s holds no %(type)s.")
            % {"kind": facility.get_kind_display(), "type": BedType(value).label},
            code="bed_type_not_here",
            field="bed_type",
        )
    return str(value)


@transaction.atomic
def create_ward(
    *,
    actor: User | None,
    facility: Facility,
    name: str,
    bed_type: str,
    capacity: Any,
    out_of_service: Any = 0,
) -> Ward:
    """Open a ward of one bed type in a facility with its number of beds."""
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    ensure_in_scope(actor, facility.division_path)
    if not facility.active:
        raise ActionError(
            _("%(name)s is closed: reopen it before adding wards.") % {"name": facility.name},
            code="facility_closed",
        )
    name = clean_line(name, field="name", limit=50, required=_("Enter the ward's name."))
    kind = _bed_type(bed_type, facility)
    beds = count(capacity, field="capacity")
    broken = count(out_of_service, field="out_of_service")
    if broken > beds:
        raise ActionError(
            _("Beds out of service cannot exceed the ward's beds."),
            code="bad_out_of_service",
            field="out_of_service",
        )
    if Ward.objects.filter(facility=facility, name=name).exists():
        raise Conflict(
            _("%(facility)s already has a ward named %(name)s.")
            % {"facility": facility.name, "name": name},
            code="ward_exists",
            field="name",
        )
    ward = Ward.objects.create(
        facility=facility,
        division_path=facility.division_path,
        facility_kind=facility.kind,
        name=name,
        bed_type=kind,
        capacity=beds,
        out_of_service=broken,
    )
    record(
        actor=actor,
        action="medical.ward_create",
        obj=ward,
        division_path=ward.division_path,
        changes={
            "facility": [None, facility.name],
            "name": [None, name],
            "bed_type": [None, kind],
            "capacity": [None, beds],
            "out_of_service": [None, broken],
        },
    )
    return ward


@transaction.atomic
def update_ward(
    *,
    actor: User | None,
    ward: Ward,
    capacity: Any,
    out_of_service: Any,
    active: bool = True,
) -> Ward:
    """Change a ward's beds, the beds out of service, or close it. Beds in use (occupied or
    reserved by an order) can never be taken away: a ward with patients cannot close and
    cannot shrink below them."""
    ward = Ward.objects.select_for_update().get(pk=ward.pk)
    ensure_in_scope(actor, ward.division_path)
    beds = count(capacity, field="capacity")
    broken = count(out_of_service, field="out_of_service")
    in_use = ward.occupied + ward.reserved
    if not active and in_use:
        raise ActionError(
            _(
                "Ward %(name)s still holds %(occupied)s patients and %(reserved)s beds reserved "
                "for arriving patients: transfer or discharge them before closing it."
            )
            % {"name": ward.name, "occupied": ward.occupied, "reserved": ward.reserved},
            code="ward_not_empty",
            field="active",
        )
    if beds < in_use + broken:
        raise ActionError(
            _(
                "Ward %(name)s has %(in_use)s beds in use: beds minus beds out of service "
                "cannot be fewer than that."
            )
            % {"name": ward.name, "in_use": in_use},
            code="beds_in_use",
            field="capacity",
        )
    changes = {
        key: [old, new]
        for key, old, new in (
            ("capacity", ward.capacity, beds),
            ("out_of_service", ward.out_of_service, broken),
            ("active", ward.active, bool(active)),
        )
        if old != new
    }
    Ward.objects.filter(pk=ward.pk).update(
        capacity=beds, out_of_service=broken, active=bool(active), updated_at=timezone.now()
    )
    ward.refresh_from_db()
    record(
        actor=actor,
        action="medical.ward_update",
        obj=ward,
        division_path=ward.division_path,
        changes=changes,
    )
    return ward


# The bed counters. Each is one conditional UPDATE, so two admissions racing for the last bed
# cannot both win: PostgreSQL re-checks the WHERE clause on the row it waited for, SQLite
# writes one transaction at a time, and the table's check constraint ``ward_not_overbooked``
# refuses any row over capacity. They are called inside the treatment actions' transactions,
# which audit the order or stay that moved the bed.


def reserve_bed(ward_id: int) -> bool:
    """Reserve a free bed of an open ward for an arriving patient; False when none is free."""
    return (
        Ward.objects.filter(
            pk=ward_id,
            active=True,
            capacity__gte=F("occupied") + F("reserved") + F("out_of_service") + 1,
        ).update(reserved=F("reserved") + 1)
        == 1
    )


def release_reservation(ward_id: int) -> None:
    """An order was refused or cancelled: its reserved bed is free again."""
    Ward.objects.filter(pk=ward_id, reserved__gt=0).update(reserved=F("reserved") - 1)


def occupy_reserved(ward_id: int) -> None:
    """The patient arrived: the reserved bed becomes occupied."""
    Ward.objects.filter(pk=ward_id, reserved__gt=0).update(
        reserved=F("reserved") - 1, occupied=F("occupied") + 1
    )


def vacate_bed(ward_id: int) -> None:
    """The patient left the ward (transferred, discharged, died)."""
    Ward.objects.filter(pk=ward_id, occupied__gt=0).update(occupied=F("occupied") - 1)


def set_counts(ward_id: int, *, occupied: int, reserved: int) -> None:
    """Set the counters to what the stays and orders say (the nightly check's repair)."""
    Ward.objects.filter(pk=ward_id).update(occupied=occupied, reserved=reserved)


def city_path_length(province_path: str = "") -> int:
    """The length of a city's path under the province (``"22/2201/"``: codes of a level have
    one width, so a city's part of any path is a prefix of this length)."""
    city = Division.objects.filter(level=Level.PREFECTURE).only("path").first()
    return len(city.path) if city else 0


@transaction.atomic
def snapshot_beds(day: dt.date, counts: dict[int, tuple[int, int]] | None = None) -> int:
    """Store the beds of every city by type at the end of ``day`` (``BedDay``, for the trend);
    idempotent for a day. ``counts`` (ward id → occupied, reserved) replaces the wards' live
    counters when a past day is rebuilt from the stays (``treatment.actions.rebuild_bed_days``).
    Returns the rows written."""
    length = city_path_length()
    if not length:
        return 0
    cities = {d.path: d for d in Division.objects.filter(level=Level.PREFECTURE)}
    totals: dict[tuple[str, str], list[int]] = {}
    if counts is None:
        rows = (
            Ward.objects.filter(active=True)
            .annotate(city=Substr("division_path", 1, length))
            .values("city", "bed_type")
            .annotate(
                capacity=Sum("capacity"),
                occupied=Sum("occupied"),
                reserved=Sum("reserved"),
                out_of_service=Sum("out_of_service"),
            )
        )
        for row in rows:
            totals[(row["city"], row["bed_type"])] = [
                row["capacity"],
                row["occupied"],
                row["reserved"],
                row["out_of_service"],
            ]
    else:
        # a ward counts from its facility's opening day (its creation, when no day is known)
        end = timezone.make_aware(dt.datetime.combine(day, dt.time.max))
        opened = Q(facility__opened_on__lte=day) | Q(
            facility__opened_on__isnull=True, created_at__lte=end
        )
        closed = Q(facility__closed_on__isnull=True) | Q(facility__closed_on__gt=day)
        for ward in Ward.objects.filter(opened, closed, active=True).values(
            "id", "division_path", "bed_type", "capacity", "out_of_service"
        ):
            occupied, reserved = counts.get(ward["id"], (0, 0))
            sums = totals.setdefault((ward["division_path"][:length], ward["bed_type"]), [0] * 4)
            sums[0] += ward["capacity"]
            sums[1] += occupied
            sums[2] += reserved
            sums[3] += ward["out_of_service"]
    BedDay.objects.filter(day=day).delete()
    made = [
        BedDay(
            day=day,
            division=cities[city],
            division_path=city,
            bed_type=bed_type,
            capacity=capacity,
            occupied=occupied,
            reserved=reserved,
            out_of_service=broken,
            free=max(0, capacity - occupied - reserved - broken),
        )
        for (city, bed_type), (capacity, occupied, reserved, broken) in totals.items()
        if city in cities
    ]
    BedDay.objects.bulk_create(made)
    return len(made)
