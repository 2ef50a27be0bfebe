"""Screens of medical observation: the list with its to-do, an observation's page with the
14-day calendar, and the personal check-in page that needs no account."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import parse_id
from fangkong.core.permissions import require
from fangkong.observation import actions, links, selectors
from fangkong.observation.choices import Source, Status
from fangkong.observation.forms import CheckInForm, EndForm, ObservationFilterForm
from fangkong.observation.models import Observation
from fangkong.observation.permissions import ObservationPerm
from fangkong.regions.selectors import list_filter_divisions
from fangkong.screening.views import person_url

PAGE = 50


def _filters(
    request: HttpRequest,
) -> tuple[ObservationFilterForm, selectors.Filters, list[str]]:
    data = request.GET.copy() if request.GET else None
    if data is not None and "status" not in data:
        data["status"] = Status.ACTIVE
    form = ObservationFilterForm(data, initial={"status": Status.ACTIVE})
    filters = selectors.Filters()
    errors: list[str] = []
    if data is None:
        return form, filters, errors
    if not form.is_valid():
        errors = [str(e) for errs in form.errors.values() for e in errs]
        return form, filters, errors
    clean = form.cleaned_data
    filters.within, filters.grid, errors = list_filter_divisions(
        request.user, clean["within"], clean["grid"]
    )
    filters.status, filters.kind = clean["status"], clean["kind"]
    filters.missed, filters.fever, filters.q = clean["missed"], clean["fever"], clean["q"].strip()
    filters.due = clean["due"]
    return form, filters, errors


@login_required
def observation_list(request: HttpRequest) -> HttpResponse:
    """Observations in the user's subtree, with what needs doing today (missed, fever) first."""
    require(request, ObservationPerm.VIEW_OBSERVATION)
    form, filters, errors = _filters(request)
    page = selectors.Page(items=[], next_after=None)
    if not errors:
        page = selectors.page(
            selectors.observations(request.user, filters),
            after=parse_id(request.GET.get("after"), field="after"),
            size=PAGE,
        )
    params = request.GET.copy()
    params.pop("after", None)
    return render(
        request,
        "observation/list.html",
        {
            "form": form,
            "page": page,
            "errors": errors,
            "todo": selectors.todo(request.user),
            "query_string": params.urlencode(),
        },
    )


def _observation(request: HttpRequest, pk: int) -> Observation:
    observation: Observation = get_visible_or_404(
        Observation.objects.select_related("person", "grid", "source_screening"),
        request.user,
        pk=pk,
    )
    return observation


def personal_url(request: HttpRequest, observation: Observation) -> str:
    return request.build_absolute_uri(
        reverse("observation:personal", args=[links.make_token(observation)])
    )


def _detail(
    request: HttpRequest,
    observation: Observation,
    *,
    check_in_form: CheckInForm | None = None,
    refer_form: EndForm | None = None,
    release_form: EndForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {
        "observation": observation,
        "person_url": person_url(observation.person),
        "calendar": selectors.calendar(observation),
        "check_in_form": check_in_form or CheckInForm(),
        "refer_form": refer_form or EndForm(prefix="refer"),
        "release_form": release_form or EndForm(prefix="release"),
        "can_check_in": observation.is_active and user.has_perm(ObservationPerm.ADD_CHECKIN),
        "can_end": observation.is_active and user.has_perm(ObservationPerm.CHANGE_OBSERVATION),
        "early": timezone.localdate() < observation.end_date,
        "can_release_early": user.has_perm(ObservationPerm.RELEASE_EARLY),
        "link": (
            personal_url(request, observation)
            if observation.is_active and user.has_perm(ObservationPerm.MANAGE_LINK)
            else ""
        ),
    }
    return render(request, "observation/detail.html", context, status=status)


@login_required
def observation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, ObservationPerm.VIEW_OBSERVATION)
    return _detail(request, _observation(request, pk))


@login_required
@require_POST
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """The grid worker enters a day's check-in (idempotent by the form's hidden UUID)."""
    observation = _observation(request, pk)
    require(request, ObservationPerm.ADD_CHECKIN)
    form = CheckInForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = run_action(
            form,
            lambda: actions.record_check_in(
                actor=user_of(request),
                observation=observation,
                temperature=data["temperature"],
                symptoms=data["symptoms"],
                day=data["day"],
                client_uuid=data["client_uuid"],
                source=Source.WORKER,
            ),
        )
        if done is not None:
            check_in, _created = done
            if check_in.has_fever:
                messages.error(
                    request,
                    _("%(temperature)s ℃ is a fever: refer the person to a fever clinic.")
                    % {"temperature": check_in.temperature},
                )
            else:
                messages.success(request, _("Check-in recorded."))
            return redirect(observation.get_absolute_url())
    return _detail(request, observation, check_in_form=form)


def _end(
    request: HttpRequest, pk: int, action: Any, prefix: str, done_message: str
) -> HttpResponse:
    observation = _observation(request, pk)
    require(request, ObservationPerm.CHANGE_OBSERVATION)
    form = EndForm(request.POST, prefix=prefix)
    if form.is_valid():
        done = run_action(
            form,
            lambda: action(
                actor=user_of(request), observation=observation, note=form.cleaned_data["note"]
            ),
        )
        if done is not None:
            messages.success(request, done_message)
            return redirect(observation.get_absolute_url())
    if prefix == "refer":
        return _detail(request, observation, refer_form=form)
    return _detail(request, observation, release_form=form)


@login_required
@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    return _end(
        request, pk, actions.release_observation, "release", _("Observation ended: released.")
    )


@login_required
@require_POST
def refer(request: HttpRequest, pk: int) -> HttpResponse:
    return _end(
        request,
        pk,
        actions.refer_observation,
        "refer",
        _("Observation ended: referred to a fever clinic."),
    )


@login_required
@require_POST
def rotate_link(request: HttpRequest, pk: int) -> HttpResponse:
    observation = _observation(request, pk)
    require(request, ObservationPerm.MANAGE_LINK)
    form = EndForm()
    done = run_action(
        form, lambda: actions.rotate_link(actor=user_of(request), observation=observation)
    )
    if done is None:
        for error in form.non_field_errors():
            messages.error(request, str(error))
        return redirect(observation.get_absolute_url())
    messages.success(request, _("A new personal link was made; the old one no longer works."))
    return redirect(observation.get_absolute_url())


# --- the personal check-in link (no account) ---------------------------------------------------


def mask_name(name: str) -> str:
    """张* / 王*明: enough for the person to recognise, not enough to identify."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _link_invalid(request: HttpRequest, exc: links.LinkInvalid) -> HttpResponse:
    return render(request, "observation/link_invalid.html", {"expired": exc.expired}, status=404)


@require_http_methods(["GET", "POST"])
def personal(request: HttpRequest, token: str) -> HttpResponse:
    """The person's own check-in page, opened by the signed link (no login)."""
    from fangkong.accounts import throttle
    from fangkong.core.middleware import client_ip

    # Too many links that open nothing from one address: refused for a while (429), even a
    # good one, so that links cannot be guessed (accounts.throttle).
    address = client_ip(request)
    if throttle.is_blocked(throttle.CHECK_IN_LINK, address):
        return throttle.throttled(request, throttle.CHECK_IN_LINK)
    try:
        observation = links.observation_for(token)
    except links.LinkInvalid as exc:
        if throttle.record_failure(throttle.CHECK_IN_LINK, address):
            return throttle.throttled(request, throttle.CHECK_IN_LINK)
        return _link_invalid(request, exc)
    today = timezone.localdate()
    form = CheckInForm(request.POST or None, with_day=False)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_action(
            form,
            lambda: actions.record_check_in(
                actor=None,
                observation=observation,
                temperature=data["temperature"],
                symptoms=data["symptoms"],
                day=today,
                client_uuid=data["client_uuid"],
                source=Source.SELF,
            ),
        )
        if done is not None:
            return redirect(request.path + "?done=1")
    stored = observation.check_ins.filter(day=today).first()
    return render(
        request,
        "observation/personal.html",
        {
            "observation": observation,
            "masked_name": mask_name(observation.person.name),
            "form": form,
            "today": today,
            "today_check_in": stored,
            "day_number": observation.day_number(today),
            "days": len(observation.days()),
            "done": request.GET.get("done") == "1" and stored is not None,
        },
    )
