"""Sign-in for the web app: Django's authentication form, with failed attempts limited."""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache

# Failed sign-ins are counted per email over this window; past the limit
# (LEADSCORING_SIGNIN_ATTEMPTS) even the right password is refused until the window ends.
WINDOW_SECONDS = 15 * 60


def _key(username: str) -> str:
    # A digest: cache keys show up in monitoring tools, emails are personal data.
    return "signin:failures:" + hashlib.sha256(username.encode()).hexdigest()[:32]


def signin_blocked(username: str) -> bool:
    """Return whether `username` has used up its failed sign-ins for the current window."""
    return (cache.get(_key(username)) or 0) >= settings.SIGNIN_ATTEMPTS


def signin_failed(username: str) -> None:
    """Count a failed sign-in for `username` (in the shared cache: Redis when configured)."""
    key = _key(username)
    if not cache.add(key, 1, WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, WINDOW_SECONDS)


class SignInForm(AuthenticationForm):
    """Django's sign-in form (`username` is the email), refusing an email that failed too often."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password do not match an account. Check both and "
        "try again.",
        "throttled": "Too many failed sign-ins for this email. Wait 15 minutes, then try again.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email"
        self.fields["username"].widget.attrs.update({"autocomplete": "email", "type": "email"})

    def clean(self) -> dict[str, Any]:
        username = (self.cleaned_data.get("username") or "").strip().lower()
        self.cleaned_data["username"] = username
        if username and signin_blocked(username):
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            return super().clean()
        except forms.ValidationError:
            if username:
                signin_failed(username)
            raise
