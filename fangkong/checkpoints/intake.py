"""From what a checkpoint sends to rows we can write: every field checked, every problem named.

A passage arrives from the web form, the single API call or a batch of up to 1,000. All three
give :class:`PassageInput` records to :func:`prepare`, which checks each one and resolves, for
the whole lot at once, the destinations (the deepest known division for each code), the
registered people their documents match and the key areas in force. A record is either fully
prepared or rejected with every problem found, each with the field it is about
(``people.1.doc_number``); one bad record never holds up the others.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_lib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.checkpoints import rules
from fangkong.checkpoints.choices import Direction
from fangkong.core.errors import ActionError
from fangkong.core.validators import clean_phone
from fangkong.people.actions import clean_identity, clean_name
from fangkong.people.idcard import PROVINCES
from fangkong.people.models import Person
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

if TYPE_CHECKING:
    from fangkong.checkpoints.models import Checkpoint

T = TypeVar("T")

MAX_PEOPLE = 60  # a full coach; a passage with more is two registrations
ORIGIN_CODE_LENGTHS = (2, 4, 6, 9, 12)
DESTINATION_CODE_LENGTHS = (6, 9, 12, 15)


@dataclass
class PersonInput:
    name: str
    doc_type: str
    doc_number: str
    phone: str
    temperature: Decimal | float | str
    origin_code: str = ""
    origin_name: str = ""
    origin_abroad: bool = False
    destination: str = ""
    destination_detail: str = ""


@dataclass
class PassageInput:
    people: Sequence[PersonInput]
    direction: str
    plate: str = ""
    passed_at: dt.datetime | None = None
    uuid: uuid_lib.UUID | None = None


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


@dataclass
class PreparedPerson:
    name: str
    doc_type: str
    doc_number: str
    phone: str
    temperature: Decimal
    origin_code: str
    origin_name: str
    origin_abroad: bool
    destination_code: str
    destination_detail: str
    destination: Division | None = None
    person_id: int | None = None
    flag_reasons: list[str] = field(default_factory=list)
    key_area: str = ""


@dataclass
class Prepared:
    """One record after :func:`prepare`: ready to write, or ``problems`` says why not."""

    index: int
    uuid: uuid_lib.UUID
    plate: str = ""
    direction: str = ""
    passed_at: dt.datetime | None = None
    people: list[PreparedPerson] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # person index → destination code well formed, to look up even when other fields failed
    destination_codes: dict[int, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def n_flagged(self) -> int:
        return sum(1 for p in self.people if p.flag_reasons)


class _Collector:
    """Runs one check after another, keeping every refusal instead of stopping at the first."""

    def __init__(self, problems: list[Problem], prefix: str = ""):
        self.problems = problems
        self.prefix = prefix

    def add(self, field_name: str, code: str, message: str) -> None:
        self.problems.append(Problem(f"{self.prefix}{field_name}", code, message))

    def take(self, exc: ActionError, default_field: str) -> None:
        self.add(exc.field or default_field, exc.code, exc.message)


def clean_traveller_phone(phone: str) -> str:
    """A mainland mobile or landline; a foreign number in international form (+82…)."""
    raw = (phone or "").strip().replace(" ", "").replace("-", "")
    if raw.startswith("+") and raw[1:].isdigit() and 7 <= len(raw) - 1 <= 15:
        return raw
    return clean_phone(raw, field="phone")


def clean_origin(code: str, name: str, abroad: bool) -> tuple[str, str]:
    """(short division code or "", name). At home: a division code whose first two digits are
    a province (the name defaults to the province's). Abroad: free text, no code."""
    code = (code or "").strip()
    name = " ".join((name or "").split())
    if len(name) > 100:
        raise ActionError(
            _("The origin has at most 100 characters."), code="origin_too_long", field="origin_name"
        )
    if abroad:
        if code:
            raise ActionError(
                _("A place abroad has no division code: leave the code empty."),
                code="origin_code_abroad",
                field="origin_code",
            )
        if not name:
            raise ActionError(
                _("Enter the country or city the person comes from."),
                code="origin_required",
                field="origin_name",
            )
        return "", name
    if not code:
        raise ActionError(
            _("Enter where the person comes from (a division code), or say it is abroad."),
            code="origin_required",
            field="origin_code",
        )
    if not (code.isascii() and code.isdigit()) or len(code) not in ORIGIN_CODE_LENGTHS:
        raise ActionError(
            _("An origin code has 2, 4, 6, 9 or 12 digits (e.g. 42 湖北省, 420100 武汉市)."),
            code="bad_origin_code",
            field="origin_code",
        )
    if code[:2] not in PROVINCES:
        raise ActionError(
            _("The origin code starts with %(code)s, which is no province.") % {"code": code[:2]},
            code="bad_origin_code",
            field="origin_code",
        )
    return rules.short_code(code), name or PROVINCES[code[:2]]


def clean_destination_code(code: str, *, required: bool) -> str:
    code = (code or "").strip()
    if not code:
        if required:
            raise ActionError(
                _("Enter where the person is going: a grid, village or county code."),
                code="destination_required",
                field="destination",
            )
        return ""
    if not (code.isascii() and code.isdigit()) or len(code) not in DESTINATION_CODE_LENGTHS:
        raise ActionError(
            _(
                "A destination is the code of a county (6 digits), township (9), "
                "village (12) or grid (15)."
            ),
            code="bad_destination",
            field="destination",
        )
    return code


def chunks(values: list[str], size: int = 2000) -> list[list[str]]:
    """``IN`` lists of a bounded length: SQLite allows at most 32,766 parameters a query, and a
    full batch can name 60,000 documents."""
    return [values[i : i + size] for i in range(0, len(values), size)]


def destination_candidates(code: str) -> list[str]:
    """Division codes to try for ``code``, deepest first: the grid, then its village,
    township and county. (Grids have 15 digits; the others are padded to 12.)"""
    out = [code] if len(code) == 15 else []
    base = code[:12].ljust(12, "0")
    for length in (12, 9, 6):
        candidate = base[:length].ljust(12, "0")
        if candidate not in out:
            out.append(candidate)
    return out


def resolve_destinations(codes: set[str]) -> dict[str, Division]:
    """The deepest active division (county or below) known for each code, in one query.

    A grid that was merged routes to the grid it was merged into; a retired one to its
    village. A code none of whose candidates exists is missing from the answer.
    """
    wanted = sorted({c for code in codes for c in destination_candidates(code)})
    found: dict[str, Division] = {}
    for part in chunks(wanted):
        rows = Division.objects.filter(code__in=part, level__gte=Level.COUNTY)
        found.update((d.code, d) for d in rows.select_related("merged_into"))
    out: dict[str, Division] = {}
    for code in codes:
        for candidate in destination_candidates(code):
            division = found.get(candidate)
            if division is None:
                continue
            if not division.active:
                target = division.merged_into
                if target is not None and target.active:
                    out[code] = target
                    break
                continue
            out[code] = division
            break
    return out


def _prepare_person(
    index: int, raw: PersonInput, direction: str, record: Prepared
) -> PreparedPerson | None:
    problems = record.problems
    check = _Collector(problems, prefix=f"people.{index}.")
    before = len(problems)

    def attempt(default_field: str, step: Callable[[], T]) -> T | None:
        try:
            return step()
        except ActionError as exc:
            check.take(exc, default_field)
            return None

    name = attempt("name", lambda: clean_name(raw.name))
    identity = attempt("doc_number", lambda: clean_identity(raw.doc_type, raw.doc_number))
    phone = attempt("phone", lambda: clean_traveller_phone(raw.phone))
    temperature = attempt("temperature", lambda: rules.clean_temperature(raw.temperature))
    origin = attempt(
        "origin_code", lambda: clean_origin(raw.origin_code, raw.origin_name, raw.origin_abroad)
    )
    destination = attempt(
        "destination",
        lambda: clean_destination_code(raw.destination, required=direction == Direction.IN),
    )
    if destination:
        record.destination_codes[index] = destination
    detail = " ".join((raw.destination_detail or "").split())
    if len(detail) > 200:
        check.add(
            "destination_detail",
            "destination_detail_too_long",
            _("The destination address has at most 200 characters."),
        )
    if len(problems) > before:
        return None
    assert name is not None and identity is not None and phone is not None
    assert temperature is not None and origin is not None and destination is not None
    return PreparedPerson(
        name=name,
        doc_type=identity.doc_type,
        doc_number=identity.doc_number,
        phone=phone,
        temperature=temperature,
        origin_code=origin[0],
        origin_name=origin[1],
        origin_abroad=bool(raw.origin_abroad),
        destination_code=destination,
        destination_detail=detail,
    )


def _prepare_one(
    index: int, raw: PassageInput, checkpoint: Checkpoint, now: dt.datetime
) -> Prepared:
    record = Prepared(index=index, uuid=raw.uuid or uuid_lib.uuid4())
    check = _Collector(record.problems)
    try:
        record.plate = rules.clean_plate(raw.plate)
    except ActionError as exc:
        check.take(exc, "plate")
    if raw.direction not in Direction.values:
        check.add("direction", "bad_direction", _("Choose the direction: in or out."))
    else:
        record.direction = raw.direction
    try:
        record.passed_at = rules.clean_passed_at(raw.passed_at or now, now)
    except ActionError as exc:
        check.take(exc, "passed_at")
    if record.passed_at is not None and not checkpoint.active:
        closed_at = checkpoint.closed_at
        if closed_at is None or record.passed_at > closed_at:
            check.add(
                "checkpoint",
                "checkpoint_closed",
                _("This checkpoint is closed: it takes no passages after it closed."),
            )
    people = list(raw.people or [])
    if not people:
        check.add("people", "no_people", _("Register at least one person."))
    elif len(people) > MAX_PEOPLE:
        check.add(
            "people",
            "too_many_people",
            _("A passage has at most %(max)d people; register the rest separately.")
            % {"max": MAX_PEOPLE},
        )
        people = []
    seen: set[tuple[str, str]] = set()
    for i, person in enumerate(people):
        prepared = _prepare_person(i, person, record.direction, record)
        if prepared is None:
            continue
        key = (prepared.doc_type, prepared.doc_number)
        if key in seen:
            check.add(
                f"people.{i}.doc_number",
                "person_twice",
                _("This document is already listed in this passage."),
            )
            continue
        seen.add(key)
        record.people.append(prepared)
    return record


def prepare(
    checkpoint: Checkpoint, inputs: Sequence[PassageInput], now: dt.datetime
) -> list[Prepared]:
    """Check every record and resolve what needs the database, in a fixed number of queries."""
    records = [_prepare_one(i, raw, checkpoint, now) for i, raw in enumerate(inputs)]
    # Destinations are looked up for every record, so that an unknown one is reported along
    # with the record's other problems.
    destinations = resolve_destinations(
        {code for r in records for code in r.destination_codes.values()}
    )
    for record in records:
        for i, code in sorted(record.destination_codes.items()):
            if code not in destinations:
                message = _(
                    "No county, township, village or grid of the province has the code %(code)s."
                ) % {"code": code}
                record.problems.append(
                    Problem(f"people.{i}.destination", "unknown_destination", message)
                )
    good = [r for r in records if r.ok]
    people = [p for r in good for p in r.people]
    # Travellers are linked to the registry only inside the checkpoint's own area: a link (and
    # the passage's `in_registry`) must not tell whether a number is registered elsewhere.
    known: dict[tuple[str, str], int] = {}
    for numbers in chunks(sorted({p.doc_number for p in people})):
        rows = Person.objects.filter(
            doc_number__in=numbers,
            moved_out_at__isnull=True,
            division_path__startswith=checkpoint.division_path,
        )
        for doc_type, doc_number, pk in rows.values_list("doc_type", "doc_number", "id"):
            known[(doc_type, doc_number)] = pk
    days = [timezone.localdate(r.passed_at) for r in good if r.passed_at is not None]
    key_areas = (
        rules.key_area_index(min(days), max(days), within=checkpoint.division_path)
        if days
        else rules.KeyAreaIndex([])
    )
    for record in good:
        assert record.passed_at is not None
        on_date = timezone.localdate(record.passed_at)
        for person in record.people:
            if person.destination_code:
                person.destination = destinations[person.destination_code]
            person.person_id = known.get((person.doc_type, person.doc_number))
            area = key_areas.match(person.origin_code, on_date)
            person.key_area = area.name if area is not None else ""
            person.flag_reasons = rules.flag_reasons(temperature=person.temperature, key_area=area)
    return records
