"""The REST API of the notification centre (mounted in fangkong/api.py): the caller's own
notifications, keyset-paged newest first, their unread count, and marking read. Another's
notification answers 404 like one that does not exist. Schema names carry the
``Notification`` prefix (OpenAPI component names are unique)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from fangkong.core.jurisdiction import user_of
from fangkong.core.parsing import ApiId
from fangkong.notifications import actions, selectors
from fangkong.notifications.models import Delivery, Kind, Notification

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: Kind
    title: str
    body: str
    link: str = Field(..., alias="safe_link", description="a path on this site, or empty")
    created_at: dt.datetime
    read_at: dt.datetime | None
    delivery: Delivery


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_after: int | None = Field(None, description="pass as `after` for the next page")


class NotificationQuery(Schema):
    unread: bool = Field(False, description="only the unread ones")
    kind: Kind | None = None
    after: ApiId | None = None
    limit: int = Field(50, ge=1, le=200)


class NotificationCountOut(Schema):
    unread: int


class NotificationReadAllOut(Schema):
    marked: int


@router.get("/notifications", response=NotificationPage, summary="Your notifications")
def list_notifications(request: HttpRequest, query: Query[NotificationQuery]) -> dict[str, object]:
    page = selectors.inbox_page(
        user_of(request),
        unread_only=query.unread,
        kind=query.kind or "",
        after=query.after,
        size=query.limit,
    )
    return {"items": page.items, "next_after": page.next_after}


@router.get(
    "/notifications/unread-count",
    response=NotificationCountOut,
    summary="How many of your notifications are unread",
)
def unread_count(request: HttpRequest) -> dict[str, int]:
    return {"unread": selectors.unread_count(user_of(request))}


@router.post(
    "/notifications/{pk}/read", response=NotificationOut, summary="Mark one notification read"
)
def mark_read(request: HttpRequest, pk: ApiId) -> Notification:
    user = user_of(request)
    notification = get_object_or_404(Notification, pk=pk, user=user)
    return actions.mark_read(actor=user, notification=notification)


@router.post(
    "/notifications/read-all",
    response=NotificationReadAllOut,
    summary="Mark all your notifications read",
)
def mark_all_read(request: HttpRequest) -> dict[str, int]:
    return {"marked": actions.mark_all_read(actor=user_of(request))}
