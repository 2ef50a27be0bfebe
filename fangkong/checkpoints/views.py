"""Pages of the checkpoint module: sites, registering passages on a phone, the passage list, and
the to-do list of flagged travellers at their destination."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.checkpoints import actions, rules, selectors
from fangkong.checkpoints.actions import PassageRejected
from fangkong.checkpoints.choices import Direction, HandoverStatus, Source
from fangkong.checkpoints.forms import (
    PEOPLE_PREFIX,
    PERSON_FIELD,
    CheckpointForm,
    CloseForm,
    HandleForm,
    PassageForm,
    PersonForm,
    PersonFormSet,
    TokensForm,
    now_local,
)
from fangkong.checkpoints.intake import MAX_PEOPLE, PassageInput
from fangkong.checkpoints.models import Checkpoint, Handover, Passage
from fangkong.checkpoints.permissions import CheckpointsPerm
from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import OutOfJurisdiction, get_visible_or_404, user_of
from fangkong.core.parsing import parse_date, parse_id, parse_int, parse_moment_cursor
from fangkong.core.permissions import require
from fangkong.people.permissions import PeoplePerm
from fangkong.screening.permissions import ScreeningPerm

PAGE = 50
RECENT = 20


def _checkpoint(request: HttpRequest, pk: int) -> Checkpoint:
    checkpoint: Checkpoint = get_visible_or_404(
        Checkpoint.objects.select_related("division"), request.user, pk=pk
    )
    return checkpoint


def _int(value: str | None, field: str = "after") -> int | None:
    return parse_id(value, field=field)


def _date(value: str | None, field: str) -> dt.date | None:
    return parse_date(value, field=field)


# --- sites -------------------------------------------------------------------------------------


@login_required
def checkpoint_list(request: HttpRequest) -> HttpResponse:
    require(request, CheckpointsPerm.VIEW_CHECKPOINT)
    page = selectors.checkpoint_page(
        user_of(request), after=_int(request.GET.get("after")), size=PAGE
    )
    return render(
        request,
        "checkpoints/checkpoint_list.html",
        {"page": page, "can_manage": request.user.has_perm(CheckpointsPerm.ADD_CHECKPOINT)},
    )


def _warn_location(request: HttpRequest, checkpoint: Checkpoint) -> None:
    for warning in rules.location_warnings(
        checkpoint.division_path, checkpoint.longitude, checkpoint.latitude
    ):
        messages.warning(request, warning)


@login_required
@require_http_methods(["GET", "POST"])
def checkpoint_create(request: HttpRequest) -> HttpResponse:
    require(request, CheckpointsPerm.ADD_CHECKPOINT)
    form = CheckpointForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        checkpoint = run_action(
            form,
            lambda: actions.create_checkpoint(actor=user_of(request), **form.cleaned_data),
        )
        if checkpoint is not None:
            messages.success(request, _("Checkpoint “%(name)s” added.") % {"name": checkpoint.name})
            _warn_location(request, checkpoint)
            return redirect(checkpoint.get_absolute_url())
    return render(request, "checkpoints/checkpoint_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def checkpoint_edit(request: HttpRequest, pk: int) -> HttpResponse:
    checkpoint = _checkpoint(request, pk)
    require(request, CheckpointsPerm.CHANGE_CHECKPOINT)
    initial = {
        "name": checkpoint.name,
        "kind": checkpoint.kind,
        "division": checkpoint.division.code,
        "longitude": checkpoint.longitude,
        "latitude": checkpoint.latitude,
        "note": checkpoint.note,
    }
    form = CheckpointForm(request.POST or None, initial=initial, actor=request.user)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form,
            lambda: actions.update_checkpoint(
                actor=user_of(request), checkpoint=checkpoint, **form.cleaned_data
            ),
        )
        if done is not None:
            _warn_location(request, done)
            return redirect(done.get_absolute_url())
    return render(
        request, "checkpoints/checkpoint_form.html", {"form": form, "checkpoint": checkpoint}
    )


@login_required
@require_http_methods(["GET", "POST"])
def checkpoint_tokens(request: HttpRequest, pk: int) -> HttpResponse:
    """Bind the terminals' tokens to this checkpoint (the command office)."""
    checkpoint = _checkpoint(request, pk)
    require(request, CheckpointsPerm.CHANGE_CHECKPOINT)
    user = user_of(request)
    choices = [
        (t.pk, f"{t.name} ({t.prefix}…) · {t.user.username}")
        for t in actions.bindable_tokens(user, checkpoint)
    ]
    bound = list(checkpoint.tokens.values_list("pk", flat=True))
    form = TokensForm(request.POST or None, initial={"tokens": bound}, choices=choices)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form,
            lambda: actions.bind_tokens(
                actor=user, checkpoint=checkpoint, tokens=form.cleaned_data["tokens"]
            ),
        )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect(checkpoint.get_absolute_url())
    return render(
        request, "checkpoints/checkpoint_tokens.html", {"form": form, "checkpoint": checkpoint}
    )


@login_required
@require_http_methods(["GET", "POST"])
def checkpoint_close(request: HttpRequest, pk: int) -> HttpResponse:
    checkpoint = _checkpoint(request, pk)
    require(request, CheckpointsPerm.CHANGE_CHECKPOINT)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form,
            lambda: actions.close_checkpoint(
                actor=user_of(request), checkpoint=checkpoint, reason=form.cleaned_data["reason"]
            ),
        )
        if done is not None:
            return redirect(done.get_absolute_url())
    return render(
        request, "checkpoints/checkpoint_close.html", {"form": form, "checkpoint": checkpoint}
    )


@login_required
@require_POST
def checkpoint_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    checkpoint = _checkpoint(request, pk)
    require(request, CheckpointsPerm.CHANGE_CHECKPOINT)
    form = Form()
    done = run_action(
        form, lambda: actions.reopen_checkpoint(actor=user_of(request), checkpoint=checkpoint)
    )
    for error in form.non_field_errors():
        messages.error(request, str(error))
    return redirect((done or checkpoint).get_absolute_url())


@login_required
def checkpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    checkpoint = _checkpoint(request, pk)
    require(request, CheckpointsPerm.VIEW_CHECKPOINT)
    context: dict[str, Any] = {
        "checkpoint": checkpoint,
        "today": selectors.day_counts([checkpoint.pk], timezone.localdate())[checkpoint.pk],
        "warnings": rules.location_warnings(
            checkpoint.division_path, checkpoint.longitude, checkpoint.latitude
        ),
        "can_manage": request.user.has_perm(CheckpointsPerm.CHANGE_CHECKPOINT),
        "can_view_passages": request.user.has_perm(CheckpointsPerm.VIEW_PASSAGE),
    }
    if context["can_view_passages"]:
        context["recent"] = selectors.recent_passages(checkpoint, RECENT)
    if request.user.has_perm(CheckpointsPerm.ADD_PASSAGE) and checkpoint.active:
        context.update(_blank_registration())
    return render(request, "checkpoints/checkpoint_detail.html", context)


# --- registering a passage ---------------------------------------------------------------------


def _blank_registration() -> dict[str, Any]:
    return {
        "form": PassageForm(initial={"passed_at": now_local()}),
        "people": PersonFormSet(prefix=PEOPLE_PREFIX),
        "max_people": MAX_PEOPLE,
    }


def _place_problems(form: PassageForm, filled: list[PersonForm], problems: list[Any]) -> None:
    """Put each problem the action found on the form field it is about."""
    for problem in problems:
        parts = problem.field.split(".")
        if parts[0] == "people" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(filled):
                target = filled[index]
                name = PERSON_FIELD.get(parts[2], parts[2])
                target.add_error(name if name in target.fields else None, problem.message)
                continue
        name = problem.field if problem.field in form.fields else None
        form.add_error(name, problem.message)


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, pk: int) -> HttpResponse:
    checkpoint = _checkpoint(request, pk)
    require(request, CheckpointsPerm.ADD_PASSAGE)
    if request.method == "GET":
        context = {"checkpoint": checkpoint, **_blank_registration()}
        return render(request, "checkpoints/register.html", context)
    data: QueryDict = request.POST
    if "add_person" in data:  # without htmx: the same page with one more empty row
        data = _with_one_more_row(data)
    form = PassageForm(data)
    people = PersonFormSet(data, prefix=PEOPLE_PREFIX)
    context = {"checkpoint": checkpoint, "form": form, "people": people, "max_people": MAX_PEOPLE}
    if "add_person" in request.POST:
        return render(request, "checkpoints/register.html", context)
    forms_ok = form.is_valid() & people.is_valid()
    if not forms_ok:
        return render(request, "checkpoints/register.html", context)
    filled = [f for f in people.forms if f.has_changed()]
    passage_input = PassageInput(
        uuid=form.cleaned_data["uuid"] or uuid.uuid4(),
        plate=form.cleaned_data["plate"],
        direction=form.cleaned_data["direction"],
        passed_at=form.cleaned_data["passed_at"],
        people=[f.to_input() for f in filled],
    )
    try:
        passage, created = actions.register_passage(
            actor=user_of(request), checkpoint=checkpoint, passage=passage_input, source=Source.WEB
        )
    except PassageRejected as exc:
        _place_problems(form, filled, exc.problems)
        return render(request, "checkpoints/register.html", context)
    except OutOfJurisdiction as exc:  # pragma: no cover - the site was visible above
        raise Http404 from exc
    if created:
        message = ngettext(
            "Registered %(n)d person.", "Registered %(n)d people.", passage.n_people
        ) % {"n": passage.n_people}
        if passage.n_flagged:
            message += " " + ngettext(
                "%(k)d flagged and handed to the destination.",
                "%(k)d flagged and handed to their destinations.",
                passage.n_flagged,
            ) % {"k": passage.n_flagged}
        messages.success(request, message)
    else:
        messages.info(request, _("This passage was already registered."))
    return redirect(checkpoint.get_absolute_url())


def _with_one_more_row(data: QueryDict) -> QueryDict:
    data = data.copy()
    key = f"{PEOPLE_PREFIX}-TOTAL_FORMS"
    total = parse_int(data.get(key), field=key, max_value=1000) or 0
    data[key] = str(min(total + 1, MAX_PEOPLE))
    return data


@login_required
def person_row(request: HttpRequest) -> HttpResponse:
    """One more person on the registration form (htmx): the row, and the form count updated."""
    require(request, CheckpointsPerm.ADD_PASSAGE)
    key = f"{PEOPLE_PREFIX}-TOTAL_FORMS"
    index = parse_int(request.GET.get(key), field=key, max_value=1000) or 0
    if index >= MAX_PEOPLE:
        return render(request, "checkpoints/_people_full.html", {"max_people": MAX_PEOPLE})
    form = PersonForm(
        prefix=f"{PEOPLE_PREFIX}-{index}", empty_permitted=True, use_required_attribute=False
    )
    return render(
        request,
        "checkpoints/_person_row.html",
        {"person": form, "index": index, "total": index + 1, "oob": True},
    )


@login_required
def destinations(request: HttpRequest) -> HttpResponse:
    """Suggestions for a destination field (htmx fills its <datalist>)."""
    require(request, CheckpointsPerm.ADD_PASSAGE)
    query = request.GET.get("q") or next(
        (str(v) for k, v in request.GET.items() if k.endswith("destination")), ""
    )
    found = selectors.search_destinations(user_of(request), query)
    labels = selectors.division_labels(found)
    return render(
        request,
        "regions/_division_options.html",
        {"options": [(d.code, labels[d.pk]) for d in found]},
    )


# --- passages ----------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> selectors.PassageFilters:
    get = request.GET
    filters = selectors.PassageFilters(
        date_from=_date(get.get("from"), "from"),
        date_to=_date(get.get("to"), "to"),
        flagged={"1": True, "0": False}.get(get.get("flagged", "")),
        plate=rules.normalise_plate(get.get("plate", ""))[:16],
        doc_number=(get.get("doc") or "").strip()[:40],
    )
    checkpoint_id = _int(get.get("checkpoint"), "checkpoint")
    if checkpoint_id is not None:
        filters.checkpoint = _checkpoint(request, checkpoint_id)
    return filters


@login_required
def passage_list(request: HttpRequest) -> HttpResponse:
    require(request, CheckpointsPerm.VIEW_PASSAGE)
    filters = _filters(request)
    page = selectors.passage_page(
        user_of(request), filters, after=parse_moment_cursor(request.GET.get("after")), size=PAGE
    )
    query = request.GET.copy()
    query.pop("after", None)
    return render(
        request,
        "checkpoints/passage_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "checkpoints": Checkpoint.objects.visible_to(request.user).order_by("name")[:200],
            "get": request.GET,
        },
    )


@login_required
def passage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    passage = get_visible_or_404(
        Passage.objects.select_related("checkpoint", "registered_by"), request.user, pk=pk
    )
    require(request, CheckpointsPerm.VIEW_PASSAGE)
    people = list(passage.people.select_related("destination", "handover"))
    labels = selectors.division_labels([p.destination for p in people if p.destination])
    for entry in people:
        entry.destination_label = labels.get(entry.destination_id or 0, "")
    return render(
        request,
        "checkpoints/passage_detail.html",
        {"passage": passage, "people": people, "directions": Direction},
    )


# --- the destination's to-do list --------------------------------------------------------------


@login_required
def todo(request: HttpRequest) -> HttpResponse:
    require(request, CheckpointsPerm.VIEW_HANDOVER)
    status = request.GET.get("status", HandoverStatus.PENDING)
    if status not in (*HandoverStatus.values, "all"):
        status = HandoverStatus.PENDING
    page = selectors.todo_page(
        user_of(request),
        status=None if status == "all" else status,
        after=_int(request.GET.get("after")),
        size=PAGE,
    )
    home = getattr(request.user, "home_division_path", None)
    labels = selectors.division_labels([h.destination for h in page.items], below=home)
    for handover in page.items:
        handover.destination_label = labels[handover.destination_id]  # type: ignore[attr-defined]
    return render(
        request,
        "checkpoints/todo.html",
        {"page": page, "status": status, "can_screen": _can_screen(request)},
    )


def _can_screen(request: HttpRequest) -> bool:
    """May follow a flagged traveller up with a screening (筛查此人)."""
    user = request.user
    return user.has_perm(CheckpointsPerm.HANDLE_HANDOVER) and user.has_perm(
        ScreeningPerm.ADD_SCREENING
    )


def _handover(request: HttpRequest, pk: int) -> Handover:
    handover: Handover = get_visible_or_404(
        Handover.objects.select_related(
            "destination", "entry__passage__checkpoint", "entry__destination", "handled_by"
        ),
        request.user,
        pk=pk,
    )
    return handover


@login_required
@require_http_methods(["GET", "POST"])
def handle(request: HttpRequest, pk: int) -> HttpResponse:
    handover = _handover(request, pk)
    require(request, CheckpointsPerm.VIEW_HANDOVER)
    form = HandleForm(request.POST or None)
    if request.method == "POST":
        require(request, CheckpointsPerm.HANDLE_HANDOVER)
        if form.is_valid():
            done = run_action(
                form,
                lambda: actions.handle_handover(
                    actor=user_of(request), handover=handover, **form.cleaned_data
                ),
            )
            if done is not None:
                messages.success(request, _("Marked handled."))
                return redirect("checkpoints:todo")
    return render(request, "checkpoints/handle.html", _handle_context(request, handover, form))


def _handle_context(
    request: HttpRequest, handover: Handover, form: HandleForm, revealed: bool = False
) -> dict[str, Any]:
    home = getattr(request.user, "home_division_path", None)
    labels = selectors.division_labels([handover.destination], below=home)
    return {
        "destination_label": labels[handover.destination_id],
        "handover": handover,
        "entry": handover.entry,
        "passage": handover.entry.passage,
        "form": form,
        "revealed": revealed,
        "can_handle": request.user.has_perm(CheckpointsPerm.HANDLE_HANDOVER),
        "can_screen": _can_screen(request),
        "can_reveal": request.user.has_perm(PeoplePerm.VIEW_UNMASKED),
    }


@login_required
@require_POST
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The full document number and phone, for the destination to reach the traveller."""
    handover = _handover(request, pk)
    require(request, CheckpointsPerm.VIEW_HANDOVER)
    require(request, PeoplePerm.VIEW_UNMASKED)
    actions.reveal_traveller(actor=user_of(request), handover=handover, reason="跟进卡口推送人员")
    return render(
        request, "checkpoints/handle.html", _handle_context(request, handover, HandleForm(), True)
    )
