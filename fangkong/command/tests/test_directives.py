"""Directives and closure orders: the bad input of issue #11 (outside the issuer's subtree, a
deadline in the past, executables and oversized attachments, a venue confirmed closed by someone
outside its grid) answers a clear message and writes nothing; a directive goes down three levels
and its completion comes back up; a closure order is confirmed venue by venue; overdue
recipients escalate once."""

from __future__ import annotations

import datetime as dt
import stat
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.command import directives, selectors
from fangkong.command.choices import ClosureState, Department, RecipientState
from fangkong.command.models import (
    Attachment,
    Directive,
    DirectiveRecipient,
    Venue,
    VenueClosure,
)
from fangkong.command.tests.factories import PDF, later, make_directive, make_venue, pdf
from fangkong.core.errors import ActionError
from fangkong.notifications.models import Notification
from fangkong.regions.choices import Level


@pytest.fixture(autouse=True)
def _var(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path


@pytest.fixture
def d(tree: SimpleNamespace, make_user: Callable[..., User]) -> SimpleNamespace:
    c = SimpleNamespace(tree=tree)
    c.county = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND], username="quzhihui")
    c.township = make_user(tree.nanling, roles=[Role.TOWNSHIP_COMMAND], username="jiedao")
    c.huayang = make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY], username="huayang")
    c.hengan = make_user(tree.hengan, roles=[Role.VILLAGE_SECRETARY], username="hengan")
    c.grid1 = make_user(tree.grid1, roles=[Role.GRID_WORKER], username="wangge1")
    c.grid2 = make_user(tree.grid2, roles=[Role.GRID_WORKER], username="wangge2")
    c.sibling = make_user(tree.changyi, roles=[Role.COUNTY_COMMAND], username="changyi")
    return c


def _state() -> tuple[int, ...]:
    return (
        Directive.objects.count(),
        DirectiveRecipient.objects.count(),
        VenueClosure.objects.count(),
        Attachment.objects.count(),
        Notification.objects.count(),
        AuditEvent.objects.count(),
    )


def _issue(d: SimpleNamespace, **kwargs: Any) -> Directive:
    data: dict[str, Any] = {
        "actor": d.county,
        "issuer_division": d.tree.nanguan,
        "title": "关于暂停聚集性活动的通知",
        "content": "即日起暂停一切聚集性活动。",
        "deadline": later(),
        "recipients": [d.tree.nanling.code],
    }
    data.update(kwargs)
    return directives.issue_directive(**data)


def _refused(d: SimpleNamespace, code: str, **kwargs: Any) -> ActionError:
    before = _state()
    with pytest.raises(ActionError) as exc:
        _issue(d, **kwargs)
    assert exc.value.code == code
    assert exc.value.message
    assert _state() == before
    return exc.value


# --- bad input ---------------------------------------------------------------------------------


def test_a_directive_to_a_division_outside_the_issuers_subtree_is_refused(d):
    err = _refused(d, "recipients_outside", recipients=[d.tree.nanling.code, d.tree.dongshi.code])
    assert d.tree.dongshi.code in err.message


def test_a_directive_to_the_issuer_itself_is_refused_unless_to_its_departments(d):
    _refused(d, "recipients_outside", recipients=[d.tree.nanguan.code])
    directive = _issue(
        d, recipients=[d.tree.nanguan.code], departments=[Department.HEALTH_COMMISSION]
    )
    assert directive.recipients.get().department == "health_commission"


def test_a_deadline_in_the_past_is_refused(d):
    _refused(d, "deadline_in_past", deadline=timezone.now() - dt.timedelta(minutes=1))


def test_unknown_codes_an_empty_title_and_no_recipients_are_refused(d):
    err = _refused(d, "unknown_recipients", recipients=["220102999999"])
    assert "220102999999" in err.message
    _refused(d, "title_required", title="   ")
    _refused(d, "no_recipients", recipients=[])
    _refused(d, "bad_level", recipients=None, level=Level.COUNTY)


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("通知.pdf", b"\x7fELF\x02\x01\x01" + b"\0" * 64, "attachment_type"),
        ("通知.pdf", b"MZ\x90\x00\x03" + b"\0" * 64, "attachment_type"),
        ("安装.exe", b"MZ\x90\x00\x03" + b"\0" * 64, "attachment_type"),
        ("run.sh", b"#!/bin/sh\nrm -rf /\n", "attachment_type"),
        ("图片.png", PDF, "attachment_mismatch"),
        ("空.pdf", b"", "attachment_empty"),
    ],
)
def test_an_executable_script_or_mislabelled_attachment_is_refused(d, name, content, code):
    upload = SimpleUploadedFile(name, content)
    err = _refused(d, code, attachments=[pdf(), upload])
    assert name in err.message


def test_an_attachment_over_20_mb_is_refused(d, tmp_path):
    upload = SimpleUploadedFile("大文件.pdf", PDF)
    upload.size = 20 * 1024 * 1024 + 1
    err = _refused(d, "attachment_too_large", attachments=[upload])
    assert "大文件.pdf" in err.message
    assert not (tmp_path / "attachments").exists()


def test_office_files_and_images_are_accepted_and_kept_private(d, tmp_path):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    files = [
        pdf(),
        SimpleUploadedFile("方案.docx", buf.getvalue()),
        SimpleUploadedFile("表.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 32),
        SimpleUploadedFile("图.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32),
        SimpleUploadedFile("照片.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 32),
    ]
    directive = _issue(d, attachments=files)
    kept = list(directive.attachments.order_by("id"))
    assert [a.name for a in kept] == ["通知.pdf", "方案.docx", "表.xls", "图.png", "照片.jpg"]
    path = kept[0].path
    assert path.read_bytes() == PDF
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    # a docx renamed .xlsx does not pass
    _refused(d, "attachment_mismatch", attachments=[SimpleUploadedFile("表.xlsx", buf.getvalue())])


def test_an_attachment_is_downloaded_by_who_sees_the_directive_and_audited(d, client_for):
    directive = _issue(d, attachments=[pdf()])
    att = directive.attachments.get()
    url = reverse("command:attachment", args=[att.pk])
    before = AuditEvent.objects.filter(action="command.attachment_download").count()
    response = client_for(d.township).get(url)  # the recipient
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert AuditEvent.objects.filter(action="command.attachment_download").count() == before + 1
    assert client_for(d.sibling).get(url).status_code == 404


def test_a_venue_confirmed_closed_by_someone_outside_its_grid_is_refused(d):
    venue = make_venue(d.tree.grid1, "华阳农贸市场")
    order = make_directive(d.tree.nanguan, [d.tree.nanling], kind="closure")
    closure = order.closures.get(venue=venue)
    before = _state()
    for outsider in (d.grid2, d.hengan):
        with pytest.raises(ActionError) as exc:
            directives.confirm_closed(actor=outsider, closure=closure)
        assert exc.value.code == "venue_outside"
        assert "华阳农贸市场" in exc.value.message
    assert _state() == before
    closure.refresh_from_db()
    assert closure.state == ClosureState.ORDERED


# --- the happy path through three levels -------------------------------------------------------


def test_a_directive_goes_down_three_levels_and_its_completion_comes_back_up(d):
    # given the county's directive to its township, asking for evidence
    order = _issue(d, feedback_required="上报封闭小区数量及照片")
    row = order.recipients.get()
    assert Notification.objects.filter(user=d.township, kind="directive").count() == 1

    # when the township acknowledges and passes it on to all its villages
    directives.acknowledge(actor=d.township, recipient=row)
    child = directives.pass_on(actor=d.township, recipient=row, level=Level.VILLAGE)
    assert child.parent_recipient_id == row.pk
    assert child.recipient_count == 2
    assert Notification.objects.filter(user=d.huayang, kind="directive").count() == 1
    huayang = child.recipients.get(division=d.tree.huayang)
    hengan = child.recipients.get(division=d.tree.hengan)

    # then completing without the evidence asked is refused
    with pytest.raises(ActionError) as exc:
        directives.complete(actor=d.huayang, recipient=huayang)
    assert exc.value.code == "evidence_required"

    directives.report_progress(actor=d.huayang, recipient=huayang, progress="已封闭3个小区")
    directives.complete(actor=d.huayang, recipient=huayang, evidence="封闭小区3个")
    m = selectors.matrix(order, d.county)
    township_row = m.page.object_list[0]
    assert township_row.sub_progress == (1, 2)
    assert m.counts[RecipientState.DONE] == 0

    directives.complete(actor=d.hengan, recipient=hengan, evidence="", attachment=pdf("照片.pdf"))

    # the township's answer is done, and the county's matrix shows it
    row.refresh_from_db()
    assert row.state == RecipientState.DONE and row.passed_on
    m = selectors.matrix(order, d.county)
    assert m.counts[RecipientState.DONE] == 1
    assert [(r.division, r.done, r.total) for r in m.by_division] == [(d.tree.nanling, 1, 1)]
    assert m.page.object_list[0].sub_progress == (2, 2)
    assert AuditEvent.objects.filter(action="command.directive_complete").count() == 3


def test_answers_are_refused_twice_and_outside_the_recipients_area(d):
    row = _issue(d).recipients.get()
    directives.acknowledge(actor=d.township, recipient=row)
    with pytest.raises(ActionError):
        directives.acknowledge(actor=d.township, recipient=row)
    from fangkong.core.jurisdiction import OutOfJurisdiction

    with pytest.raises(OutOfJurisdiction):
        directives.complete(actor=d.huayang, recipient=row, evidence="x")


def test_a_level_wide_directive_fans_out_in_a_bounded_number_of_queries(
    d, django_assert_max_num_queries
):
    with django_assert_max_num_queries(14):
        order = _issue(d, recipients=None, level=Level.VILLAGE)
    assert order.recipient_count == 2
    assert AuditEvent.objects.filter(action="command.directive_issue").count() == 1
    with django_assert_max_num_queries(5):
        m = selectors.matrix(order, d.county)
        list(m.page.object_list)
    assert m.counts[RecipientState.SENT] == 2


def test_the_inbox_lists_overdue_first(d):
    soon = _issue(d, title="第一份", deadline=later(1))
    late = _issue(d, title="第二份", deadline=later(2))
    DirectiveRecipient.objects.filter(directive=late).update(
        deadline=timezone.now() - dt.timedelta(hours=1)
    )
    titles = [r.directive.title for r in selectors.inbox(d.township)]
    assert titles == ["第二份", "第一份"]
    assert selectors.waiting_count(d.township) == 2
    assert soon.pk


# --- closures ----------------------------------------------------------------------------------


def test_a_closure_order_is_confirmed_venue_by_venue_checked_and_reopened(d):
    market = make_venue(d.tree.grid1, "华阳农贸市场")
    school = make_venue(d.tree.hengan, "恒安小学", kind="school")
    make_venue(d.tree.other_grid, "东市场", kind="market")  # another county's
    order = _issue(d, kind="closure", recipients=None, level=Level.VILLAGE)
    assert set(order.closures.values_list("venue", flat=True)) == {market.pk, school.pk}

    c_market = order.closures.get(venue=market)
    directives.confirm_closed(actor=d.grid1, closure=c_market, note="已贴封条")
    board = selectors.closure_board(d.tree.nanguan)
    assert [(r.division, r.closed, r.unconfirmed) for r in board] == [(d.tree.nanling, 1, 1)]

    # a grid worker cannot check; the township can
    with pytest.raises(ActionError) as exc:
        directives.check_closure(actor=d.grid1, closure=c_market)
    assert exc.value.code == "check_level"
    directives.check_closure(actor=d.township, closure=c_market)
    c_market.refresh_from_db()
    assert c_market.state == ClosureState.CHECKED

    directives.confirm_closed(actor=d.hengan, closure=order.closures.get(venue=school))
    board = selectors.closure_board(d.tree.nanling)
    assert {(r.division, r.closed, r.checked) for r in board} == {
        (d.tree.huayang, 1, 1),
        (d.tree.hengan, 1, 0),
    }

    # reopened by a later order
    reopen = _issue(d, kind="reopen", recipients=None, level=Level.VILLAGE, venues=[market.pk])
    c_market.refresh_from_db()
    assert c_market.state == ClosureState.REOPENED
    assert c_market.reopen_directive_id == reopen.pk
    assert directives.reopen_closures(actor=d.county, directive=order) == 1


def test_closures_past_the_deadline_count_as_still_open(d):
    make_venue(d.tree.grid1, "华阳影院", kind="cinema")
    order = _issue(d, kind="closure")
    Directive.objects.filter(pk=order.pk).update(deadline=timezone.now() - dt.timedelta(hours=1))
    [row] = selectors.closure_board(d.tree.nanguan)
    assert (row.still_open, row.unconfirmed, row.closed) == (1, 0, 0)


def test_venues_belong_to_villages_and_grids(d):
    with pytest.raises(ActionError):
        directives.add_venue(actor=d.county, division=d.tree.nanling, name="x", kind="market")
    venue = directives.add_venue(
        actor=d.huayang, division=d.tree.huayang, name="华阳清真寺", kind="religious"
    )
    with pytest.raises(ActionError):
        directives.add_venue(actor=d.huayang, division=d.tree.huayang, name="华阳清真寺", kind="x")
    directives.update_venue(
        actor=d.huayang, venue=venue, name="华阳清真寺", kind="religious", active=False
    )
    assert not Venue.objects.get(pk=venue.pk).active


# --- overdue -----------------------------------------------------------------------------------


def test_overdue_recipients_escalate_once_and_completion_resolves_it(d):
    from fangkong.notifications.models import Escalation, Notification

    order = _issue(d, recipients=None, level=Level.VILLAGE)
    done = order.recipients.get(division=d.tree.hengan)
    directives.complete(actor=d.hengan, recipient=done, evidence="完成")
    after = order.deadline + dt.timedelta(hours=1)
    assert directives.escalate_overdue_directives(now=order.deadline - dt.timedelta(hours=1)) == 0
    assert not Escalation.objects.exists()
    assert directives.escalate_overdue_directives(now=after) == 1
    row = order.recipients.get(division=d.tree.huayang)
    assert row.overdue_escalated_at is not None
    # one open escalation at the late village, and its secretary told in the app
    escalation = Escalation.objects.get()
    assert escalation.key == directives.overdue_key(row)
    assert escalation.division == d.tree.huayang and escalation.resolved_at is None
    told = Notification.objects.filter(user=d.huayang, kind="escalation")
    assert told.count() == 1 and order.title in told.get().title
    # run again: nothing new
    assert directives.escalate_overdue_directives(now=after) == 0
    assert Notification.objects.filter(kind="escalation").count() == 1
    # the village completes: the escalation is resolved and goes no higher
    directives.complete(actor=d.huayang, recipient=row, evidence="已完成")
    escalation.refresh_from_db()
    assert escalation.resolved_at is not None


# --- pages and API -----------------------------------------------------------------------------


def test_the_pages_render_for_issuer_and_recipient(d, client_for: Callable[[Any], Client]):
    order = _issue(d, kind="closure")
    county, township = client_for(d.county), client_for(d.township)
    assert county.get(reverse("command:directives")).status_code == 200
    page = township.get(reverse("command:directives"), {"tab": "received"})
    assert order.title in page.content.decode()
    assert county.get(reverse("command:directive_new")).status_code == 200
    detail = township.get(reverse("command:directive", args=[order.pk]))
    assert detail.status_code == 200
    assert f'data-mine="{order.recipients.get().pk}"' in detail.content.decode()
    assert county.get(reverse("command:venues")).status_code == 200
    board = county.get(reverse("command:closure_board", args=[d.tree.nanguan.code]))
    assert board.status_code == 200


def test_the_issue_form_answers_bad_input_with_messages(d, client_for):
    before = _state()
    response = client_for(d.county).post(
        reverse("command:directive_new"),
        {
            "kind": "plain",
            "title": "测试",
            "content": "内容",
            "deadline": "2020-01-01T10:00",
            "recipients": [d.tree.nanling.code],
        },
    )
    assert response.status_code == 200
    assert "deadline" in response.context["form"].errors
    response = client_for(d.county).post(
        reverse("command:directive_new"),
        {
            "kind": "plain",
            "title": "测试",
            "content": "内容",
            "deadline": "2099-01-01T10:00",
            "recipients": [d.tree.nanling.code],
            "attachments": [SimpleUploadedFile("a.pdf", b"MZ\x90\x00" + b"\0" * 20)],
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert _state() == before


def test_the_api_issues_answers_and_refuses(d, client_for):
    client = client_for(d.county)
    body = {
        "title": "关于开展排查的通知",
        "content": "请开展排查。",
        "deadline": "2099-01-01T10:00:00+08:00",
        "recipients": [d.tree.dongshi.code],
    }
    before = _state()
    r = client.post("/api/command/directives", body, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "recipients_outside"
    r = client.post(
        "/api/command/directives",
        {**body, "recipients": [d.tree.nanling.code], "deadline": "2020-01-01T10:00:00+08:00"},
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["code"] == "deadline_in_past"
    assert _state() == before
    r = client.post(
        "/api/command/directives",
        {**body, "recipients": [d.tree.nanling.code]},
        content_type="application/json",
    )
    assert r.status_code == 201
    pk = r.json()["id"]
    row = DirectiveRecipient.objects.get(directive_id=pk)
    t = client_for(d.township)
    assert t.get("/api/command/inbox").json()["count"] == 1
    r = t.post(f"/api/command/recipients/{row.pk}/acknowledge")
    assert r.json()["state"] == "acknowledged"
    r = t.post(
        f"/api/command/recipients/{row.pk}/complete",
        {"evidence": "完成"},
        content_type="application/json",
    )
    assert r.json()["state"] == "done"
    detail = client.get(f"/api/command/directives/{pk}").json()
    assert detail["counts"]["done"] == 1
    assert detail["by_division"][0]["done"] == 1


def test_departments_are_roles_and_answer_their_own_directives(d, make_user):
    assert set(Department.values) <= set(Role.values)
    health = make_user(d.tree.nanguan, roles=[Role.HEALTH_COMMISSION], username="weijian")
    order = _issue(d, recipients=[d.tree.nanguan.code], departments=[Department.HEALTH_COMMISSION])
    row = order.recipients.get()
    with pytest.raises(ActionError) as exc:
        directives.acknowledge(actor=d.county, recipient=row)
    assert exc.value.code == "other_department"
    assert Notification.objects.filter(user=health, kind="directive").count() == 1
    assert not Notification.objects.filter(user=d.county, kind="directive").exists()
    directives.acknowledge(actor=health, recipient=row)


def test_the_recipient_passes_on_and_completes_with_a_file_on_the_page(d, client_for):
    order = _issue(d, feedback_required="上传照片")
    row = order.recipients.get()
    township = client_for(d.township)
    response = township.post(
        reverse("command:recipient_pass_on", args=[row.pk]), {"recipients": [d.tree.huayang.code]}
    )
    assert response.status_code == 302
    child = Directive.objects.get(parent_recipient=row)
    village_row = child.recipients.get()
    village = client_for(d.huayang)
    bad = village.post(
        reverse("command:recipient_complete", args=[village_row.pk]),
        {"attachment": SimpleUploadedFile("照片.pdf", b"\x7fELF\x02" + b"\0" * 30)},
    )
    assert bad.status_code == 200 and bad.context["complete_form"].errors
    good = village.post(
        reverse("command:recipient_complete", args=[village_row.pk]),
        {"attachment": pdf("照片.pdf")},
    )
    assert good.status_code == 302
    village_row.refresh_from_db()
    assert village_row.state == RecipientState.DONE
    assert village_row.evidence_attachment is not None
    row.refresh_from_db()
    assert row.state == RecipientState.DONE
    page = client_for(d.county).get(reverse("command:directive", args=[order.pk]))
    assert 'data-sub="1/1"' in page.content.decode()
    # the county downloads the village's evidence
    evidence = reverse("command:attachment", args=[village_row.evidence_attachment.pk])
    assert client_for(d.county).get(evidence).status_code == 200


def test_the_api_attaches_files_and_refuses_executables(d, client_for):
    order = _issue(d)
    client = client_for(d.county)
    url = f"/api/command/directives/{order.pk}/attachments"
    before = _state()
    elf = SimpleUploadedFile("通知.pdf", b"\x7fELF\x02\x01" + b"\0" * 40)
    r = client.post(url, {"file": elf})
    assert r.status_code == 400 and r.json()["code"] == "attachment_type"
    assert "通知.pdf" in r.json()["message"]
    assert client.post(url, {}).status_code == 400
    assert _state() == before
    r = client.post(url, {"file": pdf()})
    assert r.status_code == 201 and r.json()[0]["name"] == "通知.pdf"
    detail = client_for(d.township).get(f"/api/command/directives/{order.pk}").json()
    assert [a["name"] for a in detail["attachments"]] == ["通知.pdf"]


def test_a_closure_order_passed_on_shows_its_venues_down_to_the_grid(d, client_for):
    market = make_venue(d.tree.grid1, "华阳农贸市场")
    order = _issue(d, kind="closure")
    row = order.recipients.get()
    child = directives.pass_on(actor=d.township, recipient=row, recipients=[d.tree.huayang.code])
    assert not child.closures.exists()
    page = client_for(d.huayang).get(reverse("command:directive", args=[child.pk]))
    closure = order.closures.get(venue=market)
    assert f'data-closure="{closure.pk}"' in page.content.decode()
    # the grid worker finds it on the venues page and confirms it there
    grid = client_for(d.grid1)
    venues_page = grid.get(reverse("command:venues"))
    assert f'data-closure="{closure.pk}"' in venues_page.content.decode()
    back = reverse("command:venues")
    r = grid.post(reverse("command:closure_confirm", args=[closure.pk]), {"next": back})
    assert r.status_code == 302 and r["Location"] == back
    closure.refresh_from_db()
    assert closure.state == ClosureState.CONFIRMED and closure.confirmed_by == d.grid1
    # the other grid's worker does not even see it
    r = client_for(d.grid2).post(reverse("command:closure_confirm", args=[closure.pk]))
    assert r.status_code == 404
