"""Navigation shown in the page header, by what the user may do."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [(_("Home"), reverse("core:home")), (_("Search"), reverse("regions:search"))]
    if user.has_perm("people.view_person"):
        items.append((_("People"), reverse("people:list")))
    if user.has_perm("screening.view_screening"):
        items.append((_("Screening"), reverse("screening:list")))
    if user.has_perm("observation.view_observation"):
        items.append((_("Observation"), reverse("observation:list")))
    home = getattr(user, "home_division", None)
    if user.has_perm("zeroreport.view_gridday") and home is not None:
        # A grid worker opens their grid's day (figures and the confirmation); everyone else
        # the roll-up of their division, which links to the dashboard.
        daily = (
            reverse("zeroreport:grid", args=[home.code])
            if home.is_grid
            else reverse("zeroreport:rollup", args=[home.code])
        )
        items.append((_("Daily report"), daily))
    if user.has_perm("care.view_carerequest"):
        # A grid worker goes straight to their grid's open requests (the phone view).
        care = (
            reverse("care:grid", args=[home.code])
            if home is not None and home.is_grid
            else reverse("care:list")
        )
        items.append((_("Care"), care))
    if user.has_perm("checkpoints.view_handover"):
        items.append((_("Flagged travellers"), reverse("checkpoints:todo")))
    if user.has_perm("checkpoints.view_checkpoint"):
        items.append((_("Checkpoints"), reverse("checkpoints:list")))
    if user.has_perm("regions.view_gridstaff"):
        items.append((_("Grid staff"), reverse("regions:staff_list")))
    if user.has_perm("accounts.manage_users"):
        items.append((_("Users"), reverse("accounts:user_list")))
    if user.has_perm("accounts.manage_tokens"):
        items.append((_("API tokens"), reverse("accounts:token_list")))
    if user.has_perm("audit.view_auditevent"):
        items.append((_("Audit log"), reverse("audit:list")))
    return {"nav_items": items}
