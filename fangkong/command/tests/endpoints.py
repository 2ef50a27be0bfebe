"""The jurisdiction-matrix entries of the command app (leading groups, 包保, secretaries, the
chain): every page and API operation, with builders that make a fresh community of 南岭街道
(and its leading group) for each call (see fangkong/core/tests/endpoints.py)."""

from __future__ import annotations

import datetime as dt

from fangkong.command.models import LeadingGroup
from fangkong.command.tests.factories import make_group, make_member, make_responsibility
from fangkong.core.tests.endpoints import LIST, SCOPED, Case, Target, World, fixture_grid, form
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
]
