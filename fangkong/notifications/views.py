"""The notification centre: the logged-in user's own notifications, filtered by unread and by
kind, marked read one by one or all at once. Nobody sees or marks another's: another's
notification answers 404, like one that does not exist."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.jurisdiction import user_of
from fangkong.core.parsing import BadInput, parse_id
from fangkong.notifications import actions, selectors
from fangkong.notifications.models import Kind, Notification

SHOW = ("all", "unread")


def _filters(request: HttpRequest) -> tuple[str, str]:
    show = request.GET.get("show", "").strip() or "all"
    if show not in SHOW:
        raise BadInput(_("“show” must be “all” or “unread”."), field="show")
    kind = request.GET.get("kind", "").strip()
    if kind and kind not in Kind.values:
        raise BadInput(_("“kind” is not a kind of notification."), field="kind")
    return show, kind


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    show, kind = _filters(request)
    user = user_of(request)
    page = selectors.inbox_page(
        user,
        unread_only=show == "unread",
        kind=kind,
        after=parse_id(request.GET.get("after"), field="after"),
        size=settings.FANGKONG_PAGE_SIZE,
    )
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "show": show,
            "kind": kind,
            "kinds": Kind.choices,
            "here": request.get_full_path(),
        },
    )


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the list the form was sent from (a page of the notification centre only)."""
    target = request.POST.get("next", "")
    home = reverse("notifications:list")
    if target.startswith(home) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(home)


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    notification = get_object_or_404(Notification, pk=pk, user=user)
    actions.mark_read(actor=user, notification=notification)
    return _back(request)


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    marked = actions.mark_all_read(actor=user_of(request))
    messages.success(request, _("%(count)s notifications marked read.") % {"count": marked})
    return _back(request)
