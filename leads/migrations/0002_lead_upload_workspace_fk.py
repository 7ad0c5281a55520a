"""Enforce lead -> upload and lead -> workspace with one composite foreign key (PostgreSQL).

SQLite cannot add a constraint to an existing table; there Django's ORM cascades still
apply and the laptop setup goes without the database-level check.
"""

from django.db import migrations

FOREIGN_KEY = "lead_upload_workspace_fk"


def add_foreign_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE leads_lead ADD CONSTRAINT {FOREIGN_KEY} "
        "FOREIGN KEY (upload_id, workspace_id) REFERENCES leads_upload (id, workspace_id) "
        "ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED"
    )


def drop_foreign_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE leads_lead DROP CONSTRAINT {FOREIGN_KEY}")


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]

    operations = [migrations.RunPython(add_foreign_key, drop_foreign_key)]
