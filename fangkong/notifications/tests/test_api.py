"""The notifications API: the caller's own list (paged, unread filter), the unread count, marking
one or all read; another's notification answers 404 like one that does not exist."""

from __future__ import annotations

from types import SimpleNamespace

from fangkong.notifications.actions import notify
from fangkong.notifications.models import Kind, Notification


def test_the_list_is_the_callers_own_paged_newest_first(people: SimpleNamespace, client_for):
    made = [notify([people.me], kind=Kind.OTHER, title=f"第{i}条")[0].pk for i in range(3)]
    notify([people.other], kind=Kind.OTHER, title="别人的")
    client = client_for(people.me)

    first = client.get("/api/notifications", {"limit": 2}).json()
    assert [n["id"] for n in first["items"]] == [made[2], made[1]]
    assert first["next_after"] == made[1]
    rest = client.get("/api/notifications", {"limit": 2, "after": first["next_after"]}).json()
    assert [n["id"] for n in rest["items"]] == [made[0]]
    assert rest["next_after"] is None


def test_unread_filter_count_and_kind(people: SimpleNamespace, client_for) -> None:
    a = notify([people.me], kind=Kind.DIRECTIVE, title="指令", link="https://evil.example/")[0]
    b = notify([people.me], kind=Kind.ALERT, title="预警", link="/alerts/1/")[0]
    Notification.objects.filter(pk=a.pk).update(read_at="2020-02-01T08:00:00Z")
    client = client_for(people.me)

    unread = client.get("/api/notifications", {"unread": "true"}).json()["items"]
    assert [n["id"] for n in unread] == [b.pk]
    assert unread[0]["link"] == "/alerts/1/"
    by_kind = client.get("/api/notifications", {"kind": "directive"}).json()["items"]
    assert [(n["id"], n["link"]) for n in by_kind] == [(a.pk, "")]  # an outside link: none
    assert client.get("/api/notifications/unread-count").json() == {"unread": 1}


def test_mark_read_and_read_all(people: SimpleNamespace, client_for) -> None:
    mine = notify([people.me], kind=Kind.OTHER, title="我的")[0]
    notify([people.me], kind=Kind.OTHER, title="又一条")
    theirs = notify([people.other], kind=Kind.OTHER, title="别人的")[0]
    client = client_for(people.me)

    answer = client.post(f"/api/notifications/{mine.pk}/read")
    assert answer.status_code == 200
    assert answer.json()["read_at"] is not None
    refused = client.post(f"/api/notifications/{theirs.pk}/read")
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"
    assert client.post("/api/notifications/read-all").json() == {"marked": 1}
    assert client.get("/api/notifications/unread-count").json() == {"unread": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_bad_input_answers_400_or_422_never_500(people: SimpleNamespace, client_for) -> None:
    client = client_for(people.me)
    for query in ({"limit": "0"}, {"limit": "201"}, {"after": "0"}, {"kind": "x"}):
        assert client.get("/api/notifications", query).status_code in (400, 422), query
    assert client.post("/api/notifications/0/read").status_code in (400, 404, 422)
    assert client.post(f"/api/notifications/{2**63}/read").status_code in (400, 404, 422)


def test_the_api_asks_for_a_login(client_for) -> None:
    assert client_for(None).get("/api/notifications").status_code == 401
