"""Sign-in, sign-out and password change: Django's views, failed attempts limited, CSRF on."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.webapp.conftest import PASSWORD
from workspaces.services import user_create


@pytest.fixture
def member(workspace):
    return user_create(workspace_name=workspace.name, email="ava@acme.example", password=PASSWORD)


def sign_in(client: Client, email: str, password: str):
    return client.post("/app/login/", {"username": email, "password": password})


def test_pages_send_visitors_who_are_not_signed_in_to_the_sign_in_page(client, db):
    response = client.get("/app/results/?intent=High")

    assert response.status_code == 302
    assert response["Location"] == "/app/login/?next=/app/results/%3Fintent%3DHigh"


def test_a_member_signs_in_with_their_email_in_any_case_and_lands_on_the_start_page(client, member):
    response = sign_in(client, "  Ava@ACME.example ", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/app/"
    assert "acme-sales" in client.get("/app/").content.decode()


def test_a_wrong_password_is_refused_in_plain_words(client, member):
    response = sign_in(client, "ava@acme.example", "wrong")

    assert response.status_code == 200
    assert "That email and password do not match an account." in response.content.decode()
    assert client.get("/app/").status_code == 302


def test_too_many_failed_sign_ins_lock_the_email_even_with_the_right_password(
    client, member, settings
):
    settings.SIGNIN_ATTEMPTS = 3
    for _ in range(3):
        sign_in(client, "ava@acme.example", "wrong")

    refused = sign_in(client, "ava@acme.example", PASSWORD)
    other = sign_in(Client(), "someone@else.example", "wrong")

    assert refused.status_code == 200
    assert "Too many failed sign-ins for this email. Wait 15 minutes" in refused.content.decode()
    assert "Too many" not in other.content.decode()  # counted per email


def test_signing_out_ends_the_session(client, member):
    sign_in(client, "ava@acme.example", PASSWORD)

    response = client.post("/app/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/app/login/"
    assert client.get("/app/").status_code == 302


def test_a_member_changes_their_password(client, member):
    sign_in(client, "ava@acme.example", PASSWORD)

    weak = client.post(
        "/app/password/",
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    changed = client.post(
        "/app/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "another long passphrase",
            "new_password2": "another long passphrase",
        },
    )

    assert "This password is too common." in weak.content.decode()
    assert changed["Location"] == "/app/password/done/"
    assert sign_in(Client(), "ava@acme.example", "another long passphrase").status_code == 302


def test_forms_without_the_csrf_token_are_refused_in_plain_words(member, workspace):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    response = client.post("/app/offers/new/", {"name": "x"})

    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


def test_session_and_csrf_cookies_are_secure_outside_debug(client, member, settings):
    assert settings.DEBUG is False
    assert settings.SESSION_COOKIE_SECURE
    assert settings.CSRF_COOKIE_SECURE

    response = sign_in(client, "ava@acme.example", PASSWORD)

    cookie = response.cookies["sessionid"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
