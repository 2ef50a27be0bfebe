"""Screens of contact tracing: the contact list, a contact's page with its tracing steps, adding
a contact from a case, and the hand-overs received and sent. Thin: parse, check the role, call
one action, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.cases.models import Case
from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import get_visible_or_404, path_in_scope, user_of
from fangkong.core.parsing import parse_id
from fangkong.core.permissions import require
from fangkong.regions.selectors import visible_division
from fangkong.tracing import actions, selectors
from fangkong.tracing.forms import (
    ContactFilterForm,
    ContactForm,
    GridForm,
    HandoverFilterForm,
    NoteForm,
)
from fangkong.tracing.models import Contact, Handover
from fangkong.tracing.permissions import TracingPerm

PAGE = 50


# --- the contact list ---------------------------------------------------------------------------


def _filters(request: HttpRequest) -> tuple[ContactFilterForm, selectors.Filters, list[str]]:
    form = ContactFilterForm(request.GET or None)
    filters = selectors.Filters()
    errors: list[str] = []
    if not request.GET:
        return form, filters, errors
    if not form.is_valid():
        return form, filters, [str(e) for errs in form.errors.values() for e in errs]
    clean = form.cleaned_data
    code = clean["county"].strip()
    if code:  # unknown or out of scope: 404, as for a division in the address
        filters.county = visible_division(request.user, code)
    filters.status, filters.kind = clean["status"], clean["kind"]
    filters.case_number, filters.q = clean["case"].strip(), clean["q"].strip()
    return form, filters, errors


@login_required
def contact_list(request: HttpRequest) -> HttpResponse:
    """Contacts of the cases in the user's jurisdiction, newest first, by key."""
    require(request, TracingPerm.VIEW_CONTACT)
    form, filters, errors = _filters(request)
    page = selectors.Page(items=[], next_after=None)
    if not errors:
        page = selectors.keyset_page(
            selectors.contacts(request.user, filters),
            after=parse_id(request.GET.get("after"), field="after"),
            size=PAGE,
            related=selectors.LIST_RELATED,
        )
    params = request.GET.copy()
    params.pop("after", None)
    return render(
        request,
        "tracing/list.html",
        {"form": form, "page": page, "errors": errors, "query_string": params.urlencode()},
    )


# --- a contact ----------------------------------------------------------------------------------


def _contact(request: HttpRequest, pk: int) -> Contact:
    contact: Contact = get_visible_or_404(
        Contact.objects.select_related(
            "case", "residence", "source_contact", "person", "observation", "became_case"
        ),
        request.user,
        pk=pk,
    )
    return contact


def _detail(
    request: HttpRequest, contact: Contact, status: int = 200, **forms: Any
) -> HttpResponse:
    user = request.user
    handover = Handover.objects.filter(contact=contact).select_related("to_division").first()
    can_trace = handover is None and user.has_perm(TracingPerm.CHANGE_CONTACT)
    area = contact.residence if path_in_scope(user, contact.residence.path) else None
    context = {
        "contact": contact,
        "handover": handover,
        "can_trace": can_trace,
        "find_form": forms.get("find_form")
        or (GridForm(area=area, actor=user) if can_trace and area is not None else None),
        "lost_form": forms.get("lost_form") or NoteForm(),
        "case_visible": Case.objects.visible_to(user).filter(pk=contact.case_id).exists(),
        "became_case_visible": contact.became_case_id is not None
        and Case.objects.visible_to(user).filter(pk=contact.became_case_id).exists(),
        "secondary": contact.secondary_contacts.all().order_by("id")[:100],
    }
    return render(request, "tracing/contact.html", context, status=status)


@login_required
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, TracingPerm.VIEW_CONTACT)
    return _detail(request, _contact(request, pk))


@login_required
@require_POST
def contact_find(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    require(request, TracingPerm.CHANGE_CONTACT)
    form = GridForm(request.POST, area=contact.residence, actor=request.user)
    if form.is_valid():
        done = run_action(
            form,
            lambda: actions.find_contact(
                actor=user_of(request), contact=contact, grid=form.cleaned_data["grid"]
            ),
        )
        if done is not None:
            messages.success(request, _("Contact found and registered."))
            return redirect(contact.get_absolute_url())
    return _detail(request, contact, status=400, find_form=form)


def _simple(request: HttpRequest, pk: int, call: Any, done_message: str) -> HttpResponse:
    contact = _contact(request, pk)
    require(request, TracingPerm.CHANGE_CONTACT)
    form = NoteForm()
    if run_action(form, lambda: call(contact)) is None:
        for error in form.non_field_errors():
            messages.error(request, str(error))
    else:
        messages.success(request, done_message)
    return redirect(contact.get_absolute_url())


@login_required
@require_POST
def contact_observe(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple(
        request,
        pk,
        lambda c: actions.observe_contact(actor=user_of(request), contact=c),
        _("Centralized observation started."),
    )


@login_required
@require_POST
def contact_lost(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    require(request, TracingPerm.CHANGE_CONTACT)
    form = NoteForm(request.POST)
    if form.is_valid():
        done = run_action(
            form,
            lambda: actions.mark_lost(
                actor=user_of(request), contact=contact, note=form.cleaned_data["note"]
            ),
        )
        if done is not None:
            messages.success(request, _("Contact recorded as not found."))
            return redirect(contact.get_absolute_url())
    return _detail(request, contact, status=400, lost_form=form)


# --- adding a contact from a case -----------------------------------------------------------------


def _investigated_case(request: HttpRequest, case_pk: int) -> Case:
    """A case the user's jurisdiction investigates (its address side): the reporting clinic's
    county sees the case but does not trace its contacts."""
    case: Case = get_visible_or_404(
        Case.objects.select_related("person", "county"), request.user, pk=case_pk
    )
    # A write goes on to the action, whose own check refuses it (404 all the same).
    if request.method == "GET" and not path_in_scope(request.user, case.division_path):
        raise Http404
    return case


@login_required
@require_http_methods(["GET", "POST"])
def add_contact(request: HttpRequest, case_pk: int) -> HttpResponse:
    require(request, TracingPerm.ADD_CONTACT)
    case = _investigated_case(request, case_pk)
    form = ContactForm(request.POST or None, case=case, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contact = run_action(
            form,
            lambda: actions.add_contact(
                actor=user_of(request),
                case=case,
                name=data["name"],
                doc_type=data["doc_type"],
                doc_number=data["doc_number"],
                phone=data["phone"],
                address=data["address"],
                residence=data["residence"],
                relation=data["relation"],
                first_exposure=data["first_exposure"],
                last_exposure=data["last_exposure"],
                protected=data["protected"],
                source_contact=data["source_contact"],
            ),
        )
        if contact is not None:
            if contact.status == "handed_over":
                messages.success(
                    request,
                    _("Contact added and handed over to %(county)s.")
                    % {"county": contact.handover.to_division.name},
                )
            else:
                messages.success(request, _("Contact added."))
            if "another" in request.POST:
                return redirect("tracing:add_contact", case_pk=case.pk)
            return redirect(contact.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(request, "tracing/add_contact.html", {"case": case, "form": form}, status=status)


# --- hand-overs ---------------------------------------------------------------------------------


@login_required
def handover_list(request: HttpRequest) -> HttpResponse:
    require(request, TracingPerm.VIEW_HANDOVER)
    form = HandoverFilterForm(request.GET or None)
    direction, state = "in", ""
    if form.is_bound and form.is_valid():
        direction = form.cleaned_data["direction"] or "in"
        state = form.cleaned_data["state"]
    qs: QuerySet[Handover]
    if direction == "escalated":
        home = getattr(request.user, "home_division", None)
        qs = Handover.objects.visible_to(request.user).filter(escalated_to=home)
        if state:
            qs = qs.filter(state=state)
    else:
        qs = selectors.handovers(request.user, direction, state)
    page = selectors.keyset_page(
        qs,
        after=parse_id(request.GET.get("after"), field="after"),
        size=PAGE,
        related=("from_division", "to_division", "contact"),
    )
    params = request.GET.copy()
    params.pop("after", None)
    return render(
        request,
        "tracing/handovers.html",
        {
            "form": form,
            "page": page,
            "direction": direction,
            "query_string": params.urlencode(),
        },
    )


def _handover(request: HttpRequest, pk: int) -> Handover:
    handover: Handover = get_visible_or_404(
        Handover.objects.select_related(
            "contact",
            "contact__case",
            "contact__residence",
            "from_division",
            "to_division",
            "escalated_to",
            "person",
            "observation",
        ),
        request.user,
        pk=pk,
    )
    return handover


def _handover_page(
    request: HttpRequest, handover: Handover, status: int = 200, **forms: Any
) -> HttpResponse:
    user = request.user
    receiver = selectors.receives(user, handover)
    can_handle = receiver and user.has_perm(TracingPerm.HANDLE_HANDOVER)
    context = {
        "handover": handover,
        "contact": handover.contact,
        "receiver": receiver,
        "sender": path_in_scope(user, handover.contact.division_path),
        "can_handle": can_handle,
        "found_form": forms.get("found_form")
        or (GridForm(area=handover.contact.residence, actor=user) if can_handle else None),
        "not_found_form": forms.get("not_found_form") or NoteForm(),
    }
    return render(request, "tracing/handover.html", context, status=status)


@login_required
def handover_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, TracingPerm.VIEW_HANDOVER)
    return _handover_page(request, _handover(request, pk))


def _receiving(request: HttpRequest, pk: int) -> Handover:
    """A hand-over the user sees; the action refuses (404) unless their county receives it."""
    handover = _handover(request, pk)
    require(request, TracingPerm.HANDLE_HANDOVER)
    return handover


@login_required
@require_POST
def handover_accept(request: HttpRequest, pk: int) -> HttpResponse:
    handover = _receiving(request, pk)
    form = NoteForm()
    if run_action(form, lambda: actions.accept_handover(actor=user_of(request), handover=handover)):
        messages.success(request, _("Hand-over accepted: find the contact."))
    for error in form.non_field_errors():
        messages.error(request, str(error))
    return redirect(handover.get_absolute_url())


@login_required
@require_POST
def handover_found(request: HttpRequest, pk: int) -> HttpResponse:
    handover = _receiving(request, pk)
    form = GridForm(request.POST, area=handover.contact.residence, actor=request.user)
    if form.is_valid():
        done = run_action(
            form,
            lambda: actions.handover_found(
                actor=user_of(request), handover=handover, grid=form.cleaned_data["grid"]
            ),
        )
        if done is not None:
            messages.success(request, _("Contact found and registered."))
            return redirect(handover.get_absolute_url())
    return _handover_page(request, handover, status=400, found_form=form)


@login_required
@require_POST
def handover_observe(request: HttpRequest, pk: int) -> HttpResponse:
    handover = _receiving(request, pk)
    form = NoteForm()
    if run_action(
        form, lambda: actions.handover_observe(actor=user_of(request), handover=handover)
    ):
        messages.success(request, _("Centralized observation started."))
    for error in form.non_field_errors():
        messages.error(request, str(error))
    return redirect(handover.get_absolute_url())


@login_required
@require_POST
def handover_not_found(request: HttpRequest, pk: int) -> HttpResponse:
    handover = _receiving(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        done = run_action(
            form,
            lambda: actions.handover_not_found(
                actor=user_of(request), handover=handover, note=form.cleaned_data["note"]
            ),
        )
        if done is not None:
            messages.success(request, _("Contact recorded as not found."))
            return redirect(handover.get_absolute_url())
    return _handover_page(request, handover, status=400, not_found_form=form)


def case_contacts_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    """What ``tracing/_case_contacts.html`` needs on the case page (cases/views.py)."""
    user = request.user
    return {
        "tracing_contacts": list(selectors.contacts_of_case(user, case)[:500])
        if user.has_perm(TracingPerm.VIEW_CONTACT)
        else [],
        "tracing_can_add": user.has_perm(TracingPerm.ADD_CONTACT)
        and path_in_scope(user, case.division_path),
        "tracing_visible": user.has_perm(TracingPerm.VIEW_CONTACT),
    }
