"""Seed the deadlines per level: villages 16:00, townships 17:00, counties 18:00, cities 19:00,
the province 20:00 (the province's command office changes them later)."""

import datetime as dt

from django.db import migrations

DEFAULTS = {5: dt.time(16), 4: dt.time(17), 3: dt.time(18), 2: dt.time(19), 1: dt.time(20)}


def seed(apps, schema_editor):
    Deadline = apps.get_model("reports", "Deadline")
    for level, time in DEFAULTS.items():
        Deadline.objects.get_or_create(level=level, defaults={"time": time})


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
