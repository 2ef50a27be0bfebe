"""Issue #13's done-means in a real browser: a county's outbreak raises an alarm, the county's
包保 leader (a county command office account) finds the alert in the notification centre, opens
the signal, gives it a verdict, and the verdict is kept (on the page, on the false-alarm rates,
and the alert is resolved); each page passes axe-core."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role, sync_roles
from fangkong.command.models import GroupMember
from fangkong.command.tests.factories import make_group, make_member, make_responsibility
from fangkong.core.tests.browser import UI
from fangkong.notifications.models import Escalation
from fangkong.warning import detection
from fangkong.warning.choices import Method, Verdict
from fangkong.warning.models import Signal
from fangkong.warning.tests.signal_factories import DAY, flat_then

pytestmark = pytest.mark.browser


@pytest.fixture
def county_leader(tree: SimpleNamespace, make_user: Callable[..., User]) -> User:
    """南关区's deputy head answering for medical work (包保), with a county command account.
    The role groups are made again first: a browser test's flush empties them (see core's
    ``live_tree``)."""
    sync_roles()
    group = make_group(tree.nanguan)
    deputy = make_member(group, "王晓梅", "副区长", "deputy", "13900000002")
    user = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND], username="wangxm")
    GroupMember.objects.filter(pk=deputy.pk).update(account=user)
    make_responsibility(deputy, tree.nanguan, field="medical")
    return user


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_the_county_leader_judges_the_alert_of_its_outbreak(
    tree: SimpleNamespace, county_leader: User, ui: UI
) -> None:
    # given a month of five cases a day in 南关区, then thirty, and the night's detection run
    flat_then(tree.nanguan, [30])
    detection.run_day(DAY)
    signal = Signal.objects.get(division=tree.nanguan, method=Method.C1)
    page = ui.page

    # when the leader opens the notification centre, the alert is there
    ui.login_as(county_leader)
    ui.goto("/notifications/")
    alert = page.locator(f"a[href='/warning/signals/{signal.pk}/']").first
    assert tree.nanguan.name in alert.inner_text()
    ui.assert_accessible()
    ui.step("alert")

    # and it opens the signal: the series, the method's bound and the alarm day
    alert.click()
    page.wait_for_load_state()
    assert ui.path() == f"/warning/signals/{signal.pk}/"
    assert page.locator(f"[data-alarm='{DAY.isoformat()}']").count() == 1
    ui.wait_for_charts()
    ui.assert_accessible()
    ui.step("signal")

    # when it gives the verdict "real signal"
    page.locator(f"input[name=verdict][value={Verdict.REAL}]").check()
    page.locator("[data-verdict-form] button").click()
    page.wait_for_load_state()

    # then the page shows the verdict, by whom, and the database keeps it
    assert page.locator(f"[data-verdict='{Verdict.REAL}']").count() == 1
    assert county_leader.full_name in page.content() or county_leader.username in page.content()
    signal.refresh_from_db()
    assert signal.verdict == Verdict.REAL and signal.verdict_by == county_leader
    # and the alert is resolved: it goes no higher
    assert Escalation.objects.get(key=signal.escalation_key).resolved_at is not None
    ui.assert_accessible()
    ui.step("judged")

    # and the false-alarm rates count it as judged and real
    ui.goto("/warning/rates/")
    cells = page.locator(f"tr[data-method='{Method.C1}'] td").all_inner_texts()
    # method, signals, waiting, real, explained, false alarm, false-alarm rate
    assert [c.strip() for c in cells[1:6]] == ["1", "0", "1", "0", "0"]
    ui.assert_accessible()
    ui.assert_clean()
