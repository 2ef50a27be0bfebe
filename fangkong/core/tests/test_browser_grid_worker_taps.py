"""How many taps and typed characters a grid worker's day takes, measured in a real browser
(browser.py) on a 390 px phone (and at desktop width, where the menu needs no tap).

The day of issue #8, each flow starting from the home page after login:

1. a new arrival from Hubei screened into home medical observation;
2. a household of three back from Wuhan (the arrival's family: the full form, then the rest);
3. a flagged traveller a checkpoint handed over, screened;
4. today's check-in of a person under observation;
5. the day's confirmation.

What counts: a tap is a click on a link, button, checkbox or field (focusing a field to type in
it is one tap); a drop-down is two (open, pick); a date picker two (open, pick the day); the
menu button on a phone one more. Typed characters are the characters typed into fields. The
walk uses whatever the screens offer (it looks for the shorter ways: a big button on the home
page, "screen this person", "next member of this household"), so the same file measures the
code before the changes of issue #8 (the old ways: three full forms, reveal and retype) and
after. ``BEFORE`` holds the figures measured on the code before (commit 6f49436, see
docs/grid-worker-taps.md); the test asserts the day now takes at most half the taps and less
typing, a flagged traveller half the taps and half the typing, a household half the taps and
at most two thirds of the typing (each member's ID number, name and temperature remain), and no
flow more than before.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from fangkong.accounts.roles import Role
from fangkong.checkpoints.tests.factories import flag_traveller_from_wuhan
from fangkong.core.tests.browser import ARTIFACTS, UI
from fangkong.observation import actions as observation_actions
from fangkong.observation.models import CheckIn
from fangkong.people.idcard import compose_resident_id
from fangkong.screening.models import Screening
from fangkong.screening.tests.factories import days_ago, hubei, make_id
from fangkong.zeroreport.models import GridDay

pytestmark = pytest.mark.browser

FLOWS = ("arrival", "household", "flagged", "check_in", "confirmation")
# Measured on the code before issue #8 (6f49436) by this same walk: (taps, typed characters).
BEFORE: dict[str, dict[str, tuple[int, int]]] = {
    "phone": {
        "arrival": (16, 52),
        "household": (51, 151),
        "flagged": (25, 41),
        "check_in": (5, 4),
        "confirmation": (2, 0),
    },
    "desktop": {
        "arrival": (15, 52),
        "household": (48, 151),
        "flagged": (22, 41),
        "check_in": (4, 4),
        "confirmation": (2, 0),
    },
}
TRAVELLER_ID = compose_resident_id("420106", dt.date(1985, 6, 1), 135)
ARRIVAL = {
    "name": "赵敏",
    "phone": "13904310099",
    "address": "华阳小区5栋1单元202",
    "temperature": "36.7",
    "transport_number": "G1234",
}


@dataclass
class Walk:
    """A browser page that counts what the worker does to it."""

    ui: UI
    counts: dict[str, list[int]] = field(default_factory=dict)
    flow: str = ""

    @property
    def page(self) -> Any:
        return self.ui.page

    def start(self, flow: str) -> None:
        """Each flow starts from the home page (not counted: where the day begins)."""
        self.flow = flow
        self.counts[flow] = [0, 0]
        self.ui.goto("/")

    def _count(self, taps: int, chars: int = 0) -> None:
        self.counts[self.flow][0] += taps
        self.counts[self.flow][1] += chars

    def tap(self, selector: str, *, navigates: bool = True) -> None:
        self._count(1)
        target = self.page.locator(selector).first
        if navigates:
            with self.page.expect_navigation():
                target.click()
        else:
            target.click()

    def type(self, selector: str, text: str) -> None:
        self._count(1, len(text))
        self.page.fill(selector, text)
        self.page.locator(selector).dispatch_event("change")

    def choose(self, selector: str, value: str) -> None:
        self._count(2)
        self.page.select_option(selector, value)

    def pick_date(self, selector: str, day: dt.date) -> None:
        self._count(2)
        self.page.fill(selector, day.isoformat())
        self.page.locator(selector).dispatch_event("change")

    def visible(self, selector: str) -> bool:
        found = self.page.locator(selector)
        return any(found.nth(i).is_visible() for i in range(found.count()))

    def reach(self, *prefixes: str) -> None:
        """Go to the first of ``prefixes`` the page links to directly (a big button, a to-do
        item), else through the menu to the last one (on a phone: the menu button first)."""
        for prefix in prefixes:
            direct = f"main a[href^='{prefix}'], .quick-header a[href^='{prefix}']"
            if self.visible(direct):
                links = self.page.locator(direct)
                for i in range(links.count()):
                    if links.nth(i).is_visible():
                        self._count(1)
                        with self.page.expect_navigation():
                            links.nth(i).click()
                        return
        if self.ui.is_phone:
            self.tap(".menu-toggle", navigates=False)
        self.tap(f"#mainnav a[href^='{prefixes[-1]}']")

    def open_new_screening(self) -> None:
        self.reach("/screening/new/", "/screening/")
        if not self.ui.path().startswith("/screening/new/"):
            self.tap("a[href^='/screening/new/']")

    def submit_screening(self) -> None:
        self.tap("#screening-form button[type=submit]")
        assert "/screening/new/" not in self.ui.path(), self.page.locator(
            ".error"
        ).all_inner_texts()

    def full_form(
        self, doc: str, name: str, *, phone: str, address: str, household: str = ""
    ) -> None:
        """The whole form for someone back from Hubei, by train, three days ago."""
        self.type("#id_doc_number", doc)
        self.type("#id_name", name)
        self.type("#id_phone", phone)
        self.type("#id_address", address)
        self.type("#id_temperature", ARRIVAL["temperature"])
        self.pick_date("#id_arrival_date", days_ago(3))
        self.choose("#id_origin_code", "42")
        self.type("#id_transport_number", ARRIVAL["transport_number"])
        if self.page.locator("#id_transport").input_value() != "train":
            self.choose("#id_transport", "train")  # not picked from the number: pick it
        if household:
            self.type("#id_household_size", household)


def test_the_grid_workers_day_takes_half_the_taps(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    t = live_tree
    # given Hubei a key area, the grid worker of 第一网格, 李桂英 under observation since two days,
    # and 周强 from Wuhan, whom a checkpoint flagged and handed over to 第一网格
    hubei(t.province)
    worker = make_user(t.grid1, roles=[Role.GRID_WORKER], username="wangge", full_name="王网格")
    from fangkong.care.tests.factories import add_person

    watched = add_person(t.grid1, "李桂英", "华阳街1号")
    observation, _ = observation_actions.start_observation(
        actor=worker,
        person=watched,
        grid=t.grid1,
        last_exposure=days_ago(2),
        start_date=days_ago(2),
        reason="密切接触者",
    )
    observation_actions.record_check_in(
        actor=worker,
        observation=observation,
        temperature="36.5",
        client_uuid=uuid.uuid4(),
        day=days_ago(1),
    )
    flag_traveller_from_wuhan(t.nanguan, t.grid1)
    ui.login_as(worker)
    walk = Walk(ui)
    page = ui.page

    # 1. a new arrival from Hubei, screened into home observation
    walk.start("arrival")
    walk.open_new_screening()
    walk.full_form(make_id(), ARRIVAL["name"], phone=ARRIVAL["phone"], address=ARRIVAL["address"])
    walk.submit_screening()
    assert Screening.objects.latest("id").outcome == "home_observation"
    ui.step("arrival")

    # 2. a household of three from Wuhan: the first member, then the other two
    walk.start("household")
    members = [("钱伟", "36.5"), ("钱小伟", "36.6"), ("孙芳", "36.4")]
    walk.open_new_screening()
    walk.full_form(
        make_id(), members[0][0], phone="13904310123", address="华阳小区6栋302", household="3"
    )
    walk.submit_screening()
    for name, temperature in members[1:]:
        if walk.visible("#next-member"):
            walk.tap("#next-member")  # the short form: the household's facts carried over
            walk.type("#id_doc_number", make_id())
            walk.type("#id_name", name)
            walk.type("#id_temperature", temperature)
        else:  # the old way: a full form for each
            walk.ui.goto("/")
            walk.open_new_screening()
            walk.full_form(
                make_id(), name, phone="13904310123", address="华阳小区6栋302", household="3"
            )
        walk.submit_screening()
    family = Screening.objects.order_by("-id")[:3]
    assert {s.outcome for s in family} == {"home_observation"}
    ui.step("household")

    # 3. the flagged traveller, screened
    walk.start("flagged")
    if walk.visible("[data-screen]"):
        walk.tap("[data-screen]")
    else:
        walk.reach("/checkpoints/todo/")
        if walk.visible("[data-screen]"):
            walk.tap("[data-screen]")  # screen this person: the form filled in from the passage
    if not page.url.count("/screening/new/"):
        # the old way: open the traveller, reveal the full number, screen them like anyone else,
        # then come back and mark them handled
        walk.tap("table.todo tbody tr a.row-link")
        walk.tap("form.reveal button[type=submit]")
        number = page.locator(".revealed").first.inner_text().strip()
        assert number == TRAVELLER_ID
        walk.ui.goto("/")
        walk.open_new_screening()
        walk.type("#id_doc_number", number)
        walk.type("#id_name", "周强")
        walk.type("#id_phone", "13907270001")
        walk.type("#id_address", "华阳小区8栋")
        walk.type("#id_temperature", "36.8")
        walk.pick_date("#id_arrival_date", dt.date.today())
        walk.choose("#id_origin_code", "42")
        walk.choose("#id_transport", "car")
        walk.submit_screening()
        walk.ui.goto("/")
        walk.reach("/checkpoints/todo/")
        walk.tap("table.todo tbody tr a.row-link")
        walk.choose("#id_outcome", "observation")
        walk.tap("main form:not(.reveal) button[type=submit]")
    else:
        walk.type("#id_temperature", "36.8")
        walk.submit_screening()
    assert Screening.objects.filter(person__doc_number=TRAVELLER_ID).count() == 1
    ui.step("flagged")

    # 4. today's check-in of 李桂英
    walk.start("check_in")
    url = observation.get_absolute_url()
    walk.reach(url, "/observation/")
    if ui.path() != url:
        walk.tap(f"tr[data-observation='{observation.pk}'] a.row-link")
    walk.type("#id_temperature", "36.4")
    walk.tap(".check-in-form button[type=submit]")
    assert CheckIn.objects.filter(observation=observation, temperature=Decimal("36.4")).exists()
    ui.step("check-in")

    # 5. the day's confirmation
    walk.start("confirmation")
    grid_day = f"/zero/grids/{t.grid1.code}/"
    walk.reach(grid_day)
    primary = "#confirm button.primary"
    walk.tap(primary)
    assert GridDay.objects.get(grid=t.grid1).confirmed_at is not None
    ui.step("confirmed")

    # then: the counts, in the test's output and in a file beside the screenshots
    counts = {flow: tuple(walk.counts[flow]) for flow in FLOWS}
    counts["day"] = (sum(c[0] for c in counts.values()), sum(c[1] for c in counts.values()))
    lines = [f"{'flow':<14}{'taps':>6}{'typed':>7}"] + [
        f"{flow:<14}{taps:>6}{chars:>7}" for flow, (taps, chars) in counts.items()
    ]
    print(f"\ngrid worker's day at {ui.viewport} width:\n" + "\n".join(lines))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"grid-worker-taps-{ui.viewport}.json").write_text(json.dumps(counts))

    if os.environ.get("FANGKONG_TAPS_BEFORE"):
        return  # measuring the code before issue #8 (docs/grid-worker-taps.md): no comparison
    before = BEFORE[ui.viewport]
    day_before = sum(before[f][0] for f in FLOWS), sum(before[f][1] for f in FLOWS)
    # the day: half the taps, and less typing
    assert counts["day"][0] * 2 <= day_before[0], (counts, before)
    assert counts["day"][1] < day_before[1], (counts, before)
    # a flagged traveller: half the taps and half the typing (no number to retype)
    taps, chars = counts["flagged"]
    assert taps * 2 <= before["flagged"][0] and chars * 2 <= before["flagged"][1], counts
    # a household: half the taps; the typing is the members' own (ID number, name,
    # temperature) plus the first member's address, phone and journey, typed once
    taps, chars = counts["household"]
    assert taps * 2 <= before["household"][0], counts
    assert chars * 3 <= before["household"][1] * 2, counts
    # nothing takes more than before
    for flow in FLOWS:
        assert counts[flow][0] <= before[flow][0] and counts[flow][1] <= before[flow][1], flow
