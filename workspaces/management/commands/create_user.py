"""`manage.py create_user <workspace> <email>`: a person who signs in to the web app."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from workspaces.services import user_create


class Command(BaseCommand):
    help = (
        "Create a person who signs in at /app/login/ with their email, as a member of the "
        "workspace (created if needed). Without --password, the password is asked for."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("workspace", help="Name of the workspace, created if it is new.")
        parser.add_argument("email", help="The person's email: what they sign in with.")
        parser.add_argument("--password", help="Their password (asked for when omitted).")

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"]
        if password is None:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ; nothing was created.")
        try:
            user = user_create(
                workspace_name=options["workspace"], email=options["email"], password=password
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            f"Created {user.get_username()!r} in workspace {options['workspace'].strip()!r}; "
            "they sign in at /app/login/."
        )
