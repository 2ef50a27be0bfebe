"""The demo's leading groups and 包保 down the demo county's chain: made through the command
actions once, so the chain of a community shows its five secretaries and its leaders."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
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


def test_the_demo_directives_one_done_one_overdue_and_a_closure_half_confirmed(
    tree: SimpleNamespace, make_user: Callable[..., User]
) -> None:
    from fangkong.command.models import Directive, VenueClosure
    from fangkong.demo.command import (
        CLOSURE_ORDER,
        DONE_DIRECTIVE,
        OVERDUE_DIRECTIVE,
        load_directives,
    )
    from fangkong.notifications.models import Escalation, Notification

    secretary = make_user(tree.nanling, roles=[Role.TOWNSHIP_COMMAND], username="nanling")
    load_command(county_code=tree.nanguan.code)
    made = load_directives(county_code=tree.nanguan.code)
    assert made["directives"] == 3 and made["venues"] > 0
    done = Directive.objects.get(title=DONE_DIRECTIVE, parent_recipient__isnull=True)
    assert not done.recipients.exclude(state="done").exists()
    # the street passed it on to its communities, who completed it
    assert Directive.objects.filter(parent_recipient__directive=done).exists()
    overdue = Directive.objects.get(title=OVERDUE_DIRECTIVE)
    assert overdue.deadline < timezone.now()
    late = overdue.recipients.exclude(state="done")
    assert late.exists() and not late.filter(overdue_escalated_at__isnull=True).exists()
    # escalated: open at the street, its command office told in the app
    assert Escalation.objects.filter(resolved_at__isnull=True).count() == late.count()
    assert Notification.objects.filter(user=secretary, kind="escalation").exists()
    # venues sit in grids, for their grid workers to confirm
    from fangkong.command.models import Venue

    assert Venue.objects.filter(division__level=6).exists()
    closures = VenueClosure.objects.filter(directive__title=CLOSURE_ORDER)
    confirmed = closures.exclude(state="ordered").count()
    assert 0 < confirmed < closures.count()
    assert load_directives(county_code=tree.nanguan.code)["directives"] == 0
