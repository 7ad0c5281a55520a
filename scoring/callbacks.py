"""Signed webhook delivery of finished runs, refusing private addresses unless allowed."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlsplit

from django.conf import settings

SIGNATURE_HEADER = "X-Leadscoring-Signature"
USER_AGENT = "leadscoring-callback/1"


class CallbackRefused(Exception):
    """The callback could not be delivered: the reason, never the body."""


def signature(body: bytes, secret: str) -> str:
    """Return the value of the signature header for `body`: `sha256=<hex HMAC>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_callback_url(url: str) -> None:
    """Raise CallbackRefused unless `url` is http(s) to a host the service may call.

    Hosts that resolve to private, loopback, link-local, multicast or reserved addresses are
    refused (the service must not be a proxy into its own network) unless
    LEADSCORING_CALLBACK_ALLOW_PRIVATE is set.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CallbackRefused("callback_url must be an http or https URL.")
    if settings.CALLBACK_ALLOW_PRIVATE:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise CallbackRefused(f"callback host {parts.hostname!r} does not resolve.") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise CallbackRefused(
                f"callback host {parts.hostname!r} is a private or reserved address."
            )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could lead to an address check_callback_url refused.
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def post_signed(url: str, body: bytes, *, secret: str, event: str, timeout: float) -> None:
    """POST `body` (JSON) to `url` with an HMAC-SHA256 signature; raise CallbackRefused unless
    the receiver answers 2xx."""
    check_callback_url(url)
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: signature(body, secret),
            "X-Leadscoring-Event": event,
            "X-Leadscoring-Delivery": uuid.uuid4().hex,
        },
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        raise CallbackRefused(f"the receiver answered HTTP {exc.code}.") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise CallbackRefused(f"could not reach the receiver: {reason}.") from None
    if not 200 <= status < 300:
        raise CallbackRefused(f"the receiver answered HTTP {status}.")
