"""Screens of directives and closures: the list (issued in my area / received by my division),
the issue form, a directive's page (content, attachments, the recipients × state matrix, the
recipient's forms, the closures), attachment downloads, the venue registry and the closure
board. Thin: parse, check the role, call one action, render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.command import directives as actions
from fangkong.command import selectors
from fangkong.command.choices import DirectiveKind, RecipientState, VenueKind
from fangkong.command.forms import (
    CompleteForm,
    DirectiveForm,
    NoteForm,
    PassOnForm,
    ProgressForm,
    VenueEditForm,
    VenueForm,
)
from fangkong.command.models import (
    Attachment,
    Directive,
    DirectiveRecipient,
    Venue,
    VenueClosure,
)
from fangkong.command.permissions import CommandPerm as Perm
from fangkong.core.errors import ActionError
from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import get_visible_or_404, path_in_scope, user_of
from fangkong.core.parsing import parse_int
from fangkong.core.permissions import require
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

PAGE = 50


def _q(request: HttpRequest) -> str:
    return " ".join((request.GET.get("q") or "").split())[:100]


def _page(request: HttpRequest, field: str = "page") -> int:
    return parse_int(request.GET.get(field), field=field, min_value=1, max_value=100_000) or 1


@login_required
def directive_list(request: HttpRequest) -> HttpResponse:
    require(request, Perm.VIEW_DIRECTIVE)
    asked = request.GET.get("tab")
    if asked in ("received", "issued"):
        tab = asked
    else:  # what waits for an answer first
        tab = "received" if selectors.waiting_count(request.user) else "issued"
    q = _q(request)
    items: Any = (
        selectors.inbox(request.user, q)
        if tab == "received"
        else selectors.issued_in_area(request.user, q)
    )
    home = getattr(request.user, "home_division", None)
    return render(
        request,
        "command/directive_list.html",
        {
            "tab": tab,
            "q": q,
            "page": Paginator(items, PAGE).get_page(_page(request)),
            "can_issue": request.user.has_perm(Perm.ISSUE_DIRECTIVE)
            and home is not None
            and home.level < Level.GRID,
        },
    )


def _too_large(request: HttpRequest, form: forms.Form, field: str) -> bool:
    """An upload the upload handler stopped (larger than it lets through) is an error of the
    form's file field, not a form without a file."""
    if getattr(request, "upload_too_large", False):
        form.add_error(field, actions.too_large_message())
        return True
    return False


def _issuer(request: HttpRequest) -> Division:
    home = getattr(request.user, "home_division", None)
    if home is None or home.level >= Level.GRID or not home.active:
        raise Http404
    return home


@login_required
@require_http_methods(["GET", "POST"])
def directive_new(request: HttpRequest) -> HttpResponse:
    require(request, Perm.ISSUE_DIRECTIVE)
    issuer = _issuer(request)
    actor = user_of(request)
    form = DirectiveForm(request.POST or None, request.FILES or None, issuer=issuer)
    posted = request.method == "POST"
    if posted and form.is_valid() and not _too_large(request, form, "attachments"):
        data = form.cleaned_data
        done = run_action(
            form,
            lambda: actions.issue_directive(
                actor=actor,
                issuer_division=issuer,
                kind=data["kind"],
                title=data["title"],
                content=data["content"],
                feedback_required=data["feedback_required"],
                deadline=data["deadline"],
                recipients=data["recipients"] or None,
                level=data["level"],
                departments=data["departments"],
                attachments=data["attachments"],
            ),
        )
        if done is not None:
            messages.success(
                request,
                _("Directive issued to %(n)s recipients.") % {"n": done.recipient_count},
            )
            return redirect(done.get_absolute_url())
    return render(request, "command/directive_form.html", {"form": form, "issuer": issuer})


def _directive(request: HttpRequest, pk: int) -> Directive:
    directive: Directive = get_visible_or_404(
        Directive.objects.select_related("division", "parent_recipient__directive"),
        request.user,
        pk=pk,
    )
    return directive


def _directive_page(
    request: HttpRequest, directive: Directive, status: int = 200, **bound: forms.Form
) -> HttpResponse:
    user = request.user
    home_id = getattr(user, "home_division_id", None)
    mine = list(
        DirectiveRecipient.objects.filter(directive=directive, division_id=home_id)
        .select_related("division", "evidence_attachment")
        .order_by("department", "id")
        if home_id is not None
        else []
    )
    home = getattr(user, "home_division", None)
    forms_: dict[str, Any] = {
        "progress_form": ProgressForm(),
        "complete_form": CompleteForm(),
        "pass_on_form": PassOnForm(division=home) if home is not None else None,
        "note_form": NoteForm(),
    }
    forms_.update(bound)
    issuer_side = path_in_scope(user, directive.division_path)
    closures = None
    if directive.kind == DirectiveKind.CLOSURE:
        order = selectors.closure_order(directive)
        closures = Paginator(selectors.closures(user, order), PAGE).get_page(
            _page(request, "cpage")
        )
    return render(
        request,
        "command/directive.html",
        {
            "directive": directive,
            "attachments": directive.attachments.filter(recipient__isnull=True),
            "matrix": selectors.matrix(directive, user, _page(request)),
            "states": RecipientState.choices,
            "mine": mine,
            "closures": closures,
            "can_answer": user.has_perm(Perm.ANSWER_DIRECTIVE),
            "can_confirm": user.has_perm(Perm.CONFIRM_CLOSURE),
            "can_reopen": issuer_side
            and user.has_perm(Perm.ISSUE_DIRECTIVE)
            and directive.kind == DirectiveKind.CLOSURE
            and directive.parent_recipient_id is None,
            "board_code": directive.division.code
            if issuer_side
            else (home.code if home is not None and home.level < Level.GRID else None),
            "done": RecipientState.DONE,
            **forms_,
        },
        status=status,
    )


@login_required
def directive_detail(request: HttpRequest, pk: int) -> HttpResponse:
    directive = _directive(request, pk)
    require(request, Perm.VIEW_DIRECTIVE)
    return _directive_page(request, directive)


def _recipient(request: HttpRequest, pk: int) -> DirectiveRecipient:
    row: DirectiveRecipient = get_visible_or_404(
        DirectiveRecipient.objects.select_related("directive__division"), request.user, pk=pk
    )
    return row


def _answered(request: HttpRequest, row: DirectiveRecipient, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(row.directive.get_absolute_url())


@login_required
@require_POST
def recipient_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    row = _recipient(request, pk)
    require(request, Perm.ANSWER_DIRECTIVE)
    try:
        actions.acknowledge(actor=user_of(request), recipient=row)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect(row.directive.get_absolute_url())
    return _answered(request, row, _("Acknowledged."))


@login_required
@require_POST
def recipient_progress(request: HttpRequest, pk: int) -> HttpResponse:
    row = _recipient(request, pk)
    require(request, Perm.ANSWER_DIRECTIVE)
    actor = user_of(request)
    form = ProgressForm(request.POST)
    if form.is_valid() and (
        run_action(
            form,
            lambda: actions.report_progress(
                actor=actor, recipient=row, progress=form.cleaned_data["progress"]
            ),
        )
        is not None
    ):
        return _answered(request, row, _("Progress reported."))
    return _directive_page(request, row.directive, progress_form=form)


@login_required
@require_POST
def recipient_complete(request: HttpRequest, pk: int) -> HttpResponse:
    row = _recipient(request, pk)
    require(request, Perm.ANSWER_DIRECTIVE)
    actor = user_of(request)
    form = CompleteForm(request.POST, request.FILES)
    if (
        form.is_valid()
        and not _too_large(request, form, "attachment")
        and (
            run_action(
                form,
                lambda: actions.complete(
                    actor=actor,
                    recipient=row,
                    evidence=form.cleaned_data["evidence"],
                    attachment=form.cleaned_data["attachment"],
                ),
            )
            is not None
        )
    ):
        return _answered(request, row, _("Completed."))
    return _directive_page(request, row.directive, complete_form=form)


@login_required
@require_POST
def recipient_pass_on(request: HttpRequest, pk: int) -> HttpResponse:
    row = _recipient(request, pk)
    require(request, Perm.ANSWER_DIRECTIVE)
    actor = user_of(request)
    division = Division.objects.get(pk=row.division_id)
    form = PassOnForm(request.POST, division=division)
    if form.is_valid():
        data = form.cleaned_data
        child = run_action(
            form,
            lambda: actions.pass_on(
                actor=actor,
                recipient=row,
                recipients=data["recipients"] or None,
                level=data["level"],
                deadline=data["deadline"],
            ),
        )
        if child is not None:
            messages.success(
                request, _("Passed on to %(n)s recipients.") % {"n": child.recipient_count}
            )
            return redirect(child.get_absolute_url())
    return _directive_page(request, row.directive, pass_on_form=form)


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    require(request, Perm.VIEW_DIRECTIVE)
    att = _attachment(request, pk)
    try:
        handle = actions.open_attachment(actor=user_of(request), attachment=att)
    except ActionError as exc:
        raise Http404 from exc
    return FileResponse(
        handle, as_attachment=True, filename=att.name, content_type=att.content_type
    )


def _attachment(request: HttpRequest, pk: int) -> Attachment:
    """An attachment of a directive the user can see (issuer's or recipient's side)."""
    att = Attachment.objects.filter(pk=pk).first()
    if (
        att is None
        or not Directive.objects.visible_to(request.user).filter(pk=att.directive_id).exists()
    ):
        raise Http404
    return att


# --- closures ----------------------------------------------------------------------------------


def _closure(request: HttpRequest, pk: int) -> VenueClosure:
    row: VenueClosure = get_visible_or_404(
        VenueClosure.objects.select_related("directive", "venue"), request.user, pk=pk
    )
    return row


def _closure_answer(request: HttpRequest, pk: int, act: Any, message: str) -> HttpResponse:
    row = _closure(request, pk)
    require(request, Perm.CONFIRM_CLOSURE)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            act(actor=user_of(request), closure=row, note=form.cleaned_data["note"])
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, message % {"venue": row.venue.name})
    back = request.POST.get("next") or ""
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect(row.directive.get_absolute_url())


@login_required
@require_POST
def closure_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _closure_answer(request, pk, actions.confirm_closed, _("%(venue)s confirmed closed."))


@login_required
@require_POST
def closure_check(request: HttpRequest, pk: int) -> HttpResponse:
    return _closure_answer(request, pk, actions.check_closure, _("%(venue)s checked."))


@login_required
@require_POST
def directive_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    directive = _directive(request, pk)
    require(request, Perm.ISSUE_DIRECTIVE)
    try:
        n = actions.reopen_closures(actor=user_of(request), directive=directive)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(n)s venues reopened.") % {"n": n})
    return redirect(directive.get_absolute_url())


@login_required
def closure_board(request: HttpRequest, code: str) -> HttpResponse:
    division: Division = get_visible_or_404(
        Division.objects.filter(level__lt=Level.GRID), request.user, code=code
    )
    require(request, Perm.VIEW_VENUE)
    return render(
        request,
        "command/closure_board.html",
        {"division": division, "rows": selectors.closure_board(division)},
    )


# --- venues ------------------------------------------------------------------------------------


@login_required
def venue_list(request: HttpRequest) -> HttpResponse:
    require(request, Perm.VIEW_VENUE)
    new = (request.GET.get("new") or "").strip()
    if new and request.user.has_perm(Perm.MANAGE_VENUE) and new.isascii() and new.isdigit():
        division = (
            Division.objects.visible_to(request.user)
            .filter(code=new[:15], level__in=[Level.VILLAGE, Level.GRID])
            .first()
        )
        if division is not None:
            return redirect("command:venue_new", code=division.code)
        messages.error(request, _("No village or grid with this code in your jurisdiction."))
    q = _q(request)
    kind = request.GET.get("kind") or ""
    if kind not in VenueKind.values:
        kind = ""
    home = getattr(request.user, "home_division", None)
    return render(
        request,
        "command/venue_list.html",
        {
            "q": q,
            "kind": kind,
            "kinds": VenueKind.choices,
            "page": Paginator(selectors.venues(request.user, q, kind), PAGE).get_page(
                _page(request)
            ),
            "can_manage": request.user.has_perm(Perm.MANAGE_VENUE),
            "can_confirm": request.user.has_perm(Perm.CONFIRM_CLOSURE),
            "to_close": selectors.open_closures(request.user)[:PAGE],
            "home": home,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def venue_new(request: HttpRequest, code: str) -> HttpResponse:
    division: Division = get_visible_or_404(
        Division.objects.filter(level__in=[Level.VILLAGE, Level.GRID]), request.user, code=code
    )
    require(request, Perm.MANAGE_VENUE)
    actor = user_of(request)
    form = VenueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form, lambda: actions.add_venue(actor=actor, division=division, **form.cleaned_data)
        )
        if done is not None:
            messages.success(request, _("%(name)s registered.") % {"name": done.name})
            return redirect("command:venues")
    return render(
        request, "command/venue_form.html", {"form": form, "division": division, "venue": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def venue_edit(request: HttpRequest, pk: int) -> HttpResponse:
    venue: Venue = get_visible_or_404(Venue.objects.select_related("division"), request.user, pk=pk)
    require(request, Perm.MANAGE_VENUE)
    actor = user_of(request)
    initial = {
        "name": venue.name,
        "kind": venue.kind,
        "address": venue.address,
        "active": venue.active,
    }
    form = VenueEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form, lambda: actions.update_venue(actor=actor, venue=venue, **form.cleaned_data)
        )
        if done is not None:
            messages.success(request, _("%(name)s saved.") % {"name": done.name})
            return redirect("command:venues")
    return render(
        request,
        "command/venue_form.html",
        {"form": form, "division": venue.division, "venue": venue},
    )
