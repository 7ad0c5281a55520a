"""`manage.py create_user <workspace> <email>`: a person who signs in to the web app."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from workspaces.models import Membership, Workspace


def create_user(*args: str) -> str:
    out = io.StringIO()
    call_command("create_user", *args, stdout=out)
    return out.getvalue()


def test_create_user_makes_the_workspace_and_a_member_who_signs_in_by_email(db, client):
    out = create_user("acme-sales", "Ava@Acme.example", "--password", "a long passphrase")

    assert (
        out
        == "Created 'ava@acme.example' in workspace 'acme-sales'; they sign in at /app/login/.\n"
    )
    membership = Membership.objects.select_related("user", "workspace").get()
    assert (membership.user.username, membership.workspace.name) == (
        "ava@acme.example",
        "acme-sales",
    )
    assert client.login(username="ava@acme.example", password="a long passphrase")


def test_create_user_joins_an_existing_workspace(workspace):
    create_user(workspace.name, "ben@acme.example", "--password", "a long passphrase")

    assert Workspace.objects.count() == 1
    assert Membership.objects.get().workspace == workspace


def test_create_user_prompts_for_the_password_twice_without_the_option(db, monkeypatch):
    answers = iter(["a long passphrase", "a long passphrase"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))

    create_user("acme-sales", "ava@acme.example")

    assert get_user_model().objects.get().check_password("a long passphrase")


def test_create_user_refuses_two_different_passwords(db, monkeypatch):
    answers = iter(["a long passphrase", "another one"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))

    with pytest.raises(CommandError, match="The two passwords differ; nothing was created"):
        create_user("acme-sales", "ava@acme.example")
    assert not Workspace.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("acme", "not-an-email", "--password", "a long passphrase"), "valid email"),
        (("acme", "ava@acme.example", "--password", "short"), "too short"),
        (("acme", "ava@acme.example", "--password", "password"), "too common"),
        (("  ", "ava@acme.example", "--password", "a long passphrase"), "1-100 characters"),
    ],
    ids=["bad-email", "short-password", "common-password", "blank-workspace"],
)
def test_create_user_refuses_bad_input_and_creates_nothing(db, args, message):
    with pytest.raises(CommandError, match=message):
        create_user(*args)

    assert not get_user_model().objects.exists()
    assert not Workspace.objects.exists()


def test_create_user_refuses_an_email_already_taken(db):
    create_user("acme", "ava@acme.example", "--password", "a long passphrase")

    with pytest.raises(CommandError, match=re.escape("A user 'ava@acme.example' already exists.")):
        create_user("rival", "AVA@acme.example", "--password", "a long passphrase")
    assert not Workspace.objects.filter(name="rival").exists()
