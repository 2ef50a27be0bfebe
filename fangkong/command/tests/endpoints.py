"""The jurisdiction-matrix entries of the command app (leading groups, 包保, secretaries, the
chain): every page and API operation, with builders that make a fresh community of 南岭街道
(and its leading group) for each call (see fangkong/core/tests/endpoints.py)."""

from __future__ import annotations

import datetime as dt

from fangkong.command import directives
from fangkong.command.models import Directive, DirectiveRecipient, LeadingGroup, VenueClosure
from fangkong.command.tests.factories import (
    make_directive,
    make_group,
    make_member,
    make_responsibility,
    make_venue,
    pdf,
)
from fangkong.core.tests.endpoints import (
    LIST,
    OWN,
    SCOPED,
    Case,
    Target,
    World,
    fixture_grid,
    form,
)
from fangkong.regions.choices import Level
from fangkong.regions.models import Division


def _village(w: World) -> Division:
    """A fresh community of 南岭街道 (no leading group, no secretary yet)."""
    nanling = w.tree.nanling
    code = f"{nanling.code[:9]}{500 + w.number():03d}"
    return Division.objects.create(
        code=code,
        name=w.name("矩阵社区"),
        level=Level.VILLAGE,
        parent=nanling,
        path=f"{nanling.path}{code}/",
    )


def _group(w: World) -> LeadingGroup:
    return make_group(_village(w), w.name("矩阵领导小组"))


def _member_data(w: World) -> dict[str, str]:
    return {"name": w.name("矩阵组员"), "post": "社区主任", "phone": w.phone(), "role": "member"}


def groups_listed(w: World) -> Target:
    group = _group(w)
    return Target(home=group.division, marker=group.name)


def group_new(w: World) -> Target:
    village = _village(w)
    return Target(
        home=village,
        args={"code": village.code},
        data={"name": w.name("矩阵指挥部"), "office_name": "办公室", "office_phone": ""},
    )


def group_page(w: World) -> Target:
    group = _group(w)
    return Target(
        home=group.division,
        args={"pk": group.pk},
        data={
            "name": w.name("矩阵领导小组"),
            "office_name": "办公室",
            "office_phone": "043188880000",
        },
    )


def working_group_add(w: World) -> Target:
    group = _group(w)
    return Target(
        home=group.division,
        args={"pk": group.pk},
        data={"name": w.name("矩阵工作组"), "field": "publicity"},
    )


def member_add(w: World) -> Target:
    group = _group(w)
    return Target(home=group.division, args={"pk": group.pk}, data=_member_data(w))


def member_end(w: World) -> Target:
    group = _group(w)
    member = make_member(group, w.name("矩阵组员"), "社区主任", phone=w.phone())
    return Target(home=group.division, args={"pk": member.pk}, data={"reason": "调动"})


def responsibility_add(w: World) -> Target:
    group = _group(w)
    member = make_member(group, w.name("矩阵组员"), "社区主任", phone=w.phone())
    return Target(
        home=group.division,
        args={"pk": group.pk},
        data={
            "member": str(member.pk),
            "division": group.division.code,
            "field": "grid",
            "starts_on": "2020-02-01",
        },
    )


def responsibility_add_api(w: World) -> Target:
    target = responsibility_add(w)
    assert target.data is not None
    member = target.data.pop("member")
    target.data = {**target.data, "member_id": int(member)}
    return target


def responsibility_end(w: World) -> Target:
    group = _group(w)
    member = make_member(group, w.name("矩阵组员"), "社区主任", phone=w.phone())
    resp = make_responsibility(member, group.division, starts_on=dt.date(2020, 2, 1))
    return Target(home=group.division, args={"pk": resp.pk}, data={"reason": "调整"})


def secretary(w: World) -> Target:
    village = _village(w)
    return Target(
        home=village,
        args={"code": village.code},
        data={"name": w.name("矩阵书记"), "post": "社区党委书记", "phone": w.phone()},
    )


def group_create_api(w: World) -> Target:
    village = _village(w)
    return Target(home=village, data={"division": village.code, "name": w.name("矩阵领导小组")})


def group_update_api(w: World) -> Target:
    target = group_page(w)
    return target


def chain_page(w: World) -> Target:
    return fixture_grid(w)


# --- directives, venues, closures ---------------------------------------------------------------

DEADLINE = "2099-12-31T18:00"


def _directive(w: World, **extra: object) -> Directive:
    """A fresh directive of 南岭街道 to 华阳社区."""
    return make_directive(
        w.tree.nanling,
        [w.tree.huayang],
        title=w.name("矩阵指令"),
        **extra,  # type: ignore[arg-type]
    )


def directives_listed(w: World) -> Target:
    d = _directive(w)
    return Target(home=w.tree.nanling, marker=d.title)


def directive_issue(w: World) -> Target:
    return Target(
        home=w.tree.nanling,
        data={
            "kind": "plain",
            "title": w.name("矩阵指令"),
            "content": "请落实。",
            "deadline": DEADLINE,
            "level": "5",
        },
    )


def directive_issue_api(w: World) -> Target:
    target = directive_issue(w)
    assert target.data is not None
    target.data = {**target.data, "level": 5, "deadline": "2099-12-31T18:00:00+08:00"}
    return target


def directive_page(w: World) -> Target:
    d = _directive(w)
    return Target(home=w.tree.nanling, args={"pk": d.pk})


def _recipient(w: World) -> DirectiveRecipient:
    return _directive(w).recipients.get()


def recipient_plain(w: World) -> Target:
    return Target(home=w.tree.huayang, args={"pk": _recipient(w).pk})


def recipient_progress(w: World) -> Target:
    target = recipient_plain(w)
    target.data = {"progress": "已部署"}
    return target


def recipient_complete(w: World) -> Target:
    target = recipient_plain(w)
    target.data = {"evidence": "已全部落实"}
    return target


def recipient_pass_on(w: World) -> Target:
    target = recipient_plain(w)
    target.data = {"recipients": [w.tree.grid1.code]}
    return target


def attachment(w: World) -> Target:
    d = _directive(w, attachments=[pdf()])
    return Target(home=w.tree.nanling, args={"pk": d.attachments.get().pk})


def attach_api(w: World) -> Target:
    target = directive_page(w)
    target.data = {"file": pdf()}
    return target


def _closure(w: World) -> VenueClosure:
    grid = w.grid()
    venue = make_venue(grid, w.name("矩阵市场"))
    d = make_directive(w.tree.nanling, [w.tree.huayang], title=w.name("矩阵关闭令"), kind="closure")
    return d.closures.get(venue=venue)


def closure_confirm(w: World) -> Target:
    row = _closure(w)
    return Target(home=row.venue.division, args={"pk": row.pk}, data={"note": "已关闭"})


def closure_check(w: World) -> Target:
    row = directives.confirm_closed(actor=None, closure=_closure(w))
    return Target(home=w.tree.nanling, args={"pk": row.pk}, data={"note": "已核查"})


def directive_reopen(w: World) -> Target:
    row = _closure(w)
    return Target(home=w.tree.nanling, args={"pk": row.directive_id}, data={})


def closure_board(w: World) -> Target:
    _closure(w)
    return Target(home=w.tree.nanling, args={"code": w.tree.nanling.code})


def venues_listed(w: World) -> Target:
    venue = make_venue(w.tree.huayang, w.name("矩阵场所"))
    return Target(home=w.tree.huayang, marker=venue.name)


def venue_new(w: World) -> Target:
    return Target(
        home=w.tree.huayang,
        args={"code": w.tree.huayang.code},
        data={"name": w.name("矩阵场所"), "kind": "school", "address": "华阳街1号"},
    )


def venue_new_api(w: World) -> Target:
    target = venue_new(w)
    assert target.data is not None
    target.data = {**target.data, "division": w.tree.huayang.code}
    target.args = {}
    return target


def venue_edit(w: World) -> Target:
    venue = make_venue(w.tree.huayang, w.name("矩阵场所"))
    return Target(
        home=w.tree.huayang,
        args={"pk": venue.pk},
        data={"name": w.name("矩阵场所"), "kind": "cinema", "address": "", "active": True},
    )


OWN_ISSUE = "issues from the caller's own home division, to divisions under it only"
OWN_INBOX = "the directives the caller's own home division received"

CASES = [
    Case("command:groups", "GET", LIST, groups_listed),
    *form("command:group_new", group_new),
    Case("command:group", "GET", SCOPED, group_page),
    *form("command:group_edit", group_page),
    Case("command:working_group_add", "POST", SCOPED, working_group_add, ok=(302,)),
    Case("command:member_add", "POST", SCOPED, member_add, ok=(302,)),
    Case("command:member_end", "POST", SCOPED, member_end, ok=(302,)),
    Case("command:responsibility_add", "POST", SCOPED, responsibility_add, ok=(302,)),
    Case("command:responsibility_end", "POST", SCOPED, responsibility_end, ok=(302,)),
    *form("command:secretary", secretary),
    Case("command:chain", "GET", SCOPED, chain_page),
    Case("GET /api/command/groups", "GET", LIST, groups_listed),
    Case("POST /api/command/groups", "POST", SCOPED, group_create_api, ok=(201,)),
    Case("GET /api/command/groups/{pk}", "GET", SCOPED, group_page),
    Case("PUT /api/command/groups/{pk}", "PUT", SCOPED, group_update_api),
    Case(
        "POST /api/command/groups/{pk}/working-groups",
        "POST",
        SCOPED,
        working_group_add,
        ok=(201,),
    ),
    Case("POST /api/command/groups/{pk}/members", "POST", SCOPED, member_add, ok=(201,)),
    Case("POST /api/command/members/{pk}/end", "POST", SCOPED, member_end),
    Case(
        "POST /api/command/groups/{pk}/responsibilities",
        "POST",
        SCOPED,
        responsibility_add_api,
        ok=(201,),
    ),
    Case("POST /api/command/responsibilities/{pk}/end", "POST", SCOPED, responsibility_end),
    Case("PUT /api/command/secretaries/{code}", "PUT", SCOPED, secretary),
    Case("GET /api/command/chain/{code}", "GET", SCOPED, chain_page),
    # directives, venues, closures
    Case("command:directives", "GET", LIST, directives_listed),
    Case("command:directive_new", "GET", OWN, directive_issue, reason=OWN_ISSUE),
    Case("command:directive_new", "POST", OWN, directive_issue, ok=(302,), reason=OWN_ISSUE),
    Case("command:directive", "GET", SCOPED, directive_page),
    Case("command:directive_reopen", "POST", SCOPED, directive_reopen, ok=(302,)),
    Case("command:recipient_acknowledge", "POST", SCOPED, recipient_plain, ok=(302,)),
    Case("command:recipient_progress", "POST", SCOPED, recipient_progress, ok=(302,)),
    Case("command:recipient_complete", "POST", SCOPED, recipient_complete, ok=(302,)),
    Case("command:recipient_pass_on", "POST", SCOPED, recipient_pass_on, ok=(302,)),
    Case("command:attachment", "GET", SCOPED, attachment),
    Case("command:closure_confirm", "POST", SCOPED, closure_confirm, ok=(302,)),
    Case("command:closure_check", "POST", SCOPED, closure_check, ok=(302,)),
    Case("command:closure_board", "GET", SCOPED, closure_board),
    Case("command:venues", "GET", LIST, venues_listed),
    *form("command:venue_new", venue_new),
    *form("command:venue_edit", venue_edit),
    Case("GET /api/command/directives", "GET", LIST, directives_listed),
    Case(
        "POST /api/command/directives",
        "POST",
        OWN,
        directive_issue_api,
        ok=(201,),
        reason=OWN_ISSUE,
    ),
    Case("GET /api/command/inbox", "GET", OWN, reason=OWN_INBOX),
    Case("GET /api/command/directives/{pk}", "GET", SCOPED, directive_page),
    Case("POST /api/command/directives/{pk}/attachments", "POST", SCOPED, attach_api, ok=(201,)),
    Case("GET /api/command/directives/{pk}/closures", "GET", SCOPED, directive_reopen),
    Case("POST /api/command/directives/{pk}/reopen", "POST", SCOPED, directive_reopen),
    Case("POST /api/command/recipients/{pk}/acknowledge", "POST", SCOPED, recipient_plain),
    Case("POST /api/command/recipients/{pk}/progress", "POST", SCOPED, recipient_progress),
    Case("POST /api/command/recipients/{pk}/complete", "POST", SCOPED, recipient_complete),
    Case(
        "POST /api/command/recipients/{pk}/pass-on",
        "POST",
        SCOPED,
        recipient_pass_on,
        ok=(201,),
    ),
    Case("POST /api/command/closures/{pk}/confirm", "POST", SCOPED, closure_confirm),
    Case("POST /api/command/closures/{pk}/check", "POST", SCOPED, closure_check),
    Case("GET /api/command/closures/board/{code}", "GET", SCOPED, closure_board),
    Case("GET /api/command/venues", "GET", LIST, venues_listed),
    Case("POST /api/command/venues", "POST", SCOPED, venue_new_api, ok=(201,)),
    Case("PUT /api/command/venues/{pk}", "PUT", SCOPED, venue_edit),
]
