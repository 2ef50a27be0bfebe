"""Grids (网格) and the people who work them: created, renamed, merged and retired by a village
or community, through the actions and through the web forms.

The ``tree`` fixture (conftest.py) gives 吉林省 › 长春市 › 南关区 › 南岭街道 › 华阳社区 with
grids 第一网格 and 第二网格, its sibling 恒安社区, and a second subtree 吉林市 › … › 东市场社区
with its own 第一网格.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Max
from django.test import Client

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import OutOfJurisdiction
from fangkong.regions import actions
from fangkong.regions.choices import Kind, Level, StaffKind
from fangkong.regions.models import Division, GridAssignment, GridStaff

# --- helpers -----------------------------------------------------------------------------------


def audit_mark() -> int:
    return AuditEvent.objects.aggregate(m=Max("id"))["m"] or 0


def audit_since(mark: int) -> list[tuple[str, str, dict[str, Any]]]:
    """(action, record id, changes) of the audit rows written after ``mark``, oldest first."""
    rows = AuditEvent.objects.filter(id__gt=mark).order_by("id")
    return [(e.action, e.object_id, e.changes) for e in rows]


def n_grids(*divisions: Division) -> list[int]:
    return [Division.objects.get(pk=d.pk).n_grids for d in divisions]


def fresh(obj: Any) -> Any:
    obj.refresh_from_db()
    return obj


def chain(t: Any) -> list[Division]:
    """华阳社区 and every one of its ancestors."""
    return [t.huayang, t.nanling, t.nanguan, t.changchun, t.province]


def everything() -> tuple[Any, ...]:
    """Every row a grid or staff write can touch."""
    return (
        list(Division.objects.order_by("pk").values()),
        list(GridStaff.objects.order_by("pk").values()),
        list(GridAssignment.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def secretary(tree: Any, make_user: Callable[..., User]) -> User:
    """The secretary of 华阳社区."""
    return make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY], username="huayang_sec")


@pytest.fixture
def staff(tree: Any) -> dict[str, GridStaff]:
    """Three people registered with 华阳社区 and one with 东市场社区."""
    make = actions.create_staff
    return {
        "zhang": make(
            actor=None, village=tree.huayang, name="张伟", phone="13804310001", kind="grid_worker"
        ),
        "li": make(
            actor=None,
            village=tree.huayang,
            name="李娜",
            phone="13804310002",
            kind="party_member",
            party_organisation="华阳社区党委",
        ),
        "wang": make(
            actor=None, village=tree.huayang, name="王芳", phone="043188886666", kind="volunteer"
        ),
        "other": make(
            actor=None, village=tree.dongshi, name="赵强", phone="13904320001", kind="grid_worker"
        ),
    }


# --- create ------------------------------------------------------------------------------------


def test_a_secretary_creates_a_grid_with_the_next_code_and_every_ancestor_counts_it(
    tree: Any, secretary: User
) -> None:
    # Given 华阳社区 with grids 001 and 002
    before = n_grids(*chain(tree))
    jilin_city_before = n_grids(tree.jilin_city)
    mark = audit_mark()

    # When its secretary creates a third grid
    grid = actions.create_grid(
        actor=secretary, village=tree.huayang, name="  第三  网格 ", note="华阳街 1-20 号 "
    )

    # Then it is a grid of the village, numbered after the last one
    assert grid.code == "220102001001003"
    assert grid.path == "22/2201/220102/220102001/220102001001/220102001001003/"
    assert (grid.level, grid.kind, grid.parent_id) == (Level.GRID, Kind.GRID, tree.huayang.pk)
    assert grid.name == "第三 网格"
    assert grid.note == "华阳街 1-20 号"
    # ... the village and each ancestor count one more grid; the other subtree does not
    assert n_grids(*chain(tree)) == [n + 1 for n in before]
    assert fresh(tree.huayang).n_children == 3
    assert n_grids(tree.jilin_city) == jilin_city_before
    # ... and one audit row says who created what
    assert audit_since(mark) == [
        (
            "grid.create",
            str(grid.pk),
            {
                "code": [None, "220102001001003"],
                "name": [None, "第三 网格"],
                "parent": [None, tree.huayang.pk],
                "note": [None, "华阳街 1-20 号"],
            },
        )
    ]
    event = AuditEvent.objects.get(id__gt=mark)
    assert event.actor == secretary and event.division_path == grid.path


def test_grid_codes_are_never_reused_after_a_grid_is_retired(tree: Any) -> None:
    # Given grid 002 of 华阳社区 retired
    actions.retire_grid(actor=None, grid=tree.grid2)

    # When a new grid is created
    grid = actions.create_grid(actor=None, village=tree.huayang, name="新网格")

    # Then it gets 003: records kept under 002 still point to the retired grid only
    assert grid.code == "220102001001003"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "name_required"),
        ("   ", "name_required"),
        ("网" * 51, "name_too_long"),
        ("第一网格", "name_taken"),
    ],
    ids=["empty", "blank", "51-chars", "duplicate"],
)
def test_a_grid_needs_a_name_of_at_most_50_chars_unique_in_its_village(
    tree: Any, name: str, code: str
) -> None:
    # Given 华阳社区 with an active 第一网格
    state = everything()

    # When a grid with a bad name is created, then it is refused and nothing is written
    with pytest.raises(ActionError) as refused:
        actions.create_grid(actor=None, village=tree.huayang, name=name)
    assert refused.value.code == code
    assert refused.value.field == "name"
    assert everything() == state


def test_grid_names_are_unique_per_village_among_active_grids_only(tree: Any) -> None:
    # Given 第一网格 in 华阳社区 and in 东市场社区 (another village may use the same name)
    assert tree.other_grid.name == tree.grid1.name

    # When 华阳社区's 第一网格 is retired
    actions.retire_grid(actor=None, grid=tree.grid1)

    # Then the name is free again in 华阳社区
    again = actions.create_grid(actor=None, village=tree.huayang, name="第一网格")
    assert again.active and again.code == "220102001001003"
    assert len(actions.create_grid(actor=None, village=tree.huayang, name="网" * 50).name) == 50


def test_a_grid_can_only_be_created_under_a_village(tree: Any) -> None:
    with pytest.raises(ActionError) as refused:
        actions.create_grid(actor=None, village=tree.nanling, name="街道网格")
    assert refused.value.code == "parent_not_village"
    with pytest.raises(ActionError) as refused:
        actions.create_grid(actor=None, village=tree.grid1, name="网格下的网格")
    assert refused.value.code == "parent_not_village"
    assert not Division.objects.filter(name__in=["街道网格", "网格下的网格"]).exists()


# --- rename ------------------------------------------------------------------------------------


def test_renaming_a_grid_changes_its_name_and_search_keys_and_is_audited(
    tree: Any, secretary: User
) -> None:
    mark = audit_mark()

    # When the secretary renames 第一网格
    actions.rename_grid(actor=secretary, grid=tree.grid1, name="华阳东区", note="东区楼栋")

    # Then name, note and pinyin initials follow; code and path stay
    grid = fresh(tree.grid1)
    assert (grid.name, grid.note, grid.initials) == ("华阳东区", "东区楼栋", "hydq")
    assert grid.code == "220102001001001"
    assert audit_since(mark) == [
        ("grid.rename", str(grid.pk), {"name": ["第一网格", "华阳东区"], "note": ["", "东区楼栋"]})
    ]


def test_renaming_to_the_same_name_writes_no_audit_row(tree: Any) -> None:
    mark = audit_mark()
    actions.rename_grid(actor=None, grid=tree.grid1, name="第一网格")
    assert audit_since(mark) == []


def test_a_grid_cannot_take_the_name_of_another_active_grid_of_its_village(tree: Any) -> None:
    state = everything()
    with pytest.raises(ActionError) as refused:
        actions.rename_grid(actor=None, grid=tree.grid2, name="第一网格")
    assert refused.value.code == "name_taken"
    assert refused.value.message == "本村（社区）已有名为“第一网格”的网格。"
    assert everything() == state


def test_a_retired_grid_cannot_be_renamed(tree: Any) -> None:
    actions.retire_grid(actor=None, grid=tree.grid2)
    with pytest.raises(ActionError) as refused:
        actions.rename_grid(actor=None, grid=tree.grid2, name="复活")
    assert refused.value.code == "grid_retired"
    assert fresh(tree.grid2).name == "第二网格"


# --- merge -------------------------------------------------------------------------------------


def test_merging_moves_current_staff_to_the_target_and_keeps_the_source_history(
    tree: Any, secretary: User, staff: dict[str, GridStaff]
) -> None:
    # Given 张伟 and 李娜 on 第一网格 (王芳 was there and left), 王芳 and 李娜 on 第二网格
    zhang = actions.assign_staff(actor=None, grid=tree.grid1, staff=staff["zhang"])
    li_1 = actions.assign_staff(actor=None, grid=tree.grid1, staff=staff["li"])
    earlier = actions.assign_staff(actor=None, grid=tree.grid1, staff=staff["wang"])
    actions.end_assignment(actor=None, assignment=earlier, reason="调往第二网格")
    actions.assign_staff(actor=None, grid=tree.grid2, staff=staff["wang"])
    actions.assign_staff(actor=None, grid=tree.grid2, staff=staff["li"])
    before = n_grids(*chain(tree))
    mark = audit_mark()

    # When the secretary merges 第一网格 into 第二网格
    result = actions.merge_grids(
        actor=secretary, source=tree.grid1, target=tree.grid2, reason="楼栋调整"
    )

    # Then the source is retired and points to the target
    assert result.pk == tree.grid2.pk
    source = fresh(tree.grid1)
    assert not source.active
    assert source.merged_into_id == tree.grid2.pk
    assert source.retired_at is not None
    assert fresh(tree.grid2).active
    # ... the source's assignments are ended, not deleted, with the reason
    history = GridAssignment.objects.filter(grid=tree.grid1).order_by("pk")
    assert [(a.pk, a.staff.name, a.ended_at is not None) for a in history] == [
        (zhang.pk, "张伟", True),
        (li_1.pk, "李娜", True),
        (earlier.pk, "王芳", True),
    ]
    assert [a.end_reason for a in history] == ["并入第二网格", "并入第二网格", "调往第二网格"]
    # ... current staff now work the target, each once (李娜 was already there)
    current = GridAssignment.objects.filter(grid=tree.grid2, ended_at=None)
    assert sorted(a.staff.name for a in current) == ["张伟", "李娜", "王芳"]
    # ... every ancestor counts one grid fewer
    assert n_grids(*chain(tree)) == [n - 1 for n in before]
    # ... and the audit log has one row for each side, with the reason
    assert audit_since(mark) == [
        (
            "grid.merge",
            str(tree.grid1.pk),
            {
                "active": [True, False],
                "merged_into": [None, "220102001001002"],
                "moved_staff": [0, 2],
            },
        ),
        ("grid.merge_in", str(tree.grid2.pk), {"merged_from": [None, "220102001001001"]}),
    ]
    assert set(AuditEvent.objects.filter(id__gt=mark).values_list("reason", flat=True)) == {
        "楼栋调整"
    }


def test_a_grid_cannot_be_merged_into_another_village_itself_or_a_retired_grid(
    tree: Any, staff: dict[str, GridStaff]
) -> None:
    # Given 第一网格 with a worker, and 第三网格 of the same village retired
    actions.assign_staff(actor=None, grid=tree.grid1, staff=staff["zhang"])
    third = actions.create_grid(actor=None, village=tree.huayang, name="第三网格")
    actions.retire_grid(actor=None, grid=third)
    state = everything()

    # When it is merged into a grid of 东市场社区, into itself, or into the retired grid
    refusals = []
    for target in (tree.other_grid, tree.grid1, third):
        with pytest.raises(ActionError) as refused:
            actions.merge_grids(actor=None, source=tree.grid1, target=target)
        refusals.append(refused.value.code)
    # ... or a retired grid is merged into a live one
    with pytest.raises(ActionError) as refused:
        actions.merge_grids(actor=None, source=third, target=tree.grid2)
    refusals.append(refused.value.code)

    # Then each is refused for its reason and nothing at all changes
    assert refusals == ["merge_other_village", "merge_self", "grid_retired", "grid_retired"]
    assert everything() == state


# --- retire ------------------------------------------------------------------------------------


def test_retiring_a_grid_ends_its_assignments_and_keeps_them(
    tree: Any, secretary: User, staff: dict[str, GridStaff]
) -> None:
    # Given two people on 第二网格
    first = actions.assign_staff(actor=None, grid=tree.grid2, staff=staff["zhang"])
    second = actions.assign_staff(actor=None, grid=tree.grid2, staff=staff["li"])
    before = n_grids(*chain(tree))
    mark = audit_mark()

    # When the secretary retires it
    actions.retire_grid(actor=secretary, grid=tree.grid2, reason=" 小区拆迁 ")

    # Then the grid is inactive but still there, and its assignments are ended, not deleted
    grid = fresh(tree.grid2)
    assert not grid.active and grid.retired_at is not None
    ended = GridAssignment.objects.filter(pk__in=[first.pk, second.pk])
    assert {(a.ended_at is not None, a.end_reason) for a in ended} == {(True, "网格撤销")}
    assert ended.count() == 2
    # ... the staff themselves stay registered and active
    assert fresh(staff["zhang"]).active
    # ... counters drop by one on every ancestor
    assert n_grids(*chain(tree)) == [n - 1 for n in before]
    # ... and the audit row has the before/after and the reason
    assert audit_since(mark) == [
        ("grid.retire", str(grid.pk), {"active": [True, False], "ended_assignments": [2, 0]})
    ]
    assert AuditEvent.objects.get(id__gt=mark).reason == "小区拆迁"


def test_a_grid_is_retired_only_once(tree: Any) -> None:
    actions.retire_grid(actor=None, grid=tree.grid2)
    state = everything()
    with pytest.raises(ActionError) as refused:
        actions.retire_grid(actor=None, grid=tree.grid2)
    assert refused.value.code == "grid_retired"
    assert everything() == state


# --- staff and assignments ---------------------------------------------------------------------


def test_a_secretary_registers_staff_with_a_clean_phone_and_it_is_audited(
    tree: Any, secretary: User
) -> None:
    mark = audit_mark()

    person = actions.create_staff(
        actor=secretary,
        village=tree.huayang,
        name=" 孙丽 ",
        phone="138-0431 0009",
        kind=StaffKind.PARTY_MEMBER,
        party_organisation="华阳社区第一党支部",
    )

    assert (person.name, person.phone, person.division_id) == (
        "孙丽",
        "13804310009",
        tree.huayang.pk,
    )
    assert audit_since(mark) == [
        (
            "grid_staff.create",
            str(person.pk),
            {
                "name": [None, "孙丽"],
                "phone": [None, "13804310009"],
                "kind": [None, "party_member"],
                "party_organisation": [None, "华阳社区第一党支部"],
                "division": [None, tree.huayang.pk],
                "active": [None, True],
            },
        )
    ]


@pytest.mark.parametrize(
    ("phone", "accepted"),
    [
        ("13804310009", True),
        ("043188886666", True),  # landline with area code
        ("12345", False),
        ("2380431000", False),
        ("138043100091", False),
        ("1380431000a", False),
        ("", False),
    ],
)
def test_staff_phones_are_mobile_or_landline_numbers(tree: Any, phone: str, accepted: bool) -> None:
    def register() -> GridStaff:
        return actions.create_staff(
            actor=None, village=tree.huayang, name="孙丽", phone=phone, kind="volunteer"
        )

    if accepted:
        assert register().phone == phone
    else:
        with pytest.raises(ActionError) as refused:
            register()
        assert refused.value.code == "bad_phone"
        assert not GridStaff.objects.exists()


def test_staff_are_registered_once_per_phone_and_only_with_a_village(
    tree: Any, staff: dict[str, GridStaff]
) -> None:
    state = everything()
    with pytest.raises(ActionError) as refused:
        actions.create_staff(
            actor=None, village=tree.huayang, name="张伟二", phone="13804310001", kind="volunteer"
        )
    assert refused.value.code == "phone_taken"
    with pytest.raises(ActionError) as refused:
        actions.create_staff(
            actor=None, village=tree.nanling, name="街道人员", phone="13804319999", kind="volunteer"
        )
    assert refused.value.code == "parent_not_village"
    with pytest.raises(ActionError) as refused:
        actions.create_staff(
            actor=None, village=tree.huayang, name="某人", phone="13804319999", kind="boss"
        )
    assert refused.value.code == "bad_kind"
    assert everything() == state
    # ... while another village may register the same phone
    actions.create_staff(
        actor=None, village=tree.hengan, name="张伟", phone="13804310001", kind="volunteer"
    )


def test_assigning_and_ending_an_assignment_are_audited(
    tree: Any, secretary: User, staff: dict[str, GridStaff]
) -> None:
    mark = audit_mark()

    # When 张伟 is assigned to 第一网格 and later moved off it
    assignment = actions.assign_staff(actor=secretary, grid=tree.grid1, staff=staff["zhang"])
    ended = actions.end_assignment(actor=secretary, assignment=assignment, reason="调离")

    # Then the assignment is kept with its end, and both steps are audited
    assert ended.ended_at is not None and ended.end_reason == "调离"
    assert GridAssignment.objects.filter(pk=assignment.pk).exists()
    assert audit_since(mark) == [
        (
            "grid.assign",
            str(assignment.pk),
            {"staff": [None, "张伟"], "grid": [None, tree.grid1.code]},
        ),
        ("grid.unassign", str(assignment.pk), {"ended_at": [None, ended.ended_at.isoformat()]}),
    ]
    # ... and an ended assignment cannot be ended again
    with pytest.raises(ActionError) as refused:
        actions.end_assignment(actor=secretary, assignment=assignment)
    assert refused.value.code == "already_ended"


def test_assignments_are_refused_for_other_villages_retired_grids_and_twice(
    tree: Any, staff: dict[str, GridStaff]
) -> None:
    # Given 张伟 on 第一网格, 王芳 deactivated, and 第二网格 retired
    actions.assign_staff(actor=None, grid=tree.grid1, staff=staff["zhang"])
    actions.update_staff(
        actor=None,
        staff=staff["wang"],
        name="王芳",
        phone="043188886666",
        kind="volunteer",
        active=False,
    )
    actions.retire_grid(actor=None, grid=tree.grid2)
    state = everything()

    # When each wrong assignment is tried
    tries = [
        (tree.grid1, staff["other"]),  # registered with 东市场社区
        (tree.grid1, staff["zhang"]),  # already there
        (tree.grid1, staff["wang"]),  # deactivated
        (tree.grid2, staff["li"]),  # retired grid
    ]
    codes = []
    for grid, person in tries:
        with pytest.raises(ActionError) as refused:
            actions.assign_staff(actor=None, grid=grid, staff=person)
        codes.append(refused.value.code)

    # Then each is refused for its reason and nothing is written
    assert codes == ["staff_other_village", "already_assigned", "staff_inactive", "grid_retired"]
    assert everything() == state


def test_deactivating_staff_ends_their_assignments_and_is_audited(
    tree: Any, staff: dict[str, GridStaff]
) -> None:
    a1 = actions.assign_staff(actor=None, grid=tree.grid1, staff=staff["li"])
    a2 = actions.assign_staff(actor=None, grid=tree.grid2, staff=staff["li"])
    mark = audit_mark()

    actions.update_staff(
        actor=None,
        staff=staff["li"],
        name="李娜",
        phone="13804310002",
        kind="party_member",
        party_organisation="华阳社区党委",
        active=False,
    )

    assert not fresh(staff["li"]).active
    assert {(fresh(a).ended_at is not None, a.end_reason) for a in (a1, a2)} == {(True, "人员停用")}
    assert audit_since(mark) == [
        ("grid_staff.update", str(staff["li"].pk), {"active": [True, False]})
    ]


# --- jurisdiction ------------------------------------------------------------------------------


JURISDICTION_WRITES: list[Any] = [
    pytest.param(
        lambda t, s, a: actions.create_grid(actor=a, village=t.huayang, name="越界网格"),
        id="create_grid",
    ),
    pytest.param(
        lambda t, s, a: actions.rename_grid(actor=a, grid=t.grid1, name="越界改名"), id="rename"
    ),
    pytest.param(lambda t, s, a: actions.retire_grid(actor=a, grid=t.grid1), id="retire"),
    pytest.param(
        lambda t, s, a: actions.merge_grids(actor=a, source=t.grid1, target=t.grid2), id="merge"
    ),
    pytest.param(
        lambda t, s, a: actions.create_staff(
            actor=a, village=t.huayang, name="越界", phone="13800000000", kind="volunteer"
        ),
        id="create_staff",
    ),
    pytest.param(
        lambda t, s, a: actions.update_staff(
            actor=a, staff=s["zhang"], name="越界", phone="13804310001", kind="volunteer"
        ),
        id="update_staff",
    ),
    pytest.param(
        lambda t, s, a: actions.assign_staff(actor=a, grid=t.grid1, staff=s["li"]), id="assign"
    ),
    pytest.param(
        lambda t, s, a: actions.end_assignment(
            actor=a, assignment=GridAssignment.objects.get(staff=s["zhang"])
        ),
        id="end_assignment",
    ),
]


@pytest.mark.parametrize("write", JURISDICTION_WRITES)
@pytest.mark.parametrize("where", ["hengan", "changyi", "dongshi"])
def test_a_write_outside_the_actors_subtree_is_refused_and_writes_nothing(
    tree: Any,
    staff: dict[str, GridStaff],
    make_user: Callable[..., User],
    write: Callable[..., Any],
    where: str,
) -> None:
    # Given 张伟 on 第一网格 of 华阳社区, and a secretary of a neighbouring village, a county
    # command office elsewhere, or the secretary of 东市场社区
    actions.assign_staff(actor=None, grid=tree.grid1, staff=staff["zhang"])
    role = Role.COUNTY_COMMAND if where == "changyi" else Role.VILLAGE_SECRETARY
    outsider = make_user(getattr(tree, where), roles=[role])
    state = everything()

    # When they try to change 华阳社区's grids or staff
    with pytest.raises(OutOfJurisdiction):
        write(tree, staff, outsider)

    # Then nothing is written, not even an audit row
    assert everything() == state


def test_a_command_office_above_the_village_may_manage_its_grids(
    tree: Any, make_user: Callable[..., User]
) -> None:
    township = make_user(tree.nanling, roles=[Role.TOWNSHIP_COMMAND])
    grid = actions.create_grid(actor=township, village=tree.huayang, name="街道代建网格")
    assert AuditEvent.objects.get(action="grid.create", object_id=str(grid.pk)).actor == township


def test_a_merge_cannot_reach_into_another_subtree_even_from_a_legitimate_source(
    tree: Any, make_user: Callable[..., User]
) -> None:
    # Given the secretary of 华阳社区 and a grid of 东市场社区 outside their subtree
    secretary = make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY])
    state = everything()

    # When they try to merge their grid into it, then it is refused as out of jurisdiction
    with pytest.raises(OutOfJurisdiction):
        actions.merge_grids(actor=secretary, source=tree.grid1, target=tree.other_grid)
    assert everything() == state


# --- the web forms -----------------------------------------------------------------------------


def url(name: str, *args: Any) -> str:
    from django.urls import reverse

    return reverse(f"regions:{name}", args=args)


def test_a_grid_created_through_the_form_is_audited_with_the_client_address(
    tree: Any, secretary: User, client_for: Callable[[User | None], Client]
) -> None:
    client = client_for(secretary)

    response = client.post(
        url("grid_create", tree.huayang.code), {"name": "第三网格", "note": "华阳街 1-20 号"}
    )

    grid = Division.objects.get(parent=tree.huayang, name="第三网格")
    assert response.status_code == 302
    assert response["Location"] == grid.get_absolute_url()
    event = AuditEvent.objects.get(action="grid.create", object_id=str(grid.pk))
    assert (event.actor, event.channel, event.client_ip) == (secretary, "web", "127.0.0.1")
    page = client.get(grid.get_absolute_url())
    assert page.status_code == 200 and "第三网格" in page.content.decode()


def test_the_grid_forms_rename_merge_retire_assign_and_end(
    tree: Any,
    secretary: User,
    staff: dict[str, GridStaff],
    client_for: Callable[[User | None], Client],
) -> None:
    client = client_for(secretary)

    # rename
    response = client.post(url("grid_rename", tree.grid1.code), {"name": "华阳东区", "note": ""})
    assert response.status_code == 302
    assert fresh(tree.grid1).name == "华阳东区"
    # assign 张伟 to 华阳东区
    response = client.post(url("grid_assign", tree.grid1.code), {"staff": staff["zhang"].pk})
    assert response.status_code == 302
    assignment = GridAssignment.objects.get(grid=tree.grid1, staff=staff["zhang"])
    # merge 华阳东区 into 第二网格
    response = client.post(
        url("grid_merge", tree.grid1.code), {"target": tree.grid2.code, "reason": "合并"}
    )
    assert response.status_code == 302
    assert response["Location"] == tree.grid2.get_absolute_url()
    assert fresh(tree.grid1).merged_into_id == tree.grid2.pk
    moved = GridAssignment.objects.get(grid=tree.grid2, staff=staff["zhang"], ended_at=None)
    assert fresh(assignment).ended_at is not None
    # end 张伟's assignment on 第二网格
    response = client.post(url("assignment_end", moved.pk), {"reason": "调离"})
    assert response.status_code == 302
    assert fresh(moved).end_reason == "调离"
    # retire 第二网格
    response = client.post(url("grid_retire", tree.grid2.code), {"reason": "拆迁"})
    assert response.status_code == 302
    assert response["Location"] == tree.huayang.get_absolute_url()
    assert not fresh(tree.grid2).active
    assert list(
        AuditEvent.objects.filter(actor=secretary).order_by("id").values_list("action", flat=True)
    ) == [
        "grid.rename",
        "grid.assign",
        "grid.merge",
        "grid.merge_in",
        "grid.unassign",
        "grid.retire",
    ]


BAD_FORMS = [
    pytest.param("grid_create", "huayang", {"name": ""}, "这个字段是必填项。", id="empty-name"),
    pytest.param(
        "grid_create",
        "huayang",
        {"name": "网" * 51},
        "确保该变量包含不超过 50 字符",
        id="51-char-name",
    ),
    pytest.param(
        "grid_create",
        "huayang",
        {"name": "第一网格"},
        "本村（社区）已有名为“第一网格”的网格。",
        id="duplicate-name",
    ),
    pytest.param(
        "grid_rename",
        "grid2",
        {"name": "第一网格"},
        "本村（社区）已有名为“第一网格”的网格。",
        id="rename-to-duplicate",
    ),
    pytest.param(
        "staff_create",
        "huayang",
        {"name": "孙丽", "phone": "12345", "kind": "volunteer"},
        "请填写 11 位手机号码或带区号的固定电话。",
        id="bad-phone",
    ),
    pytest.param(
        "staff_create",
        "huayang",
        {"name": "孙丽", "phone": "13804310001", "kind": "volunteer"},
        "本村（社区）已登记该电话号码的人员。",
        id="phone-taken",
    ),
    pytest.param(
        "grid_assign",
        "grid1",
        {"staff": "OTHER"},
        "选择一个有效的选项",
        id="another-villages-staff",
    ),
    pytest.param(
        "grid_merge",
        "grid1",
        {"target": "OTHER_GRID"},
        "选择一个有效的选项",
        id="merge-into-another-village",
    ),
    pytest.param(
        "grid_retire", "grid1", {"reason": ""}, "这个字段是必填项。", id="retire-no-reason"
    ),
]


@pytest.mark.parametrize(("view", "where", "data", "message"), BAD_FORMS)
def test_bad_input_answers_the_form_again_with_the_chinese_message_and_writes_nothing(
    tree: Any,
    secretary: User,
    staff: dict[str, GridStaff],
    client_for: Callable[[User | None], Client],
    view: str,
    where: str,
    data: dict[str, str],
    message: str,
) -> None:
    # Given the secretary of 华阳社区 and what is already there
    data = dict(data)
    if data.get("staff") == "OTHER":
        data["staff"] = str(staff["other"].pk)
    if data.get("target") == "OTHER_GRID":
        data["target"] = tree.other_grid.code
    state = everything()

    # When they post bad input
    response = client_for(secretary).post(url(view, getattr(tree, where).code), data)

    # Then the form comes back (not an error page) with the message, and nothing is written
    assert response.status_code == 200
    assert message in response.content.decode()
    assert everything() == state


GRID_URLS = [
    pytest.param("grid_create", "huayang", {"name": "越界网格"}, id="create"),
    pytest.param("grid_rename", "grid1", {"name": "越界改名"}, id="rename"),
    pytest.param("grid_merge", "grid1", {"target": "GRID2"}, id="merge"),
    pytest.param("grid_retire", "grid1", {"reason": "越界"}, id="retire"),
    pytest.param("grid_assign", "grid1", {"staff": "ZHANG"}, id="assign"),
    pytest.param(
        "staff_create",
        "huayang",
        {"name": "越界", "phone": "13800000000", "kind": "volunteer"},
        id="staff_create",
    ),
]


def _fill(data: dict[str, str], tree: Any, staff: dict[str, GridStaff]) -> dict[str, str]:
    data = dict(data)
    if data.get("target") == "GRID2":
        data["target"] = tree.grid2.code
    if data.get("staff") == "ZHANG":
        data["staff"] = str(staff["zhang"].pk)
    return data


@pytest.mark.parametrize(("view", "where", "data"), GRID_URLS)
def test_a_user_of_a_sibling_subtree_gets_404_and_writes_nothing(
    tree: Any,
    staff: dict[str, GridStaff],
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
    view: str,
    where: str,
    data: dict[str, str],
) -> None:
    # Given the secretary of 恒安社区, 华阳社区's neighbour
    neighbour = make_user(tree.hengan, roles=[Role.VILLAGE_SECRETARY])
    client = client_for(neighbour)
    target = url(view, getattr(tree, where).code)
    state = everything()

    # When they open or post 华阳社区's grid forms, then the pages do not exist for them
    assert client.get(target).status_code == 404
    assert client.post(target, _fill(data, tree, staff)).status_code == 404
    assert everything() == state


@pytest.mark.parametrize(("view", "where", "data"), GRID_URLS)
def test_a_role_without_grid_management_gets_403_and_writes_nothing(
    tree: Any,
    staff: dict[str, GridStaff],
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
    view: str,
    where: str,
    data: dict[str, str],
) -> None:
    # Given a grid worker of 华阳社区 (sees the grids, may not reorganise them)
    worker = make_user(tree.huayang, roles=[Role.GRID_WORKER])
    client = client_for(worker)
    target = url(view, getattr(tree, where).code)
    state = everything()

    # When they open or post the forms, then they are forbidden
    assert client.get(target).status_code == 403
    assert client.post(target, _fill(data, tree, staff)).status_code == 403
    assert everything() == state
    # ... though they can still see the village's page
    assert client.get(tree.huayang.get_absolute_url()).status_code == 200


def test_ending_an_assignment_in_another_subtree_answers_404(
    tree: Any,
    staff: dict[str, GridStaff],
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> None:
    assignment = actions.assign_staff(actor=None, grid=tree.grid1, staff=staff["zhang"])
    outsider = make_user(tree.dongshi, roles=[Role.VILLAGE_SECRETARY])
    state = everything()

    response = client_for(outsider).post(url("assignment_end", assignment.pk), {"reason": "x"})

    assert response.status_code == 404
    assert everything() == state


def test_editing_staff_of_another_subtree_answers_404(
    tree: Any,
    staff: dict[str, GridStaff],
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> None:
    outsider = make_user(tree.dongshi, roles=[Role.VILLAGE_SECRETARY])
    state = everything()

    client = client_for(outsider)
    edit = url("staff_edit", staff["zhang"].pk)
    assert client.get(edit).status_code == 404
    response = client.post(edit, {"name": "x", "phone": "13804310001", "kind": "volunteer"})

    assert response.status_code == 404
    assert everything() == state
    # ... and their staff list does not show 华阳社区's people
    listing = client.get(url("staff_list")).content.decode()
    assert "赵强" in listing and "张伟" not in listing
