"""The notification centre through the test client: the header's unread count, the list with
its filters and pages, marking read, and nobody else's notifications, ever."""

from __future__ import annotations

import re
from types import SimpleNamespace

from django.test import override_settings
from django.urls import reverse
from django.utils.translation import gettext

from fangkong.notifications.actions import notify
from fangkong.notifications.models import Kind, Notification

LIST = reverse("notifications:list")


def _ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-notification="(\d+)"', html)]


def test_the_header_shows_the_unread_count_with_an_accessible_name(
    people: SimpleNamespace, client_for
) -> None:
    # given three unread notifications and one read
    for i in range(4):
        notify([people.me], kind=Kind.DIRECTIVE, title=f"指令{i}")
    Notification.objects.filter(title="指令0").update(read_at="2020-02-01T08:00:00Z")

    # when the user opens any page
    html = client_for(people.me).get(reverse("core:home"), follow=True).content.decode()

    # then the header links to the centre, named by its visible text and the count, which a
    # screen reader reads as "3 unread" (no aria-label that would differ from what is seen)
    link = html[html.index('class="notifications-link"') :]
    link = link[: link.index("</a>")]
    assert "aria-label" not in link
    assert gettext("Notifications") in link and 'data-unread="3">3' in link
    assert gettext(" unread") in link
    assert f'href="{LIST}"' in html


def test_no_unread_no_badge_and_no_link_for_a_visitor(people: SimpleNamespace, client_for):
    html = client_for(people.me).get(LIST).content.decode()
    assert "data-unread" not in html
    anonymous = client_for(None).get(reverse("accounts:login")).content.decode()
    assert f'href="{LIST}"' not in anonymous


def test_the_header_count_is_one_query(
    people: SimpleNamespace, client_for, django_assert_num_queries
) -> None:
    from django.template import Context, Template

    notify([people.me], kind=Kind.OTHER, title="一")
    template = Template("{% load notification_tags %}{% unread_notifications user as n %}{{ n }}")
    with django_assert_num_queries(1):
        assert template.render(Context({"user": people.me})) == "1"


def test_the_list_shows_only_the_users_own_with_filters(people: SimpleNamespace, client_for):
    # given notifications of two kinds to the user, and one to someone else
    mine = notify([people.me], kind=Kind.DIRECTIVE, title="我的指令")[0]
    reminder = notify([people.me], kind=Kind.REPORT_REMINDER, title="我的提醒")[0]
    theirs = notify([people.other], kind=Kind.DIRECTIVE, title="别人的指令")[0]
    Notification.objects.filter(pk=reminder.pk).update(read_at="2020-02-01T08:00:00Z")
    client = client_for(people.me)

    # then the list shows the user's own, newest first; unread and kind filter them
    assert _ids(client.get(LIST).content.decode()) == [reminder.pk, mine.pk]
    assert _ids(client.get(LIST, {"show": "unread"}).content.decode()) == [mine.pk]
    assert _ids(client.get(LIST, {"kind": Kind.REPORT_REMINDER}).content.decode()) == [reminder.pk]
    assert theirs.pk not in _ids(client.get(LIST).content.decode())


def test_an_empty_list_says_so(people: SimpleNamespace, client_for) -> None:
    response = client_for(people.me).get(LIST, {"show": "unread"})
    assert response.status_code == 200
    assert gettext("No unread notifications.") in response.content.decode()


def test_bad_filters_answer_400_not_500(people: SimpleNamespace, client_for) -> None:
    client = client_for(people.me)
    for query in ({"show": "x"}, {"kind": "nope"}, {"after": "-1"}, {"after": "１２"}):
        assert client.get(LIST, query).status_code == 400, query


@override_settings(FANGKONG_PAGE_SIZE=2)
def test_the_list_is_paged(people: SimpleNamespace, client_for) -> None:
    made = [notify([people.me], kind=Kind.OTHER, title=f"第{i}条")[0].pk for i in range(5)]
    client = client_for(people.me)
    first = client.get(LIST).content.decode()
    assert _ids(first) == [made[4], made[3]]
    after = re.search(r"after=(\d+)", first)
    assert after is not None
    second = client.get(LIST, {"after": after[1]}).content.decode()
    assert _ids(second) == [made[2], made[1]]


def test_only_links_on_the_site_are_links(people: SimpleNamespace, client_for) -> None:
    notify([people.me], kind=Kind.OTHER, title="站内", link="/command/groups/")
    for bad in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/\\evil"):
        notify([people.me], kind=Kind.OTHER, title="站外", link=bad)
    html = client_for(people.me).get(LIST).content.decode()
    assert 'href="/command/groups/"' in html
    assert "evil.example" not in html and "javascript:" not in html


def test_mark_read_marks_the_users_own_and_404s_anothers(people: SimpleNamespace, client_for):
    mine = notify([people.me], kind=Kind.OTHER, title="我的")[0]
    theirs = notify([people.other], kind=Kind.OTHER, title="别人的")[0]
    client = client_for(people.me)

    # when the user marks their own read, coming from the unread list
    response = client.post(
        reverse("notifications:read", args=[mine.pk]), {"next": f"{LIST}?show=unread"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?show=unread"
    mine.refresh_from_db()
    assert mine.read_at is not None

    # and tries another's, or sends an outside address back
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    outside = client.post(
        reverse("notifications:read", args=[mine.pk]), {"next": "https://evil.example/"}
    )
    assert outside["Location"] == LIST
    assert client.get(reverse("notifications:read", args=[mine.pk])).status_code == 405


def test_mark_all_read_marks_only_the_users_own(people: SimpleNamespace, client_for) -> None:
    notify([people.me, people.other], kind=Kind.OTHER, title="大家的")
    notify([people.me], kind=Kind.OTHER, title="又一条")
    response = client_for(people.me).post(reverse("notifications:read_all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(user=people.me, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=people.other, read_at__isnull=True).count() == 1


def test_the_list_runs_the_same_queries_however_many_notifications(
    people: SimpleNamespace, client_for, django_assert_max_num_queries
) -> None:
    client = client_for(people.me)
    notify([people.me], kind=Kind.OTHER, title="一条")
    with django_assert_max_num_queries(10) as one:
        assert client.get(LIST).status_code == 200
    for i in range(20):
        notify([people.me], kind=Kind.OTHER, title=f"更多{i}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(_ids(client.get(LIST).content.decode())) == 21
