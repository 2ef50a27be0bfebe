"""REST endpoints for divisions, grids and grid staff."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from fangkong.core.api import InputSchema
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import MAX_ID, ApiId
from fangkong.core.permissions import require
from fangkong.regions import actions, selectors
from fangkong.regions.choices import Level, StaffKind
from fangkong.regions.models import Division, GridAssignment, GridStaff
from fangkong.regions.permissions import RegionsPerm
from fangkong.regions.selectors import visible_division

router = Router(tags=["divisions"])


class DivisionOut(Schema):
    code: str
    name: str
    level: int
    kind: str
    parent_code: str | None
    path: str
    active: bool
    n_children: int
    n_prefectures: int
    n_counties: int
    n_townships: int
    n_villages: int
    n_grids: int

    @staticmethod
    def resolve_parent_code(obj: Division) -> str | None:
        # The parent's short code is the path's second-to-last segment; parents are never
        # grids, so their full code is the short code padded to 12 digits. No query needed.
        parts = obj.path.rstrip("/").split("/")
        return parts[-2].ljust(12, "0") if len(parts) > 1 else None


class DivisionPage(Schema):
    items: list[DivisionOut]
    next_after: str | None = Field(None, description="pass as `after` to get the next page")


class PageQuery(Schema):
    after: str | None = Field(None, max_length=15, pattern=r"^\d*$")
    limit: int = Field(50, ge=1, le=200)


class SearchQuery(PageQuery):
    q: str = Field(..., min_length=1, max_length=40)
    within: str | None = Field(None, max_length=15, pattern=r"^\d+$")
    include_retired: bool = False


@router.get("/divisions/search", response=DivisionPage, summary="Search divisions")
def search_divisions(request: HttpRequest, query: Query[SearchQuery]) -> dict[str, object]:
    """Name contains ``q``; or pinyin initials/full pinyin start with it; or code prefix."""
    within = (
        visible_division(request.user, query.within, related=("parent",)) if query.within else None
    )
    page = selectors.search(
        user_of(request),
        query.q,
        within=within,
        after=query.after,
        size=query.limit,
        include_retired=query.include_retired,
    )
    return {"items": page.items, "next_after": page.next_after}


@router.get("/divisions/{code}", response=DivisionOut, summary="One division")
def get_division(request: HttpRequest, code: str) -> Division:
    return visible_division(request.user, code, related=("parent",))


@router.get("/divisions/{code}/children", response=DivisionPage, summary="Children of a division")
def division_children(
    request: HttpRequest, code: str, query: Query[PageQuery], include_retired: bool = False
) -> dict[str, object]:
    division = visible_division(request.user, code, related=("parent",))
    page = selectors.children_page(
        user_of(request),
        division,
        after=query.after,
        size=query.limit,
        include_retired=include_retired,
    )
    return {"items": page.items, "next_after": page.next_after}


# --- grids -------------------------------------------------------------------------------------

grids = Router(tags=["grids"])


class StaffOut(Schema):
    id: int
    name: str
    phone: str | None = Field(
        None,
        description="null unless your role may see grid staff phones (the command offices of "
        "the chain, the village, the grid worker)",
    )
    kind: str
    party_organisation: str
    village_code: str = Field(..., alias="division.code")
    active: bool

    @staticmethod
    def resolve_phone(obj: GridStaff, context: dict[str, Any]) -> str | None:
        return selectors.staff_phone(context["request"].user, obj) or None


class AssignmentOut(Schema):
    id: int
    staff: StaffOut
    started_at: datetime
    ended_at: datetime | None
    end_reason: str


class GridOut(DivisionOut):
    note: str
    retired_at: datetime | None
    merged_into_code: str | None = Field(None, alias="merged_into.code")
    assignments: list[AssignmentOut] = []


class GridIn(InputSchema):
    village: str = Field(..., max_length=15, pattern=r"^\d+$", description="village code")
    name: str = Field(..., min_length=1, max_length=50)
    note: str = Field("", max_length=500)


class GridPatch(InputSchema):
    name: str = Field(..., min_length=1, max_length=50)
    note: str | None = Field(None, max_length=500)


class MergeIn(InputSchema):
    target: str = Field(..., max_length=15, pattern=r"^\d+$", description="grid code to merge into")
    reason: str = Field("", max_length=200)


class RetireIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=200)


class AssignIn(InputSchema):
    staff_id: int = Field(..., ge=1)


def _grid_out(request: HttpRequest, grid: Division) -> Division:
    grid.assignments_list = list(  # type: ignore[attr-defined]
        GridAssignment.objects.visible_to(request.user)
        .filter(grid=grid)
        .select_related("staff__division")
        .order_by("ended_at", "id")
    )
    return grid


class _GridOutWithAssignments(GridOut):
    @staticmethod
    def resolve_assignments(obj: Division) -> list[GridAssignment]:
        return getattr(obj, "assignments_list", [])


@grids.post("/grids", response={201: _GridOutWithAssignments}, summary="Create a grid")
def create_grid(request: HttpRequest, payload: GridIn) -> Status[Division]:
    require(request, RegionsPerm.MANAGE_GRIDS)
    village = visible_division(request.user, payload.village, related=("parent",))
    grid = actions.create_grid(
        actor=user_of(request),
        village=village,
        name=payload.name,
        note=payload.note,
    )
    return Status(201, _grid_out(request, grid))


@grids.get("/grids/{code}", response=_GridOutWithAssignments, summary="One grid with its staff")
def get_grid(request: HttpRequest, code: str) -> Division:
    return _grid_out(
        request,
        visible_division(request.user, code, level=Level.GRID, related=("parent", "merged_into")),
    )


@grids.patch("/grids/{code}", response=_GridOutWithAssignments, summary="Rename a grid")
def rename_grid(request: HttpRequest, code: str, payload: GridPatch) -> Division:
    require(request, RegionsPerm.MANAGE_GRIDS)
    grid = visible_division(request.user, code, level=Level.GRID, related=("parent", "merged_into"))
    grid = actions.rename_grid(
        actor=user_of(request), grid=grid, name=payload.name, note=payload.note
    )
    return _grid_out(request, grid)


@grids.post(
    "/grids/{code}/merge",
    response=_GridOutWithAssignments,
    summary="Merge this grid into another; answers the target",
)
def merge_grid(request: HttpRequest, code: str, payload: MergeIn) -> Division:
    require(request, RegionsPerm.MANAGE_GRIDS)
    source = visible_division(
        request.user, code, level=Level.GRID, related=("parent", "merged_into")
    )
    target = visible_division(
        request.user, payload.target, level=Level.GRID, related=("parent", "merged_into")
    )
    merged = actions.merge_grids(
        actor=user_of(request),
        source=source,
        target=target,
        reason=payload.reason,
    )
    return _grid_out(request, merged)


@grids.post("/grids/{code}/retire", response=_GridOutWithAssignments, summary="Retire a grid")
def retire_grid(request: HttpRequest, code: str, payload: RetireIn) -> Division:
    require(request, RegionsPerm.MANAGE_GRIDS)
    grid = actions.retire_grid(
        actor=user_of(request),
        grid=visible_division(
            request.user, code, level=Level.GRID, related=("parent", "merged_into")
        ),
        reason=payload.reason,
    )
    return _grid_out(request, grid)


@grids.post(
    "/grids/{code}/assignments",
    response={201: AssignmentOut},
    summary="Assign a staff member to a grid",
)
def assign(request: HttpRequest, code: str, payload: AssignIn) -> Status[GridAssignment]:
    require(request, RegionsPerm.MANAGE_GRIDS)
    grid = visible_division(request.user, code, level=Level.GRID, related=("parent", "merged_into"))
    staff = get_visible_or_404(GridStaff.objects.all(), request.user, pk=payload.staff_id)
    return Status(201, actions.assign_staff(actor=user_of(request), grid=grid, staff=staff))


@grids.post("/assignments/{pk}/end", response=AssignmentOut, summary="End an assignment")
def end_assignment(request: HttpRequest, pk: ApiId) -> GridAssignment:
    require(request, RegionsPerm.MANAGE_GRIDS)
    assignment = get_visible_or_404(
        GridAssignment.objects.select_related("grid", "staff"), request.user, pk=pk
    )
    return actions.end_assignment(actor=user_of(request), assignment=assignment)


# --- grid staff --------------------------------------------------------------------------------


class StaffIn(InputSchema):
    village: str = Field(..., max_length=15, pattern=r"^\d+$")
    name: str = Field(..., min_length=1, max_length=50)
    phone: str = Field(..., min_length=5, max_length=20)
    kind: StaffKind
    party_organisation: str = Field("", max_length=100)


class StaffPage(Schema):
    items: list[StaffOut]
    next_after: int | None


class StaffQuery(Schema):
    village: str | None = Field(None, max_length=15, pattern=r"^\d+$")
    after: int | None = Field(None, ge=0, le=MAX_ID)
    limit: int = Field(50, ge=1, le=200)


@grids.get("/staff", response=StaffPage, summary="Grid staff in your jurisdiction")
def list_staff(request: HttpRequest, query: Query[StaffQuery]) -> dict[str, object]:
    require(request, RegionsPerm.VIEW_GRIDSTAFF)
    qs = GridStaff.objects.visible_to(request.user).select_related("division")
    if query.village:
        qs = qs.filter(division__code=query.village)
    if query.after:
        qs = qs.filter(pk__gt=query.after)
    items = list(qs.order_by("pk")[: query.limit + 1])
    more = len(items) > query.limit
    return {
        "items": items[: query.limit],
        "next_after": items[query.limit - 1].pk if more else None,
    }


@grids.post("/staff", response={201: StaffOut}, summary="Register a grid worker or party member")
def create_staff(request: HttpRequest, payload: StaffIn) -> Status[GridStaff]:
    require(request, RegionsPerm.ADD_GRIDSTAFF)
    village = visible_division(request.user, payload.village, related=("parent",))
    staff = actions.create_staff(
        actor=user_of(request),
        village=village,
        name=payload.name,
        phone=payload.phone,
        kind=payload.kind,
        party_organisation=payload.party_organisation,
    )
    return Status(201, staff)


@grids.get("/staff/{pk}", response=StaffOut, summary="One staff member")
def get_staff(request: HttpRequest, pk: ApiId) -> GridStaff:
    require(request, RegionsPerm.VIEW_GRIDSTAFF)
    return get_visible_or_404(GridStaff.objects.select_related("division"), request.user, pk=pk)


router.add_router("/", grids)
