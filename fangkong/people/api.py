"""REST endpoints of the person registry.

ID numbers and phones are masked in every answer, except the ones that show them on purpose
(``GET /api/people?unmasked=1`` and ``POST /api/people/{pk}/reveal``), which need
``people.view_unmasked`` and write one audit row per person shown.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.http import HttpRequest
from django.utils import timezone
from django.utils.module_loading import import_string
from ninja import Field, Query, Router, Schema, Status

from fangkong.core.api import InputSchema
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import ApiDate, ApiId
from fangkong.core.permissions import require
from fangkong.people import actions, selectors
from fangkong.people.choices import DocType, PersonStatus, Sex
from fangkong.people.models import Person
from fangkong.people.permissions import PeoplePerm
from fangkong.people.schemas import PersonOut
from fangkong.regions.choices import Level
from fangkong.regions.selectors import visible_division

router = Router(tags=["people"])

CODE = r"^\d{1,15}$"


class RegisteredOut(PersonOut):
    created: bool = Field(..., description="false: the identity was known, this is the record")


class HealthColourOut(Schema):
    colour: str = Field(..., description="red, yellow or green (DESIGN.md section 4)")
    label: str = Field(..., description="the colour's name, in the caller's language")
    fact: str = Field(
        ...,
        description="what decided it; when that record lies outside your jurisdiction, only "
        "that it is decided by a record of another jurisdiction (ADR 0016)",
    )


class PersonDetailOut(PersonOut):
    health_colour: HealthColourOut | None = Field(
        None, description="the person's health colour (null when the outbreaks app is absent)"
    )


# Other apps' parts of the person's answer, named here as HISTORY_SECTIONS names its sections
# (people never imports them): the health colour, a function (user, person, day) answering an
# object with ``colour``, ``label`` and ``fact``, reading a bounded number of queries.
HEALTH_COLOUR = ("fangkong.outbreaks", "fangkong.outbreaks.colour.person_colour")


def _health_colour(request: HttpRequest, person: Person) -> dict[str, str] | None:
    app, function = HEALTH_COLOUR
    if not apps.is_installed(app):
        return None
    found = import_string(function)(user_of(request), person, timezone.localdate())
    return {"colour": str(found.colour), "label": str(found.label), "fact": str(found.fact)}


class PeoplePageOut(Schema):
    items: list[PersonOut]
    next_after: int | None = Field(None, description="pass as `after` to get the next page")


def person_out(person: Person, *, unmasked: bool = False, **extra: Any) -> dict[str, Any]:
    """What the API says about a person: masked, unless the caller revealed them."""
    return {
        "id": person.pk,
        "name": person.name,
        "doc_type": person.doc_type,
        "doc_number": person.doc_number if unmasked else person.masked_doc_number,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "phone": person.phone if unmasked else person.masked_phone,
        "address": person.address,
        "grid_code": person.grid.code,
        "grid_name": person.grid.name,
        "household_id": person.household_id,
        "status": person.status,
        "status_since": person.status_since,
        "created_at": person.created_at,
        "updated_at": person.updated_at,
        "masked": not unmasked,
        "moved_out_at": person.moved_out_at,
        "moved_to": _moved_to(person),
        **extra,
    }


def _moved_to(person: Person) -> str | None:
    if person.moved_out_at is None:
        return None
    if hasattr(person, "moved_to"):  # annotated by the list (selectors.with_moved_to)
        return str(person.moved_to) if person.moved_to else None
    move = selectors.move_away_of(person)
    return move.to_area.name if move is not None and move.to_area is not None else None


class PeopleQuery(Schema):
    within: str | None = Field(None, pattern=CODE, description="a division's code: its subtree")
    grid: str | None = Field(None, pattern=CODE, description="a grid's code")
    status: PersonStatus | None = None
    moved: bool | None = Field(
        None, description="true: only people who moved to another jurisdiction; false: the others"
    )
    q: str | None = Field(
        None,
        min_length=1,
        max_length=40,
        description="name (prefix), full document number or phone",
    )
    after: ApiId | None = None
    limit: int = Field(50, ge=1, le=200)
    unmasked: bool = Field(False, description="full numbers: needs people.view_unmasked; audited")
    reason: str = Field("", max_length=200, description="why the full numbers are needed")


class PersonIn(InputSchema):
    grid: str = Field(..., pattern=CODE, description="the code of the grid they live in")
    name: str = Field(..., min_length=1, max_length=50)
    doc_type: DocType = DocType.RESIDENT_ID
    doc_number: str = Field(..., min_length=1, max_length=40)
    sex: Sex | None = Field(None, description="for a resident ID: from the number if left out")
    birth_date: ApiDate | None = Field(None, description="for a resident ID: from the number")
    phone: str = Field("", max_length=20)
    address: str = Field("", max_length=200)


class PersonPatch(InputSchema):
    """Only the fields sent change. The document cannot change: it is the identity."""

    name: str | None = Field(None, min_length=1, max_length=50)
    sex: Sex | None = None
    birth_date: ApiDate | None = None
    phone: str | None = Field(None, max_length=20, description='"" removes the phone')
    address: str | None = Field(None, max_length=200)


class MoveIn(InputSchema):
    grid: str = Field(..., pattern=CODE, description="the code of the grid they moved to")


class RevealIn(InputSchema):
    reason: str = Field("", max_length=200, description="why the full numbers are needed")


def _person(request: HttpRequest, pk: int) -> Person:
    person: Person = get_visible_or_404(Person.objects.select_related("grid"), request.user, pk=pk)
    return person


@router.get("/people", response=PeoplePageOut, summary="People in your jurisdiction")
def list_people(request: HttpRequest, query: Query[PeopleQuery]) -> dict[str, Any]:
    """Newest first, paged by id: pass `next_after` as `after` for the next page."""
    require(request, PeoplePerm.VIEW_PERSON)
    if query.unmasked:
        require(request, PeoplePerm.VIEW_UNMASKED)
    user = user_of(request)
    page = selectors.people_page(
        user,
        within=visible_division(request.user, query.within) if query.within else None,
        grid=visible_division(request.user, query.grid, level=Level.GRID) if query.grid else None,
        status=query.status,
        query=query.q,
        after=query.after,
        size=query.limit,
        moved=query.moved,
    )
    if query.unmasked:
        actions.reveal_people(actor=user, people=page.items, reason=query.reason)
    return {
        "items": [person_out(p, unmasked=query.unmasked) for p in page.items],
        "next_after": page.next_after,
    }


@router.get("/people/{pk}", response=PersonDetailOut, summary="One person (masked)")
def get_person(request: HttpRequest, pk: ApiId) -> dict[str, Any]:
    """With the person's health colour; its fact only within your jurisdiction."""
    require(request, PeoplePerm.VIEW_PERSON)
    person = _person(request, pk)
    return person_out(person, health_colour=_health_colour(request, person))


@router.post(
    "/people",
    response={200: RegisteredOut, 201: RegisteredOut},
    summary="Register a person, or find them if their document is known",
)
def register_person(request: HttpRequest, payload: PersonIn) -> Status[dict[str, Any]]:
    """201 with `"created": true` for a new person; 200 with `"created": false` and the
    existing record when the document is already registered in your jurisdiction (no duplicate
    is made). A person known only in another jurisdiction answers exactly like a new one."""
    require(request, PeoplePerm.ADD_PERSON)
    grid = visible_division(request.user, payload.grid, level=Level.GRID)
    person, created = actions.register_person(
        actor=user_of(request),
        grid=grid,
        name=payload.name,
        doc_type=payload.doc_type,
        doc_number=payload.doc_number,
        sex=payload.sex,
        birth_date=payload.birth_date,
        phone=payload.phone,
        address=payload.address,
    )
    person = Person.objects.select_related("grid").get(pk=person.pk)
    return Status(201 if created else 200, person_out(person, created=created))


@router.patch("/people/{pk}", response=PersonOut, summary="Change a person's details")
def update_person(request: HttpRequest, pk: ApiId, payload: PersonPatch) -> dict[str, Any]:
    require(request, PeoplePerm.CHANGE_PERSON)
    person = _person(request, pk)
    sent = payload.model_dump(exclude_unset=True)
    person = actions.update_person(
        actor=user_of(request),
        person=person,
        name=sent.get("name") or person.name,
        phone=sent["phone"] if sent.get("phone") is not None else person.phone,
        address=sent["address"] if sent.get("address") is not None else person.address,
        sex=sent.get("sex") or person.sex,
        birth_date=sent.get("birth_date", person.birth_date),
    )
    return person_out(person)


@router.post("/people/{pk}/move", response=PersonOut, summary="Move a person to another grid")
def move_person(request: HttpRequest, pk: ApiId, payload: MoveIn) -> dict[str, Any]:
    require(request, PeoplePerm.CHANGE_PERSON)
    person = _person(request, pk)
    grid = visible_division(request.user, payload.grid, level=Level.GRID)
    person = actions.move_person(actor=user_of(request), person=person, grid=grid)
    return person_out(person)


@router.post(
    "/people/{pk}/reveal",
    response=PersonOut,
    summary="The person with the full ID number and phone (audited)",
)
def reveal_person(request: HttpRequest, pk: ApiId, payload: RevealIn) -> dict[str, Any]:
    require(request, PeoplePerm.VIEW_PERSON)
    require(request, PeoplePerm.VIEW_UNMASKED)
    person = actions.reveal_person(
        actor=user_of(request), person=_person(request, pk), reason=payload.reason
    )
    return person_out(person, unmasked=True)
