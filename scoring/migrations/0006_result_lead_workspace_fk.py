"""Enforce result -> lead and result -> workspace with one composite foreign key (PostgreSQL).

(workspace_id, lead_id) -> lead (workspace_id, id): a result's lead exists and is of the
result's workspace, checked once per inserted row instead of twice (see ScoreResult.lead).
SQLite cannot add a constraint to an existing table; there Django's ORM cascades still apply
and the laptop setup goes without the database-level check, as for leads (leads 0002).
"""

import django.db.models.deletion
from django.db import migrations, models

FOREIGN_KEY = "result_lead_workspace_fk"


def add_foreign_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE scoring_scoreresult ADD CONSTRAINT {FOREIGN_KEY} "
        "FOREIGN KEY (workspace_id, lead_id) REFERENCES leads_lead (workspace_id, id) "
        "DEFERRABLE INITIALLY DEFERRED"
    )


def drop_foreign_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE scoring_scoreresult DROP CONSTRAINT {FOREIGN_KEY}")


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0004_lead_ws_id_unique"),
        ("scoring", "0005_result_run_unconstrained"),
        ("workspaces", "0002_user_membership"),
    ]

    operations = [
        migrations.AlterField(
            model_name="scoreresult",
            name="lead",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="results",
                to="leads.lead",
            ),
        ),
        migrations.AlterField(
            model_name="scoreresult",
            name="workspace",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="results",
                to="workspaces.workspace",
            ),
        ),
        migrations.RunPython(add_foreign_key, drop_foreign_key),
    ]
