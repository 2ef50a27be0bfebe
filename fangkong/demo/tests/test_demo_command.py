"""The demo's leading groups and 包保 down the demo county's chain: made through the command
actions once, so the chain of a community shows its five secretaries and its leaders."""

from __future__ import annotations

from types import SimpleNamespace

from fangkong.audit.models import AuditEvent
from fangkong.command import selectors
from fangkong.command.choices import MemberRole
from fangkong.command.models import GroupMember, LeadingGroup, Responsibility, Secretary
from fangkong.demo.command import load_command


def test_the_demo_chain_has_groups_secretaries_and_leaders(
    tree: SimpleNamespace,
) -> None:
    made = load_command(county_code=tree.nanguan.code)
    assert made["groups"] == 5  # province, city, county, its one township, 华阳社区
    assert set(LeadingGroup.objects.values_list("division__name", flat=True)) == {
        "吉林省",
        "长春市",
        "南关区",
        "南岭街道",
        "华阳社区",
    }
    for group in LeadingGroup.objects.all():
        assert group.members.filter(role=MemberRole.LEADER).count() == 1
    # the county's leaders cover its township, the township's cover each community
    assert Responsibility.objects.filter(division=tree.nanling).exists()
    assert Responsibility.objects.filter(division=tree.hengan).exists()
    chain = selectors.chain(tree.huayang)
    assert Secretary.objects.filter(ends_on__isnull=True).count() == 5
    text = repr(chain)
    assert "陈建国" in text and "郭建华" in text and "马春华" in text
    # everything went through the audited actions
    assert AuditEvent.objects.filter(action="command.member_add").count() == (
        GroupMember.objects.count()
    )
    # once
    assert load_command(county_code=tree.nanguan.code) == {"groups": 0, "responsibilities": 0}
