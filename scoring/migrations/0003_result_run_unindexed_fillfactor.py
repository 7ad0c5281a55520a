"""Results rewritten by every run stay on their page: no index on run_id, and free room.

On PostgreSQL, re-scoring an unchanged lead then is a HOT update (no new index entries):
fillfactor 50 leaves each page room for the new version of every row on it, and the old
versions are pruned as pages are visited.
"""

import django.db.models.deletion
from django.db import migrations, models


def fillfactor(value: int):  # type: ignore[no-untyped-def]
    def apply(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"ALTER TABLE scoring_scoreresult SET (fillfactor = {int(value)})"
            )

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0002_run_thresholds"),
    ]

    operations = [
        migrations.AlterField(
            model_name="scoreresult",
            name="run",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="results",
                to="scoring.scoringrun",
            ),
        ),
        migrations.RunPython(fillfactor(50), fillfactor(100)),
    ]
