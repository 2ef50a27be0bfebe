"""notify(): one row per recipient, idempotent with a key, delivered after commit by the
background task (the database queue and a real worker run, as in production)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from fangkong.notifications.actions import Recipient, notify
from fangkong.notifications.models import Delivery, Kind, Notification
from fangkong.notifications.tasks import deliver_task


def test_a_key_notifies_each_recipient_once(people: SimpleNamespace) -> None:
    # given a reminder with a key sent to a user and to a phone
    recipients = [people.me, Recipient(name="张三", phone="13900000001")]
    first = notify(recipients, kind=Kind.REPORT_REMINDER, title="请报送日报", key="r:2020-02-01")

    # when the same reminder runs again, with one more recipient
    again = notify(
        [*recipients, people.other],
        kind=Kind.REPORT_REMINDER,
        title="请报送日报",
        key="r:2020-02-01",
    )

    # then only the new recipient gets one
    assert len(first) == 2
    assert [n.user for n in again] == [people.other]
    assert Notification.objects.filter(key="r:2020-02-01").count() == 3
    assert Notification.objects.get(phone="13900000001").user is None


def test_without_a_key_every_call_notifies_and_no_address_is_dropped(
    people: SimpleNamespace,
) -> None:
    notify([people.me, people.me], kind=Kind.OTHER, title="一")
    notify([people.me, Recipient(name="无号码")], kind=Kind.OTHER, title="二")
    assert Notification.objects.filter(user=people.me).count() == 2
    assert not Notification.objects.filter(name="无号码").exists()


def test_delivery_is_queued_after_commit_only(
    people: SimpleNamespace, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify([people.me], kind=Kind.OTHER, title="提交后发送")
    assert DBTaskResult.objects.count() == 0  # nothing queued inside the transaction
    assert len(callbacks) == 1


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_the_worker_delivers_through_the_configured_senders(tree: SimpleNamespace, make_user):
    # given two notifications created in a committed transaction
    user = make_user(tree.huayang)
    with transaction.atomic():
        notify([user, Recipient(name="李四", phone="13900000002")], kind=Kind.OTHER, title="送达")
    queued = DBTaskResult.objects.filter(task_path=deliver_task.module_path)
    assert queued.count() == 1

    # when a worker drains the queue
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)

    # then each is delivered by the logging sender, recorded per channel
    assert queued.get().status == "SUCCESSFUL"
    for n in Notification.objects.all():
        assert n.delivery == Delivery.SENT
        assert n.channels == {"log": "sent"}
        assert n.delivered_at is not None


def test_the_command_delivers_what_is_still_pending(people: SimpleNamespace) -> None:
    from io import StringIO

    notify([people.me, people.other], kind=Kind.OTHER, title="积压")
    out = StringIO()
    call_command("deliver_notifications", stdout=out)
    assert "2" in out.getvalue()
    assert set(Notification.objects.values_list("delivery", flat=True)) == {Delivery.SENT}
