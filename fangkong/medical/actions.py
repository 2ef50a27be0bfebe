"""Every write to medical facilities, each audited in its transaction and kept inside the
actor's jurisdiction."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fangkong.audit.actions import record
from fangkong.core.errors import ActionError, Conflict
from fangkong.core.jurisdiction import ensure_in_scope
from fangkong.core.validators import check_text
from fangkong.medical.choices import FacilityKind
from fangkong.medical.models import Facility
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

if TYPE_CHECKING:
    from fangkong.accounts.models import User

FIELDS = ("name", "kind", "division", "address", "phone", "longitude", "latitude", "active")


def _text(value: Any, *, field: str, limit: int, required: str | None = None) -> str:
    text = check_text(" ".join(str(value or "").split()), field=field)
    if required and not text:
        raise ActionError(required, code=f"{field}_required", field=field)
    if len(text) > limit:
        raise ActionError(
            _("This text cannot be longer than %(max)s characters (it has %(n)s).")
            % {"max": limit, "n": len(text)},
            code=f"{field}_too_long",
            field=field,
        )
    return text


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    clean["name"] = _text(
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
    clean["address"] = _text(data.get("address"), field="address", limit=200)
    clean["phone"] = _text(data.get("phone"), field="phone", limit=20)
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
    return clean


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
    for k, v in clean.items():
        setattr(facility, k, v)
    facility.division_path = division.path
    _save(facility, clean["name"])
    record(
        actor=actor,
        action="medical.facility_update",
        obj=facility,
        division_path=facility.division_path,
        changes=changes,
    )
    return facility
