"""The workbench (工作台): every role's home page is its work of the day.

What a user does all day decides what they see first. :func:`profile` reads it off their
permissions and home division (no extra query: the permission cache and the home division are
already loaded for the menu):

``grid``
    grid workers and village secretaries (a grid or village home, screening or hand-over work):
    today's to-do list, most urgent first, each item one tap from its action, and the two daily
    jobs as big buttons;
``checkpoint``
    checkpoint staff: their open checkpoints with the new-passage button, and today's passages;
``command``
    township, county, city and province command offices: the figures that need action today
    with the roll-up of their children below;
``audit``
    the audit administrator: the audit log (三员分立, nothing else);
``other``
    health commission, fever clinics, supplies, organisation and publicity departments, the
    system and security administrators: what they can do here today, in plain words, and the
    pages for it.

Each app contributes in its own ``registry.py`` (collected like the menu, see
``core/discovery.py``): ``WORKBENCH`` (:class:`WorkItem`, a to-do entry or a figure with its
count and the address of its action), ``QUICK_ACTIONS`` (:class:`QuickAction`, the big buttons,
also shown in the page header on a phone) and ``WORKBENCH_PANELS`` (:class:`WorkPanel`, a
section below the to-do list rendered by the app's own template).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils import timezone

from fangkong.core.discovery import collect

if TYPE_CHECKING:
    from fangkong.accounts.models import User
    from fangkong.regions.models import Division


class Profile(StrEnum):
    GRID = "grid"
    CHECKPOINT = "checkpoint"
    COMMAND = "command"
    AUDIT = "audit"
    OTHER = "other"


# The levels of a home division whose users work on the spot (a grid, or a village's grids):
# regions.choices.Level.VILLAGE and GRID.
_ON_THE_SPOT = (5, 6)


def profile(user: User) -> Profile:
    """The kind of work the user's home page is about (see the module's docstring)."""
    from fangkong.audit.permissions import AuditPerm
    from fangkong.checkpoints.permissions import CheckpointsPerm
    from fangkong.regions.permissions import RegionsPerm
    from fangkong.screening.permissions import ScreeningPerm
    from fangkong.zeroreport.permissions import ZeroReportPerm

    if not user.has_perm(RegionsPerm.VIEW_DIVISION):
        return Profile.AUDIT if user.has_perm(AuditPerm.VIEW_AUDITEVENT) else Profile.OTHER
    home = getattr(user, "home_division", None)
    if home is None:
        return Profile.OTHER
    level = home.level
    on_the_spot = user.has_perm(ScreeningPerm.ADD_SCREENING) or user.has_perm(
        CheckpointsPerm.HANDLE_HANDOVER
    )
    if on_the_spot and level in _ON_THE_SPOT:
        return Profile.GRID
    if user.has_perm(ZeroReportPerm.CHANGE_GRIDDAY) and level not in _ON_THE_SPOT:
        return Profile.COMMAND
    if user.has_perm(CheckpointsPerm.ADD_PASSAGE):
        return Profile.CHECKPOINT
    return Profile.OTHER


@dataclass
class WorkContext:
    """What an item's functions receive: the user, their home, today and now, and a memo shared
    by the items of one page (so two figures read from one roll-up cost one query)."""

    user: User
    home: Division
    today: dt.date
    now: dt.datetime
    profile: Profile
    memo: dict[str, Any] = field(default_factory=dict)

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    @property
    def is_grid(self) -> bool:
        return bool(getattr(self.home, "is_grid", False))


@dataclass(frozen=True)
class WorkItem:
    """One entry of the to-do list (or one figure of a command office's day).

    ``count`` returns how many things wait (0: nothing to do; None: does not apply here);
    ``url`` the address of the page where they are done. Items are shown by ascending
    ``urgency`` (the apps of today use steps of 10: fevers first, the day's confirmation last).
    """

    key: str
    label: Any  # a lazy translation
    count: Callable[[WorkContext], int | None]
    url: Callable[[WorkContext], str]
    profiles: tuple[Profile, ...]
    perm: str | None = None
    urgency: int = 500
    hint: Any = ""  # what to do about it, one line


@dataclass(frozen=True)
class QuickAction:
    """A big button for a daily job (new screening, check-in, new passage); on a phone it is
    also in the page header, reachable without opening the menu."""

    label: Any
    url: str | Callable[[User], str | None]
    profiles: tuple[Profile, ...]
    perm: str | None = None
    weight: int = 500


@dataclass(frozen=True)
class WorkPanel:
    """A section of the workbench below the to-do list, drawn by the app's ``template`` from
    what ``context`` returns (None: not shown)."""

    template: str
    context: Callable[[WorkContext], dict[str, Any] | None]
    profiles: tuple[Profile, ...]
    perm: str | None = None
    weight: int = 500
    stylesheet: str = ""  # a static file the template needs, linked in the page's head


@dataclass
class Entry:
    item: WorkItem
    count: int
    url: str


@functools.cache
def items() -> tuple[WorkItem, ...]:
    found = [item for _config, entries in collect("WORKBENCH") for item in entries]
    return tuple(sorted(found, key=lambda item: item.urgency))


@functools.cache
def quick_actions() -> tuple[QuickAction, ...]:
    found = [a for _config, entries in collect("QUICK_ACTIONS") for a in entries]
    return tuple(sorted(found, key=lambda a: a.weight))


@functools.cache
def panels() -> tuple[WorkPanel, ...]:
    found = [p for _config, entries in collect("WORKBENCH_PANELS") for p in entries]
    return tuple(sorted(found, key=lambda p: p.weight))


def _allowed(user: User, perm: str | None, profiles: tuple[Profile, ...], kind: Profile) -> bool:
    return kind in profiles and (perm is None or user.has_perm(perm))


def quick_links(user: User, kind: Profile | None = None) -> list[tuple[str, str]]:
    """(label, address) of the user's big buttons."""
    kind = kind or profile(user)
    out = []
    for action in quick_actions():
        if not _allowed(user, action.perm, action.profiles, kind):
            continue
        url = reverse(action.url) if isinstance(action.url, str) else action.url(user)
        if url:
            out.append((str(action.label), url))
    return out


@dataclass
class Workbench:
    profile: Profile
    todo: list[Entry]
    done: list[Entry]
    quick: list[tuple[str, str]]
    panels: list[tuple[str, dict[str, Any]]]
    stylesheets: list[str]
    notes: list[str]


def build(user: User, home: Division, *, now: dt.datetime | None = None) -> Workbench:
    """Everything on the user's workbench: the to-do entries with something waiting (most
    urgent first), those with nothing waiting, the big buttons and the panels."""
    now = now or timezone.now()
    kind = profile(user)
    ctx = WorkContext(user=user, home=home, today=timezone.localdate(now), now=now, profile=kind)
    todo: list[Entry] = []
    done: list[Entry] = []
    for item in items():
        if not _allowed(user, item.perm, item.profiles, kind):
            continue
        n = item.count(ctx)
        if n is None:
            continue
        (todo if n > 0 else done).append(Entry(item, n, item.url(ctx)))
    shown, stylesheets = [], []
    for panel in panels():
        if not _allowed(user, panel.perm, panel.profiles, kind):
            continue
        context = panel.context(ctx)
        if context is not None:
            shown.append((panel.template, context))
            if panel.stylesheet and panel.stylesheet not in stylesheets:
                stylesheets.append(panel.stylesheet)
    notes = role_notes(user) if kind == Profile.OTHER else []
    return Workbench(kind, todo, done, quick_links(user, kind), shown, stylesheets, notes)


@functools.cache
def _notes() -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for _config, notes in collect("WORKBENCH_NOTES"):
        merged.update(notes)
    return merged


def role_notes(user: User) -> list[str]:
    """What each of the user's roles can do here, in plain words (``WORKBENCH_NOTES``: a role
    to a sentence, declared by the app that owns the roles)."""
    notes = _notes()
    return [str(notes[role]) for role in user.roles if role in notes]
