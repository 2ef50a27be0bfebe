"""The audit page reads as Chinese sentences (issue #8): each row "<who> 于 <when> <did what>
「<record>」", each change "<field>由「<before>」改为「<after>」", booleans as 是/否, never
"key value" pairs like ``区划导入 是``."""

from __future__ import annotations

import re
from collections.abc import Callable
from types import SimpleNamespace

from django.db import transaction
from django.test import Client
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.actions import record
from fangkong.audit.context import origin
from fangkong.audit.models import AuditEvent
from fangkong.regions import actions as region_actions

AUDIT_URL = "/audit/"


def visible_text(html: str) -> str:
    """The page as read: no tags, no title attributes, spaces collapsed."""
    text = re.sub(r"<[^>]+>", " ", html)
    return " ".join(text.split())


def test_a_row_reads_who_did_what_to_which_record_and_when(
    tree: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> None:
    # given the secretary 王芳 renamed a grid through the web
    secretary = make_user(
        tree.huayang, roles=[Role.VILLAGE_SECRETARY], username="huayang_sec", full_name="王芳"
    )
    with origin(channel="web", client_ip="10.0.0.8"):
        region_actions.rename_grid(actor=secretary, grid=tree.grid1, name="华阳东区")
    event = AuditEvent.objects.get(action="grid.rename")
    when = timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M")
    reader = make_user(tree.province, roles=[Role.AUDIT_ADMIN])

    # when the audit administrator opens the log
    text = visible_text(client_for(reader).get(AUDIT_URL).content.decode())

    # then the row is one sentence, and each change another
    assert f"王芳（huayang_sec） 于 {when} 修改网格名称「华阳东区」" in text
    assert "名称由「第一网格」改为「华阳东区」" in text
    assert "通过网页操作，来自 10.0.0.8" in text
    assert "→" not in text and "∅" not in text


def test_booleans_counts_and_system_rows_read_as_sentences(
    tree: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> None:
    # given a system row with a boolean turned off, a count set, and a value cleared
    with transaction.atomic():
        record(
            actor=None,
            action="grid_staff.update",
            object_type="regions.gridstaff",
            object_id="7",
            object_repr="张三",
            division_path=tree.huayang.path,
            changes={
                "active": [True, False],
                "party_organisation": ["华阳社区党委", None],
            },
            reason="调离",
        )
        record(
            actor=None,
            action="bulk.export",
            object_type="bulk.export",
            object_id="people",
            object_repr="人员 CSV",
            division_path=tree.huayang.path,
            changes={"export_masked": True, "export_rows": 3},
        )
    reader = make_user(tree.province, roles=[Role.AUDIT_ADMIN])

    text = visible_text(client_for(reader).get(AUDIT_URL).content.decode())

    assert "系统 于 " in text and "修改网格力量「张三」" in text
    assert "在岗由「是」改为「否」" in text
    assert "已清空（原为「华阳社区党委」）" in text
    assert "原因：调离" in text
    assert "证件号码和电话已脱敏为「是」" in text
    assert "行数为3" in text
    assert "True" not in text and "False" not in text
