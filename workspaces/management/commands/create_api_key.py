"""`manage.py create_api_key <workspace>`: print a new key for a workspace."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from workspaces.services import api_key_create


class Command(BaseCommand):
    help = "Create an API key for a workspace (created if needed); the key is the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("workspace", help="Name of the workspace, created if it is new.")
        parser.add_argument("--name", default="", help="A label for the key (e.g. 'CRM sync').")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            api_key, key = api_key_create(
                workspace_name=options["workspace"], key_name=options["name"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Created key {api_key.prefix!r} for workspace {api_key.workspace.name!r}. "
            "Send it as 'Authorization: Api-Key <key>'; it is not shown again:"
        )
        self.stdout.write(key)
