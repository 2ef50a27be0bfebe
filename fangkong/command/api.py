"""The REST API of the command app (mounted in fangkong/api.py): leading groups with their
working groups, members and 包保 responsibilities, the secretaries, and the chain of a village
or grid. Schema names carry the ``Command`` prefix (OpenAPI component names are unique)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from fangkong.command import actions, directive_api, selectors
from fangkong.command.choices import MemberRole, WorkField
from fangkong.command.models import (
    GroupMember,
    LeadingGroup,
    Responsibility,
    Secretary,
    WorkingGroup,
)
from fangkong.command.permissions import CommandPerm as Perm
from fangkong.core.api import InputSchema
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import ApiDate, ApiId
from fangkong.core.permissions import require
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

router = Router(tags=["command"])
router.add_router("", directive_api.router)

CODE = r"^\d{1,15}$"


class CommandGroupOut(Schema):
    id: int
    division_code: str = Field(..., alias="division.code")
    division_name: str = Field(..., alias="division.name")
    name: str
    office_name: str
    office_phone: str


class CommandGroupIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    office_name: str = Field("", max_length=100)
    office_phone: str = Field("", max_length=20)


class CommandGroupCreateIn(CommandGroupIn):
    division: str = Field(..., pattern=CODE, description="the code of the division")


class CommandWorkingGroupIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    field: WorkField


class CommandWorkingGroupOut(Schema):
    id: int
    name: str
    field: WorkField


class CommandMemberIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=50)
    post: str = Field(..., min_length=1, max_length=100)
    phone: str = Field(..., min_length=1, max_length=20)
    role: MemberRole
    working_group_id: ApiId | None = None
    joined_on: ApiDate | None = Field(None, description="today when empty")


class CommandMemberOut(Schema):
    id: int
    name: str
    post: str
    phone: str
    role: MemberRole
    working_group_id: int | None
    joined_on: dt.date
    left_on: dt.date | None


class CommandEndIn(InputSchema):
    on: ApiDate | None = Field(None, description="the last day; today when empty")
    reason: str = Field("", max_length=200)


class CommandResponsibilityIn(InputSchema):
    member_id: ApiId
    division: str | None = Field(
        None, pattern=CODE, description="a division inside the group's area"
    )
    field: WorkField | None = None
    starts_on: ApiDate
    ends_on: ApiDate | None = None


class CommandResponsibilityOut(Schema):
    id: int
    member_id: int
    member_name: str = Field(..., alias="member.name")
    division_code: str | None = None
    field: str
    starts_on: dt.date
    ends_on: dt.date | None

    @staticmethod
    def resolve_division_code(obj: Responsibility) -> str | None:
        return obj.division.code if obj.division_id else None  # type: ignore[union-attr]


class CommandGroupDetailOut(CommandGroupOut):
    working_groups: list[CommandWorkingGroupOut]
    members: list[CommandMemberOut] = Field(..., description="those who left too, last")
    responsibilities: list[CommandResponsibilityOut] = Field(
        ..., description="open ones first, then the history"
    )

    @staticmethod
    def resolve_working_groups(obj: LeadingGroup) -> list[WorkingGroup]:
        return list(obj.working_groups.all())

    @staticmethod
    def resolve_members(obj: LeadingGroup) -> list[GroupMember]:
        return list(selectors.members(obj))

    @staticmethod
    def resolve_responsibilities(obj: LeadingGroup) -> list[Responsibility]:
        return list(selectors.responsibilities(obj))


class CommandSecretaryIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=50)
    post: str = Field(..., min_length=1, max_length=100)
    phone: str = Field(..., min_length=1, max_length=20)
    starts_on: ApiDate | None = Field(None, description="today when empty")


class CommandSecretaryOut(Schema):
    name: str
    post: str
    phone: str
    starts_on: dt.date
    ends_on: dt.date | None


class CommandLeaderOut(Schema):
    name: str = Field(..., alias="member.name")
    post: str = Field(..., alias="member.post")
    phone: str = Field(..., alias="member.phone")
    group: str = Field(..., alias="group.name")
    field: str
    starts_on: dt.date
    ends_on: dt.date | None


class CommandLinkOut(Schema):
    code: str = Field(..., alias="division.code")
    name: str = Field(..., alias="division.name")
    level: Level = Field(..., alias="division.level")
    secretary: CommandSecretaryOut | None
    leaders: list[CommandLeaderOut]


def _group(request: HttpRequest, pk: int) -> LeadingGroup:
    group: LeadingGroup = get_visible_or_404(
        LeadingGroup.objects.select_related("division"), request.user, pk=pk
    )
    return group


def _division(request: HttpRequest, code: str) -> Division:
    division: Division = get_visible_or_404(Division.objects.all(), request.user, code=code)
    return division


@router.get(
    "/command/groups", response=list[CommandGroupOut], summary="Leading groups in your area"
)
def list_groups(request: HttpRequest) -> list[LeadingGroup]:
    """Every leading group in your jurisdiction, by division."""
    require(request, Perm.VIEW_GROUP)
    return list(selectors.groups(request.user)[:2000])


@router.post("/command/groups", response={201: CommandGroupOut}, summary="Set up a leading group")
def create_group(request: HttpRequest, payload: CommandGroupCreateIn) -> Status[LeadingGroup]:
    """One per division; a division outside your jurisdiction answers 404."""
    require(request, Perm.MANAGE_GROUP)
    division = _division(request, payload.division)
    data = payload.dict(exclude={"division"})
    group = actions.create_group(actor=user_of(request), division=division, **data)
    return Status(201, group)


@router.get(
    "/command/groups/{pk}", response=CommandGroupDetailOut, summary="A leading group in full"
)
def get_group(request: HttpRequest, pk: ApiId) -> LeadingGroup:
    """Its working groups, members (with those who left) and 包保 responsibilities (history too)."""
    require(request, Perm.VIEW_GROUP)
    return _group(request, pk)


@router.put("/command/groups/{pk}", response=CommandGroupOut, summary="Change a leading group")
def update_group(request: HttpRequest, pk: ApiId, payload: CommandGroupIn) -> LeadingGroup:
    require(request, Perm.MANAGE_GROUP)
    group = _group(request, pk)
    return actions.update_group(actor=user_of(request), group=group, **payload.dict())


@router.post(
    "/command/groups/{pk}/working-groups",
    response={201: CommandWorkingGroupOut},
    summary="Add a working group",
)
def add_working_group(
    request: HttpRequest, pk: ApiId, payload: CommandWorkingGroupIn
) -> Status[WorkingGroup]:
    require(request, Perm.MANAGE_GROUP)
    group = _group(request, pk)
    wg = actions.add_working_group(
        actor=user_of(request), group=group, name=payload.name, field=payload.field
    )
    return Status(201, wg)


@router.post(
    "/command/groups/{pk}/members", response={201: CommandMemberOut}, summary="Add a member"
)
def add_member(request: HttpRequest, pk: ApiId, payload: CommandMemberIn) -> Status[GroupMember]:
    """A group has one leader at a time (409 for a second)."""
    require(request, Perm.MANAGE_GROUP)
    group = _group(request, pk)
    wg = None
    if payload.working_group_id is not None:
        wg = get_visible_or_404(
            WorkingGroup.objects.all(), request.user, pk=payload.working_group_id
        )
    member = actions.add_member(
        actor=user_of(request),
        group=group,
        name=payload.name,
        post=payload.post,
        phone=payload.phone,
        role=payload.role,
        working_group=wg,
        joined_on=payload.joined_on,
    )
    return Status(201, member)


@router.post(
    "/command/members/{pk}/end", response=CommandMemberOut, summary="A member leaves the group"
)
def end_member(request: HttpRequest, pk: ApiId, payload: CommandEndIn) -> GroupMember:
    """Their open 包保 responsibilities end the same day."""
    require(request, Perm.MANAGE_GROUP)
    member: GroupMember = get_visible_or_404(GroupMember.objects.all(), request.user, pk=pk)
    return actions.end_member(
        actor=user_of(request), member=member, on=payload.on, reason=payload.reason
    )


@router.post(
    "/command/groups/{pk}/responsibilities",
    response={201: CommandResponsibilityOut},
    summary="Assign a 包保 responsibility",
)
def assign_responsibility(
    request: HttpRequest, pk: ApiId, payload: CommandResponsibilityIn
) -> Status[Responsibility]:
    """A member of the group covers a division inside the group's area and/or a field."""
    require(request, Perm.MANAGE_GROUP)
    group = _group(request, pk)
    member: GroupMember = get_visible_or_404(
        GroupMember.objects.filter(group=group), request.user, pk=payload.member_id
    )
    division = _division(request, payload.division) if payload.division else None
    resp = actions.assign_responsibility(
        actor=user_of(request),
        member=member,
        division=division,
        field=payload.field or "",
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
    )
    return Status(201, Responsibility.objects.select_related("member", "division").get(pk=resp.pk))


@router.post(
    "/command/responsibilities/{pk}/end",
    response=CommandResponsibilityOut,
    summary="End a 包保 responsibility",
)
def end_responsibility(request: HttpRequest, pk: ApiId, payload: CommandEndIn) -> Responsibility:
    require(request, Perm.MANAGE_GROUP)
    resp: Responsibility = get_visible_or_404(Responsibility.objects.all(), request.user, pk=pk)
    actions.end_responsibility(
        actor=user_of(request), responsibility=resp, on=payload.on, reason=payload.reason
    )
    return Responsibility.objects.select_related("member", "division").get(pk=resp.pk)


@router.put(
    "/command/secretaries/{code}",
    response=CommandSecretaryOut,
    summary="Record the secretary of a division",
)
def set_secretary(request: HttpRequest, code: str, payload: CommandSecretaryIn) -> Secretary:
    """The previous secretary's term ends the day before the new one's starts."""
    require(request, Perm.MANAGE_SECRETARY)
    division = _division(request, code)
    return actions.set_secretary(actor=user_of(request), division=division, **payload.dict())


@router.get(
    "/command/chain/{code}", response=list[CommandLinkOut], summary="The chain of a village or grid"
)
def get_chain(request: HttpRequest, code: str) -> list[selectors.Link]:
    """From the province down to the division: each level's secretary and the 包保 leaders
    covering it today."""
    require(request, Perm.VIEW_CHAIN)
    return selectors.chain(_division(request, code))
