"""Erasing a workspace: the signal through which the apps built on workspaces erase their rows
of it, and the bulk delete they use (the ORM's cascade would load every lead)."""

from __future__ import annotations

from django.db import connection, models
from django.dispatch import Signal

# Sent by workspace_delete, inside its transaction, before the workspace's own rows go, with
# `workspace`: each receiver erases its app's rows of it and returns {label: rows erased}.
# Receivers run in the order their apps are installed, not children first: the database checks
# foreign keys when the transaction commits (Django declares them deferrable).
workspace_erasing = Signal()


def delete_rows(model: type[models.Model], where: str, *params: object) -> int:
    """DELETE the rows of `model` matching the SQL condition `where`; return how many went."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE {where}", params)  # noqa: S608
        return cursor.rowcount
