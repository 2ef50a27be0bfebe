"""The page header's menu: collected from every app's ``registry.py`` (``MENU``), the same
entries for every role as when it was one list in ``core/context_processors.py``; since issue #8
what the role uses most comes first (``MenuItem.first``), the rest in the old order."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.core import workbench
from fangkong.core.context_processors import menu
from fangkong.core.discovery import MenuItem, collect

HOMES = ("province", "nanguan", "huayang", "grid1")


def _menu_as_it_was(user: Any) -> list[tuple[str, str]]:
    """The menu as ``core/context_processors.py`` built it before the apps declared their
    entries (kept here, verbatim in what it shows, as the reference)."""
    _ = translation.gettext
    items = [(_("Home"), reverse("core:home")), (_("Search"), reverse("regions:search"))]
    if user.has_perm("people.view_person"):
        items.append((_("People"), reverse("people:list")))
    if user.has_perm("screening.view_screening"):
        items.append((_("Screening"), reverse("screening:list")))
    if user.has_perm("observation.view_observation"):
        items.append((_("Observation"), reverse("observation:list")))
    home = getattr(user, "home_division", None)
    if user.has_perm("zeroreport.view_gridday") and home is not None:
        daily = (
            reverse("zeroreport:grid", args=[home.code])
            if home.is_grid
            else reverse("zeroreport:rollup", args=[home.code])
        )
        items.append((_("Daily report"), daily))
    if user.has_perm("care.view_carerequest"):
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
    return items


OLD_LABELS = (
    "Home",
    "Search",
    "People",
    "Screening",
    "Observation",
    "Daily report",
    "Care",
    "Flagged travellers",
    "Checkpoints",
    "Grid staff",
    "Users",
    "API tokens",
    "Audit log",
)


def _known(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The entries the old list had (in the active language)."""
    old = {translation.gettext(label) for label in OLD_LABELS}
    return [(label, url) for label, url in items if label in old]


def _menu(client: Client) -> list[tuple[str, str]]:
    response = client.get(reverse("regions:search"))
    assert response.status_code == 200
    return [(str(label), url) for label, url in response.context["nav_items"]]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_sees_the_menu_it_saw_when_the_menu_was_one_list(
    role: str,
    language: str,
    tree: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
    settings: Any,
) -> None:
    settings.LANGUAGE_CODE = language
    for home in HOMES:
        # given a user of the role at a province, a county, a village and a grid
        user = make_user(getattr(tree, home), roles=[role])

        # when they open a page
        with translation.override(language):
            shown = _menu(client_for(user))
            expected = _menu_as_it_was(User.objects.get(pk=user.pk))

        # then the menu holds the same entries, labels and addresses (an entry an app added
        # since, like the account's security page, may come in between); "Home" stays first,
        # the role's own entries (MenuItem.first) next, the rest in the old order
        known = _known(shown)
        assert sorted(known) == sorted(expected), f"{role} at {home}"
        assert known[0] == expected[0]
        user = User.objects.get(pk=user.pk)
        first = [
            (str(i.label), i.first[workbench.profile(user)])
            for i in menu()
            if i.first.get(workbench.profile(user))
        ]
        promoted = [label for label, _rank in sorted(first, key=lambda f: f[1])]
        shown_promoted = [label for label, _url in known[1:] if label in promoted]
        rest = [entry for entry in known[1:] if entry[0] not in promoted]
        assert shown_promoted == [p for p in promoted if p in shown_promoted], f"{role} at {home}"
        assert known[1 : 1 + len(shown_promoted)] == [e for e in known if e[0] in promoted]
        assert rest == [e for e in expected[1:] if e[0] not in promoted], f"{role} at {home}"


def test_a_user_without_a_home_division_sees_the_menu_they_saw(
    db: Any, make_user: Callable[..., User], client_for: Callable[[User | None], Client]
) -> None:
    user = make_user(None, is_superuser=True)
    with translation.override("en"):
        shown = _menu(client_for(user))
        expected = _menu_as_it_was(User.objects.get(pk=user.pk))
        assert sorted(_known(shown)) == sorted(expected)
        assert _known(shown)[0] == expected[0]
    assert "Daily report" not in [label for label, _url in shown]


def test_an_anonymous_visitor_has_no_menu(client: Client) -> None:
    response = client.get(reverse("accounts:login"))
    assert response.context["nav_items"] == []


def test_every_menu_entry_is_declared_by_its_app_with_a_known_address() -> None:
    entries = [(config, item) for config, items in collect("MENU") for item in items]
    apps = {config.label for config, _item in entries}
    assert {"core", "regions", "people", "screening", "care", "audit"} <= apps
    for config, item in entries:
        assert isinstance(item, MenuItem), config.label
        if isinstance(item.url, str):
            reverse(item.url)  # a URL name that exists
    weights = [item.weight for _config, item in entries]
    assert len(weights) == len(set(weights)), "two menu entries share a weight: order by it"
