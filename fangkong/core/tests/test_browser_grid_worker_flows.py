"""The grid worker's screening flows in a real browser (browser.py), at desktop and phone size:
a flagged traveller screened in one tap from the to-do list, a household of three as one form
and two short ones, one round of validation with the outcome kept in view, the person look-up
that never overwrites what was typed nor moves the form, and the fieldsets of the choices.

Records the worker starts from are made through the application's actions. Assertions use
URLs, field ids, data- attributes and values, so they hold in either interface language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.checkpoints import actions as checkpoint_actions
from fangkong.checkpoints.choices import HandoverStatus, SiteKind
from fangkong.checkpoints.intake import PassageInput, PersonInput
from fangkong.checkpoints.models import Handover
from fangkong.core.tests.browser import UI
from fangkong.people.idcard import compose_resident_id, mask_id
from fangkong.screening.models import Screening
from fangkong.screening.tests.factories import days_ago, hubei, make_id, person

pytestmark = pytest.mark.browser

WUHAN_ID = compose_resident_id("420106", dt.date(1985, 6, 1), 135)


def flag_traveller(t: SimpleNamespace) -> Handover:
    """周强 from 武汉市武昌区, flagged at a checkpoint of 南关区 and handed to 第一网格."""
    checkpoint = checkpoint_actions.create_checkpoint(
        actor=None,
        division=t.nanguan,
        name="幸福乡绕城高速卡口",
        kind=SiteKind.URBAN_FRINGE,
        longitude=Decimal("125.3921"),
        latitude=Decimal("43.7764"),
    )
    traveller = PersonInput(
        "周强",
        "resident_id",
        WUHAN_ID,
        "13907270001",
        "36.6",
        origin_code="420106",
        destination=t.grid1.code,
        destination_detail="华阳小区8栋",
    )
    checkpoint_actions.register_passage(
        actor=None,
        checkpoint=checkpoint,
        passage=PassageInput(direction="in", plate="鄂A·D1234", people=[traveller]),
    )
    return Handover.objects.get()


def submit(ui: UI) -> None:
    with ui.page.expect_navigation():
        ui.page.click("#screening-form button[type=submit]")


def in_view(ui: UI, selector: str) -> bool:
    """The element's box lies (at least partly) inside the window."""
    return bool(
        ui.page.evaluate(
            """(s) => { const r = document.querySelector(s).getBoundingClientRect();
                 return r.bottom > 0 && r.top < window.innerHeight && r.height > 0; }""",
            selector,
        )
    )


def test_a_flagged_traveller_is_screened_in_one_tap_from_the_to_do_list(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    # given Hubei a key area, a traveller from Wuhan handed to 第一网格, and its grid worker
    t = live_tree
    hubei(t.province)
    handover = flag_traveller(t)
    worker = make_user(t.grid1, roles=[Role.GRID_WORKER], username="wangge")
    ui.login_as(worker)

    # when they open the to-do list and tap "screen this person"
    ui.goto("/checkpoints/todo/")
    ui.assert_touch_targets()
    ui.step("todo")
    with ui.page.expect_navigation():
        ui.page.click(f"[data-screen='{handover.pk}']")

    # then the form is filled in from the passage, the document masked, the outcome shown
    page = ui.page
    assert page.locator("[data-held='document']").inner_text().count(mask_id(WUHAN_ID)) == 1
    assert WUHAN_ID not in page.content()
    assert page.locator("#id_doc_number").count() == 0
    assert page.locator("#id_name").input_value() == "周强"
    assert page.locator("#id_address").input_value() == "华阳小区8栋"
    assert page.locator("#id_origin_code").input_value() == "420106"
    page.wait_for_selector("#assessment [data-outcome='home_observation']")
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("form-filled")

    # when they type the temperature they measured and save
    page.fill("#id_temperature", "36.8")
    submit(ui)

    # then the record shows home observation, and the to-do list is empty
    screening = Screening.objects.get()
    assert ui.path() == screening.get_absolute_url()
    assert page.locator("[data-outcome]").first.get_attribute("data-outcome") == "home_observation"
    ui.step("record")
    ui.goto("/checkpoints/todo/")
    assert page.locator("table.todo tbody tr").count() == 0
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.HANDLED and handover.handled_by == worker
    assert screening.person.doc_number == WUHAN_ID
    assert not AuditEvent.objects.filter(action="passage_person.reveal").exists()


def test_a_household_of_three_is_one_form_and_two_short_ones(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    # given Hubei a key area and the grid worker of 第一网格
    t = live_tree
    hubei(t.province)
    ui.login_as(make_user(t.grid1, roles=[Role.GRID_WORKER], username="wangge"))
    page = ui.page

    # when they screen the first member of a family back from Wuhan by train
    ui.goto(f"/screening/new/?grid={t.grid1.code}")
    page.fill("#id_doc_number", make_id())
    page.fill("#id_name", "赵敏")
    page.fill("#id_phone", "13904310099")
    page.fill("#id_address", "华阳小区5栋1单元202")
    page.fill("#id_temperature", "36.7")
    page.fill("#id_arrival_date", days_ago(3).isoformat())
    page.select_option("#id_origin_code", "42")
    page.fill("#id_transport_number", "G1234")
    page.fill("#id_household_size", "3")
    submit(ui)
    first = Screening.objects.get()
    assert first.transport == "train"  # picked from the train number

    # and register the two others with "next member of this household"
    for name in ("赵小敏", "钱芳"):
        with page.expect_navigation():
            page.click("#next-member")
        assert page.locator("[data-household-of]").count() == 1
        assert page.locator("details.carried").get_attribute("open") is None
        page.wait_for_selector("#assessment [data-outcome='home_observation']")
        ui.assert_fits_width()
        ui.assert_touch_targets()
        ui.step(f"short-form-{name}")
        page.fill("#id_doc_number", make_id())
        page.fill("#id_name", name)
        page.fill("#id_temperature", "36.5")
        submit(ui)

    # then one household of three, all under home observation, arrived the same day
    family = list(Screening.objects.order_by("id").select_related("person"))
    assert [s.person.name for s in family] == ["赵敏", "赵小敏", "钱芳"]
    assert {s.outcome for s in family} == {"home_observation"}
    assert {s.arrival_date for s in family} == {days_ago(3)}
    assert {s.address for s in family} == {"华阳小区5栋1单元202"}
    assert len({s.person.household_id for s in family}) == 1
    ui.step("third-record")


def test_every_error_at_the_first_submit_and_the_outcome_stays_in_view(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    # given Hubei a key area, and an arrival from Hubei typed with a wrong check character and
    # no name nor phone
    t = live_tree
    hubei(t.province)
    ui.login_as(make_user(t.grid1, roles=[Role.GRID_WORKER], username="wangge"))
    page = ui.page
    ui.goto(f"/screening/new/?grid={t.grid1.code}")
    number = make_id()
    page.fill("#id_doc_number", number[:-1] + ("0" if number[-1] != "0" else "1"))
    page.fill("#id_address", "华阳小区5栋1单元202")
    page.fill("#id_temperature", "36.7")
    page.fill("#id_arrival_date", days_ago(3).isoformat())
    page.select_option("#id_origin_code", "42")

    # then, scrolled down to the origin on a phone, the outcome is still in view
    page.wait_for_selector("#assessment [data-outcome='home_observation']")
    page.locator("#id_origin_code").scroll_into_view_if_needed()
    assert in_view(ui, "#assessment [data-outcome]")

    # when it is submitted once
    submit(ui)

    # then the ID number, the name and the phone each say what is wrong, beside their field
    for field in ("doc_number", "name", "phone"):
        assert page.locator(f".field.has-error #id_{field}").count() == 1, field
    # and the outcome box still says home medical observation
    assert page.locator("#assessment [data-outcome='home_observation']").count() == 1
    assert in_view(ui, "#assessment")
    ui.assert_fits_width()
    ui.step("errors")
    assert not Screening.objects.exists()


def test_the_look_up_fills_only_empty_fields_and_never_moves_the_form(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    # given 李娜, registered in 第一网格, and the worker who starts with the name
    t = live_tree
    known = person(t.grid1, name="李娜")
    ui.login_as(make_user(t.grid1, roles=[Role.GRID_WORKER], username="wangge"))
    page = ui.page
    ui.goto(f"/screening/new/?grid={t.grid1.code}")
    page.fill("#id_name", "李 娜")
    top = page.locator("#id_name").bounding_box()

    # when they type her ID number, and the look-up answers
    page.fill("#id_doc_number", known.doc_number)
    page.locator("#id_doc_number").dispatch_event("change")
    page.wait_for_selector("#person-lookup [data-lookup='known']")
    page.wait_for_function("document.querySelector('#id_phone').value !== ''")

    # then what they typed stays, the empty fields are filled, and nothing moved
    assert page.locator("#id_name").input_value() == "李 娜"
    assert page.locator("#id_phone").input_value() == known.phone
    assert page.locator("#id_address").input_value() == known.address
    after = page.locator("#id_name").bounding_box()
    assert top is not None and after is not None and abs(after["y"] - top["y"]) < 1
    ui.step("looked-up")


def test_the_choices_are_fieldsets_and_the_journeys_are_numbered(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    t = live_tree
    checkpoint = checkpoint_actions.create_checkpoint(
        actor=None,
        division=t.nanguan,
        name="南关区城乡结合部卡口",
        kind=SiteKind.URBAN_FRINGE,
        longitude=Decimal("125.3921"),
        latitude=Decimal("43.7764"),
    )
    user = make_user(t.nanguan, roles=[Role.GRID_WORKER, Role.CHECKPOINT_STAFF])
    ui.login_as(user)
    page = ui.page

    # the screening form: the symptoms are a fieldset with its legend; each journey numbered
    ui.goto(f"/screening/new/?grid={t.grid1.code}")
    symptoms = page.locator("fieldset:has(input[name=symptoms])").last
    assert symptoms.locator("> legend").count() == 1
    legends = page.locator("[data-travel-row] > legend").all_text_contents()
    assert [legend.strip() for legend in legends] == ["第1段行程", "第2段行程", "第3段行程"]

    # the checkpoint's register form: the direction is a fieldset with its legend
    ui.goto(f"/checkpoints/{checkpoint.pk}/register/")
    direction = page.locator("fieldset:has(input[name=direction])").last
    assert direction.locator("> legend").count() == 1
    ui.step("register-form")
