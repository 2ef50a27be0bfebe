"""REST endpoints for the caller and for user administration."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from fangkong.accounts import actions
from fangkong.accounts.models import User
from fangkong.accounts.permissions import AccountsPerm
from fangkong.accounts.roles import Role
from fangkong.core.api import InputSchema
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import ApiId
from fangkong.core.permissions import require
from fangkong.regions.selectors import visible_division

router = Router(tags=["users"])


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    phone: str
    title: str
    home_division_code: str | None = Field(None, alias="home_division.code")
    home_division_name: str | None = Field(None, alias="home_division.name")
    roles: list[str]
    is_active: bool


class UserPage(Schema):
    items: list[UserOut]
    next_after: str | None


class UserQuery(Schema):
    q: str | None = Field(None, max_length=40)
    after: str | None = Field(None, max_length=150)
    limit: int = Field(50, ge=1, le=200)


class UserIn(InputSchema):
    username: str = Field(..., min_length=1, max_length=150, pattern=r"^[\w.@+-]+$")
    password: str = Field(..., min_length=1, max_length=128)
    full_name: str = Field(..., min_length=1, max_length=50)
    phone: str = Field("", max_length=20)
    title: str = Field("", max_length=50)
    home_division: str = Field(..., max_length=15, pattern=r"^\d+$")
    roles: list[Role] = Field(..., min_length=1)


class UserPatch(InputSchema):
    full_name: str | None = Field(None, min_length=1, max_length=50)
    phone: str | None = Field(None, max_length=20)
    title: str | None = Field(None, max_length=50)
    home_division: str | None = Field(None, max_length=15, pattern=r"^\d+$")
    roles: list[Role] | None = None
    is_active: bool | None = None


class PasswordIn(InputSchema):
    password: str = Field(..., min_length=1, max_length=128)


@router.get("/me", response=UserOut, summary="The caller")
def me(request: HttpRequest) -> User:
    return user_of(request)


@router.get("/users", response=UserPage, summary="Users in your jurisdiction")
def list_users(request: HttpRequest, query: Query[UserQuery]) -> dict[str, object]:
    require(request, AccountsPerm.MANAGE_USERS)
    qs = User.objects.visible_to(request.user).select_related("home_division")
    if query.q:
        qs = qs.filter(Q(username__icontains=query.q) | Q(full_name__contains=query.q))
    if query.after:
        qs = qs.filter(username__gt=query.after)
    items = list(qs.order_by("username").prefetch_related("groups")[: query.limit + 1])
    more = len(items) > query.limit
    return {
        "items": items[: query.limit],
        "next_after": items[query.limit - 1].username if more else None,
    }


@router.post("/users", response={201: UserOut}, summary="Create a user")
def create_user(request: HttpRequest, payload: UserIn) -> Status[User]:
    require(request, AccountsPerm.MANAGE_USERS)
    user = actions.create_user(
        actor=user_of(request),
        username=payload.username,
        password=payload.password,
        home_division=visible_division(request.user, payload.home_division),
        roles=[str(r) for r in payload.roles],
        full_name=payload.full_name,
        phone=payload.phone,
        title=payload.title,
    )
    return Status(201, user)


@router.get("/users/{pk}", response=UserOut, summary="One user")
def get_user(request: HttpRequest, pk: ApiId) -> User:
    require(request, AccountsPerm.MANAGE_USERS)
    return get_visible_or_404(User.objects.select_related("home_division"), request.user, pk=pk)


@router.patch("/users/{pk}", response=UserOut, summary="Change a user (division, roles, active)")
def patch_user(request: HttpRequest, pk: ApiId, payload: UserPatch) -> User:
    require(request, AccountsPerm.MANAGE_USERS)
    user = get_visible_or_404(User.objects.select_related("home_division"), request.user, pk=pk)
    data = payload.dict(exclude_unset=True)
    division = (
        visible_division(request.user, data["home_division"]) if data.get("home_division") else None
    )
    return actions.update_user(
        actor=user_of(request),
        user=user,
        home_division=division or user.home_division,
        roles=[str(r) for r in data["roles"]] if data.get("roles") is not None else user.roles,
        full_name=data.get("full_name", user.full_name) or user.full_name,
        phone=data.get("phone", user.phone) or "",
        title=data.get("title", user.title) or "",
        is_active=data.get("is_active", user.is_active),
    )


@router.post("/users/{pk}/password", response={204: None}, summary="Reset a user's password")
def reset_password(request: HttpRequest, pk: ApiId, payload: PasswordIn) -> Status[None]:
    require(request, AccountsPerm.MANAGE_USERS)
    user = get_visible_or_404(User.objects.select_related("home_division"), request.user, pk=pk)
    actions.reset_password(actor=user_of(request), user=user, password=payload.password)
    return Status(204, None)
