"""`manage.py delete_workspace <name>`: erase a workspace and everything it holds."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from workspaces.models import Workspace
from workspaces.services import workspace_delete


class Command(BaseCommand):
    help = (
        "Erase a workspace with all its API keys, offers, uploads, leads, runs, results and "
        "cached LLM answers (an erasure request)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("workspace", help="Name of the workspace to erase.")
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask for confirmation (scripts)."
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Never prompt: without --yes, refuse.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["workspace"]
        workspace = Workspace.objects.filter(name=name).first()
        if workspace is None:
            raise CommandError(f"No workspace named {name!r}.")
        if not options["yes"]:
            if not options["interactive"]:
                raise CommandError("Pass --yes to erase without confirmation.")
            answer = input(f"Erase workspace {name!r} and everything in it? Type its name: ")
            if answer.strip() != name:
                raise CommandError("Not confirmed; nothing was erased.")
        counts = workspace_delete(workspace=workspace)
        summary = ", ".join(f"{count} {label}" for label, count in counts.items())
        self.stdout.write(f"Erased workspace {name!r}: {summary}.")
