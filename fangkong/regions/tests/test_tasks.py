import pytest
from django.core.management import call_command

from fangkong.regions.models import Division
from fangkong.regions.tasks import recount_divisions_task

# The worker closes connections between tasks, as in production: needs real transactions.
pytestmark = pytest.mark.django_db(transaction=True)


def test_recount_task_runs_through_the_database_queue_and_repairs_counters(tree):
    # given a counter that drifted (e.g. after a manual SQL fix)
    Division.objects.filter(pk=tree.province.pk).update(n_grids=999)
    # when the recount is enqueued on the default (database) backend and a worker drains it
    result = recount_divisions_task.enqueue()
    assert result.status == "READY"
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    # then the task succeeded and the province counts its 3 grids again
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert (result.return_value or 0) >= 1
    assert Division.objects.get(pk=tree.province.pk).n_grids == 3


def test_recount_command_can_enqueue_instead_of_running(tree, capsys):
    Division.objects.filter(pk=tree.province.pk).update(n_grids=0)
    call_command("recount_divisions", background=True)
    assert "后台任务" in capsys.readouterr().out
    assert Division.objects.get(pk=tree.province.pk).n_grids == 0  # not yet: a worker runs it
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    assert Division.objects.get(pk=tree.province.pk).n_grids == 3
