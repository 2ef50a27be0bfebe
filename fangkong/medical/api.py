"""The REST API of the medical app (mounted in fangkong/api.py)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from fangkong.core.parsing import ApiId
from fangkong.core.permissions import require
from fangkong.medical import selectors
from fangkong.medical.choices import FacilityKind
from fangkong.medical.permissions import MedicalPerm

router = Router(tags=["medical"])


class FacilityOut(Schema):
    id: int
    name: str
    kind: FacilityKind
    division_code: str = Field(..., alias="division.code")
    division_name: str = Field(..., alias="division.name")
    address: str
    phone: str
    longitude: float | None
    latitude: float | None
    active: bool


class FacilityPage(Schema):
    items: list[FacilityOut]
    next_after: int | None


class FacilityQuery(Schema):
    kind: FacilityKind | None = None
    q: str | None = Field(None, max_length=40, description="part of the name")
    active: bool = Field(False, description="open facilities only")
    after: ApiId | None = None
    limit: int = Field(50, ge=1, le=200)


@router.get("/facilities", response=FacilityPage, summary="Medical facilities in your area")
def list_facilities(request: HttpRequest, query: Query[FacilityQuery]) -> dict[str, object]:
    require(request, MedicalPerm.VIEW_FACILITY)
    qs = selectors.facilities(
        request.user,
        kind=query.kind.value if query.kind else "",
        q=(query.q or "").strip(),
        active_only=query.active,
    )
    page = selectors.page(qs, after=query.after, size=query.limit)
    return {"items": page.items, "next_after": page.next_after}
