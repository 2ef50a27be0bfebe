"""Flagged travellers: the count of hand-overs received on a day (which never went down) is
replaced by two figures, pending at the end of the day and handled on the day.

The stored days are recomputed from the hand-overs (one pair of GROUP BY queries per stored
day), so history reads the same as a fresh refresh would. Confirmations are kept as they were.
"""

import datetime as dt

from django.db import migrations, models
from django.db.models import Count, Q
from django.utils import timezone


def _bounds(day):
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=1)


def _by_path(qs):
    return {
        r["destination_path"]: r["n"]
        for r in qs.values("destination_path").annotate(n=Count("pk")).order_by()
    }


def recompute(apps, schema_editor):
    GridDay = apps.get_model("zeroreport", "GridDay")
    Handover = apps.get_model("checkpoints", "Handover")
    days = GridDay.objects.values_list("day", flat=True).distinct().order_by("day")
    for day in list(days):
        start, end = _bounds(day)
        pending = _by_path(
            Handover.objects.filter(created_at__lt=end).filter(
                Q(status="pending") | Q(status="handled", handled_at__gte=end)
            )
        )
        handled = _by_path(
            Handover.objects.filter(status="handled", handled_at__gte=start, handled_at__lt=end)
        )
        paths = sorted({*pending, *handled})
        for i in range(0, len(paths), 500):
            rows = list(GridDay.objects.filter(day=day, division_path__in=paths[i : i + 500]))
            for row in rows:
                row.passages_pending = pending.get(row.division_path, 0)
                row.passages_handled = handled.get(row.division_path, 0)
            GridDay.objects.bulk_update(rows, ["passages_pending", "passages_handled"], 1000)


class Migration(migrations.Migration):
    dependencies = [
        ("zeroreport", "0002_roles"),
        ("checkpoints", "0003_zero_report_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="gridday",
            name="passages_pending",
            field=models.PositiveIntegerField(default=0, verbose_name="flagged travellers pending"),
        ),
        migrations.AddField(
            model_name="gridday",
            name="passages_handled",
            field=models.PositiveIntegerField(default=0, verbose_name="flagged travellers handled"),
        ),
        migrations.RunPython(recompute, migrations.RunPython.noop),
        migrations.RemoveField(model_name="gridday", name="passages_received"),
    ]
