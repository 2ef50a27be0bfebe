"""The observation screens and API through the test client: the list with its to-do, an
observation's page (calendar, check-in, link, ending), and the REST endpoints."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangkong.accounts import actions as account_actions
from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.observation import links
from fangkong.observation.choices import Status
from fangkong.observation.models import CheckIn, Observation
from fangkong.screening.tests.factories import check_in, days_ago, observe, today

LIST = reverse("observation:list")


@pytest.fixture
def worker(tree: SimpleNamespace, make_user: Callable[..., User]) -> User:
    return make_user(tree.grid1, roles=[Role.GRID_WORKER], username="wangge")


@pytest.fixture
def client(worker: User, client_for: Callable[[User | None], Client]) -> Client:
    return client_for(worker)


@pytest.fixture
def secretary(tree: SimpleNamespace, make_user: Callable[..., User]) -> User:
    return make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY], username="huayang")


def rows(page: Any) -> list[Observation]:
    return list(page.context["page"].items)


# --- the list and the to-do --------------------------------------------------------------------


def test_the_list_flags_missed_check_ins_and_fevers(
    client: Client, tree: Any, secretary: User, client_for: Callable[[User | None], Client]
) -> None:
    # given people under observation: one checked in yesterday and today (today's counts as
    # missed from 20:00, whenever this runs), one forgot, one has a fever
    fine = observe(tree.grid1, name="按时", exposure_days_ago=3)
    check_in(fine, day=days_ago(1))
    check_in(fine, day=days_ago(0))
    forgot = observe(tree.grid1, name="忘了", exposure_days_ago=3)
    feverish = observe(tree.grid1, name="发烧", exposure_days_ago=3)
    check_in(feverish, day=days_ago(1), temperature="38.3")
    check_in(feverish, day=days_ago(0), temperature="38.3")
    neighbour = observe(tree.grid2, name="邻格", exposure_days_ago=3)
    observe(tree.other_grid, name="外地", exposure_days_ago=3)
    # when the grid worker opens the list
    page = client.get(LIST)
    # then the to-do counts and names what needs doing, and the list shows their grid only
    todo = page.context["todo"]
    assert todo["missed"] == [forgot] and todo["fever"] == [feverish]
    assert set(rows(page)) == {fine, forgot, feverish}
    html = page.content.decode()
    assert f'data-missed="{forgot.pk}"' in html and f'data-fever="{feverish.pk}"' in html
    assert rows(client.get(LIST, {"missed": "on"})) == [forgot]
    assert rows(client.get(LIST, {"fever": "on"})) == [feverish]
    # and the village's to-do covers all its grids
    village = client_for(secretary).get(LIST)
    assert set(village.context["todo"]["missed"]) == {forgot, neighbour}


def test_the_list_filters_by_status_kind_grid_and_person(client: Client, tree: Any) -> None:
    running = observe(tree.grid1, name="在观")
    ended = observe(tree.grid1, name="已转")
    from fangkong.observation.actions import refer_observation

    refer_observation(actor=None, observation=ended, note="发热")
    assert rows(client.get(LIST)) == [running]  # active by default
    assert rows(client.get(LIST, {"status": "referred"})) == [ended]
    assert set(rows(client.get(LIST, {"status": ""}))) == {running, ended}
    assert rows(client.get(LIST, {"kind": "centralized"})) == []
    assert rows(client.get(LIST, {"q": "在观"})) == [running]
    assert rows(client.get(LIST, {"q": ended.person.doc_number, "status": ""})) == [ended]
    page = client.get(LIST, {"grid": tree.other_grid.code})
    assert page.context["errors"] and rows(page) == []
    assert client.get(LIST, {"status": "nonsense"}).context["errors"]


def test_the_list_runs_the_same_number_of_queries_for_3_or_30_rows(
    client: Client, tree: Any
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST).status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        check_in(observe(tree.grid1, name=f"少{i}", exposure_days_ago=3), day=days_ago(1))
    few = queries()
    for i in range(27):
        observation = observe(tree.grid1, name=f"多{i}", exposure_days_ago=3)
        if i % 2:
            check_in(observation, day=days_ago(1), temperature="38.0")
    assert queries() == few


# --- an observation's page ---------------------------------------------------------------------


def test_the_page_shows_the_calendar_and_the_link(client: Client, tree: Any) -> None:
    observation = observe(tree.grid1, exposure_days_ago=3)
    check_in(observation, day=days_ago(3))
    check_in(observation, day=days_ago(1), temperature="37.6")
    page = client.get(observation.get_absolute_url())
    html = page.content.decode()
    states = re.findall(r'data-state="(\w+)"', html)
    assert len(states) == 14
    assert states[:5] == ["ok", "missed", "fever", "due", "future"]
    assert 'data-propose="refer"' in html  # the fever proposes a referral
    link = page.context["link"]
    assert link.startswith("http://testserver/c/")
    assert Client().get(link.removeprefix("http://testserver")).status_code == 200
    assert "<script>" not in html


def test_a_record_outside_the_jurisdiction_answers_404(client: Client, tree: Any) -> None:
    elsewhere = observe(tree.other_grid)
    for name in ("detail", "check_in", "release", "refer", "rotate_link"):
        method = client.get if name == "detail" else client.post
        assert method(reverse(f"observation:{name}", args=[elsewhere.pk])).status_code == 404


def test_the_grid_worker_checks_in_and_sees_a_fever_proposed_for_referral(
    client: Client, tree: Any
) -> None:
    observation = observe(tree.grid1, exposure_days_ago=2)
    url = reverse("observation:check_in", args=[observation.pk])
    key = str(uuid.uuid4())
    data = {"temperature": "38.4", "day": today().isoformat(), "client_uuid": key}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # the same form twice: stored once
    assert CheckIn.objects.filter(observation=observation).count() == 1
    page = client.get(observation.get_absolute_url())
    assert 'data-propose="refer"' in page.content.decode()
    # another check-in for the same day is refused with the reason on the form
    again = client.post(url, {**data, "client_uuid": str(uuid.uuid4())})
    assert again.status_code == 200
    assert again.context["check_in_form"].errors
    bad = client.post(url, {**data, "temperature": "50", "client_uuid": str(uuid.uuid4())})
    assert "temperature" in bad.context["check_in_form"].errors


def test_release_refer_and_rotate_from_the_page(
    client: Client, tree: Any, secretary: User, client_for: Callable[[User | None], Client]
) -> None:
    observation = observe(tree.grid1, exposure_days_ago=3)
    release = reverse("observation:release", args=[observation.pk])
    # the grid worker cannot release before the end date, and is not offered it
    assert (
        'data-action="release"' not in client.get(observation.get_absolute_url()).content.decode()
    )
    refused = client.post(release, {"release-note": "好了"})
    assert refused.status_code == 200 and refused.context["release_form"].errors
    # the secretary can, with a reason
    boss = client_for(secretary)
    assert boss.post(release, {"release-note": ""}).status_code == 200
    assert boss.post(release, {"release-note": "评估后提前解除"}).status_code == 302
    observation.refresh_from_db()
    assert observation.status == Status.RELEASED and observation.end_note == "评估后提前解除"
    # refer another; rotate a third one's link
    other = observe(tree.grid1, name="王芳")
    refer = reverse("observation:refer", args=[other.pk])
    assert client.post(refer, {"refer-note": "37.8℃"}).status_code == 302
    other.refresh_from_db()
    assert other.status == Status.REFERRED
    third = observe(tree.grid1, name="刘洋")
    old = links.make_token(third)
    before = AuditEvent.objects.count()
    assert client.post(reverse("observation:rotate_link", args=[third.pk])).status_code == 302
    assert AuditEvent.objects.count() == before + 1
    assert Client().get(reverse("observation:personal", args=[old])).status_code == 404
    # an ended observation offers nothing more
    page = client.get(observation.get_absolute_url())
    assert not page.context["can_check_in"] and not page.context["link"]


def test_someone_without_the_role_gets_403(
    tree: Any, make_user: Callable[..., User], client_for: Callable[[User | None], Client]
) -> None:
    observation = observe(tree.grid1)
    client = client_for(make_user(tree.grid1, roles=[Role.CHECKPOINT_STAFF]))
    assert client.get(LIST).status_code == 403
    assert client.get(observation.get_absolute_url()).status_code == 403
    url = reverse("observation:check_in", args=[observation.pk])
    assert client.post(url, {"temperature": "36.5"}).status_code == 403
    clinic = client_for(make_user(tree.grid1, roles=[Role.CLINIC_STAFF]))
    page = clinic.get(observation.get_absolute_url())  # may look, not act
    assert page.status_code == 200 and not page.context["can_check_in"] and not page.context["link"]


# --- the API -----------------------------------------------------------------------------------


def post(client: Client, path: str, body: Any) -> Any:
    return client.post(
        f"/api{path}", json.dumps(body, default=str), content_type="application/json"
    )


def test_api_check_in_answers_201_then_200_then_409(client: Client, tree: Any) -> None:
    observation = observe(tree.grid1, exposure_days_ago=2)
    url = f"/observations/{observation.pk}/check-ins"
    data = {"client_uuid": str(uuid.uuid4()), "temperature": 37.5, "symptoms": ["dry_cough"]}
    first = post(client, url, data)
    assert first.status_code == 201
    got = first.json()
    assert got["created"] and got["fever"] and got["propose_referral"]
    assert f"/api/observations/{observation.pk}/refer" in got["message"]
    assert got["symptoms"] == ["dry_cough"] and got["source"] == "api"
    again = post(client, url, data)
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["id"] == got["id"]
    clash = post(client, url, {**data, "client_uuid": str(uuid.uuid4())})
    assert clash.status_code == 409 and clash.json()["code"] == "already_checked_in"
    bad = post(client, url, {**data, "client_uuid": "nope"})
    assert bad.status_code == 422
    hot = post(client, url, {**data, "client_uuid": str(uuid.uuid4()), "temperature": 42.3})
    assert hot.status_code == 400 and hot.json()["code"] == "temperature_out_of_range"
    early = post(client, url, {**data, "client_uuid": str(uuid.uuid4()), "day": days_ago(9)})
    assert early.status_code == 400 and early.json()["code"] == "day_outside_observation"


def machine(raw: str) -> Client:
    """A terminal with a bearer token (no cookies, CSRF enforced as for a real client)."""
    return Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}"})


def one_check_in(terminal: Client, observation: Observation) -> Any:
    body = {"client_uuid": str(uuid.uuid4()), "temperature": 36.6}
    return post(terminal, f"/observations/{observation.pk}/check-ins", body)


TRANSACTION_CONTROL = re.compile(r"^(SAVEPOINT|RELEASE SAVEPOINT|BEGIN|COMMIT)\b")


def test_one_check_in_through_a_token_runs_six_statements(tree: Any, worker: User) -> None:
    # given a terminal with its token, used once already (last_used_at is fresh)
    _token, raw = account_actions.create_token(actor=None, user=worker, name="体温终端")
    terminal = machine(raw)
    assert terminal.get("/api/me").status_code == 200
    observation = observe(tree.grid1, exposure_days_ago=2)

    # when it sends one check-in
    with CaptureQueriesContext(connection) as queries:
        answer = one_check_in(terminal, observation)

    # then it is stored with: the token with its user, home division and permissions (one
    # query), the observation locked within the jurisdiction, today's / this UUID's check-in,
    # the insert, the observation's latest values and the audit row
    assert answer.status_code == 201, answer.content
    statements = [
        q["sql"] for q in queries.captured_queries if not TRANSACTION_CONTROL.match(q["sql"])
    ]
    assert len(statements) == 6, "\n".join(statements)


def test_one_check_in_out_of_the_jurisdiction_or_unknown_answers_404(
    tree: Any, worker: User
) -> None:
    _token, raw = account_actions.create_token(actor=None, user=worker, name="体温终端")
    elsewhere = observe(tree.other_grid, name="外区")
    for observation in (elsewhere, Observation(pk=elsewhere.pk + 1000)):
        answer = one_check_in(machine(raw), observation)
        assert answer.status_code == 404 and answer.json() == {
            "code": "not_found",
            "message": "记录不存在，或不在您的辖区内。",
        }
    assert not CheckIn.objects.exists()


def _revoke(worker: User) -> None:
    for token in worker.api_tokens.all():
        account_actions.revoke_token(actor=None, token=token)


def _deactivate(worker: User) -> None:
    account_actions.deactivate_user(actor=None, user=worker)


def _take_the_role(worker: User) -> None:
    assert worker.home_division is not None
    account_actions.update_user(
        actor=None, user=worker, home_division=worker.home_division, roles=[]
    )


def _take_the_permission(worker: User) -> None:
    worker.user_permissions.clear()


@pytest.mark.parametrize(
    ("change", "status"),
    [
        (_revoke, 401),
        (_deactivate, 401),
        (_take_the_role, 403),
        (_take_the_permission, 403),
    ],
    ids=["token revoked", "user deactivated", "role removed", "own permission removed"],
)
def test_a_change_between_two_check_ins_refuses_the_second(
    tree: Any, make_user: Callable[..., User], change: Callable[[User], None], status: int
) -> None:
    # given a terminal whose user may check in, through a role or a permission given directly
    if change is _take_the_permission:
        worker = make_user(tree.grid1, roles=[], username="zhijie")
        worker.user_permissions.add(
            Permission.objects.get(content_type__app_label="observation", codename="add_checkin")
        )
    else:
        worker = make_user(tree.grid1, roles=[Role.GRID_WORKER], username="wangge")
    _token, raw = account_actions.create_token(actor=None, user=worker, name="体温终端")
    terminal = machine(raw)
    observation = observe(tree.grid1, exposure_days_ago=2)
    yesterday = {"client_uuid": str(uuid.uuid4()), "temperature": 36.6, "day": days_ago(1)}
    url = f"/observations/{observation.pk}/check-ins"
    assert post(terminal, url, yesterday).status_code == 201

    # when the token, the account or the role changes, and the terminal sends the next one
    change(worker)
    answer = one_check_in(terminal, observation)

    # then the very next request is refused, and nothing is written
    assert answer.status_code == status, answer.content
    assert CheckIn.objects.filter(observation=observation).count() == 1


def test_api_batch(client: Client, tree: Any) -> None:
    a = observe(tree.grid1, name="甲", exposure_days_ago=3)
    elsewhere = observe(tree.other_grid, name="乙")
    good = {"client_uuid": str(uuid.uuid4()), "observation_id": a.pk, "temperature": 36.6}
    items = [
        good,
        {
            "client_uuid": str(uuid.uuid4()),
            "observation_id": a.pk,
            "temperature": 36.4,
            "day": days_ago(1),
        },
        {"client_uuid": "not-a-uuid", "observation_id": a.pk, "temperature": 36.6},
        {"client_uuid": str(uuid.uuid4()), "observation_id": elsewhere.pk, "temperature": 36.6},
        {"client_uuid": str(uuid.uuid4()), "observation_id": a.pk, "temperature": 36.6, "x": 1},
        "not even an object",
        {
            "client_uuid": str(uuid.uuid4()),
            "observation_id": a.pk,
            "temperature": 35.0,
            "day": days_ago(1),
        },
    ]
    answer = post(client, "/check-ins/batch", {"items": items})
    assert answer.status_code == 200, answer.json()
    got = answer.json()
    assert (got["created"], got["duplicate"], got["rejected"]) == (2, 0, 5)
    assert [r["status"] for r in got["results"]] == [
        "created",
        "created",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
    ]
    assert got["results"][2]["errors"][0]["field"] == "client_uuid"
    assert got["results"][3]["errors"][0]["code"] == "not_found"
    assert got["results"][6]["errors"][0]["code"] == "already_checked_in"
    again = post(client, "/check-ins/batch", {"items": items}).json()
    assert (again["created"], again["duplicate"], again["rejected"]) == (0, 2, 5)
    assert CheckIn.objects.count() == 2
    too_many = post(client, "/check-ins/batch", {"items": [good] * 1001})
    assert too_many.status_code == 422
    assert post(client, "/check-ins/batch", {"items": []}).status_code == 422


def test_a_client_uuid_stored_for_another_observation_is_a_conflict_that_discloses_nothing(
    client: Client, tree: Any, make_user: Callable[..., User], client_for: Callable[..., Client]
) -> None:
    # given two observations of the grid worker's grid, and one of 吉林市 (another county),
    # each checked in today by a batch under its own client UUID
    a = observe(tree.grid1, name="甲")
    b = observe(tree.grid1, name="乙")
    theirs = observe(tree.other_grid, name="丙")
    mine, foreign = uuid.uuid4(), uuid.uuid4()
    first = post(client, "/check-ins/batch", {"items": [item(mine, a, 38.6)]}).json()
    assert first["created"] == 1
    jilin = client_for(make_user(tree.other_grid, roles=[Role.GRID_WORKER]))
    assert (
        post(jilin, "/check-ins/batch", {"items": [item(foreign, theirs, 37.9)]}).json()["created"]
        == 1
    )
    before = list(CheckIn.objects.order_by("pk").values_list("pk", "observation_id", "day"))

    # when a later batch sends the same UUIDs for b, and for a
    answer = post(
        client, "/check-ins/batch", {"items": [item(mine, b, 36.5), item(foreign, a, 36.5)]}
    )

    # then each is a per-item conflict with a clear message, nothing is written, and the answer
    # says nothing of the other record (no id, day, temperature, fever, name or observation)
    assert answer.status_code == 200
    got = answer.json()
    assert (got["created"], got["duplicate"], got["rejected"]) == (0, 0, 2)
    for result in got["results"]:
        assert result["status"] == "rejected" and result["id"] is None
        [error] = result["errors"]
        assert (error["code"], error["field"]) == ("uuid_reused", "client_uuid")
        assert "UUID" in error["message"] and "另一条打卡" in error["message"]
        text = json.dumps(result, ensure_ascii=False)
        assert result["fever"] is False and "observation_id" not in result
        for secret in ("38.6", "37.9", "甲", "丙", today().isoformat()):
            assert secret not in text
    # the conflict answers the same whether the other record is the caller's or not
    assert got["results"][0]["errors"] == got["results"][1]["errors"]
    assert list(CheckIn.objects.order_by("pk").values_list("pk", "observation_id", "day")) == before


def item(key: uuid.UUID, observation: Observation, temperature: float) -> dict[str, Any]:
    return {"client_uuid": str(key), "observation_id": observation.pk, "temperature": temperature}


def test_api_lists_reads_releases_and_refers(
    client: Client, tree: Any, secretary: User, client_for: Callable[[User | None], Client]
) -> None:
    a = observe(tree.grid1, name="甲", exposure_days_ago=3)
    b = observe(tree.grid1, name="乙", exposure_days_ago=3)
    check_in(b, day=days_ago(1), temperature="38.0")
    check_in(b, day=days_ago(0), temperature="38.0")  # today's is due too from 20:00
    elsewhere = observe(tree.other_grid, name="丙")
    listed = client.get("/api/observations").json()
    assert {i["id"] for i in listed["items"]} == {a.pk, b.pk}
    assert [i["id"] for i in client.get("/api/observations", {"fever": True}).json()["items"]] == [
        b.pk
    ]
    assert [i["id"] for i in client.get("/api/observations", {"missed": True}).json()["items"]] == [
        a.pk
    ]
    paged = client.get("/api/observations", {"limit": 1}).json()
    rest = client.get("/api/observations", {"limit": 1, "after": paged["next_after"]}).json()
    assert {paged["items"][0]["id"], rest["items"][0]["id"]} == {a.pk, b.pk}
    one = client.get(f"/api/observations/{b.pk}").json()
    assert one["fever"] and one["check_ins"][0]["temperature"] == 38.0
    assert client.get(f"/api/observations/{elsewhere.pk}").status_code == 404
    early = post(client, f"/observations/{a.pk}/release", {"note": "好了"})
    assert early.status_code == 400 and early.json()["code"] == "early_release_forbidden"
    released = post(client_for(secretary), f"/observations/{a.pk}/release", {"note": "评估解除"})
    assert released.status_code == 200 and released.json()["status"] == "released"
    referred = post(client, f"/observations/{b.pk}/refer", {"note": "38℃"})
    assert referred.status_code == 200 and referred.json()["status"] == "referred"
    again = post(client, f"/observations/{b.pk}/refer", {})
    assert again.status_code == 400 and again.json()["code"] == "observation_ended"
    assert post(client, f"/observations/{elsewhere.pk}/refer", {}).status_code == 404
