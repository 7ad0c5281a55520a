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

from leads.labels import quoted

SIGNATURE_HEADER = "X-Leadscoring-Signature"
USER_AGENT = "leadscoring-callback/1"


class CallbackRefused(Exception):
    """The callback could not be delivered: the reason, never the body. `permanent` when
    trying again cannot help (the address is one the service must not call)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def signature(body: bytes, secret: str) -> str:
    """Return the value of the signature header for `body`: `sha256=<hex HMAC>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_callback_url(url: str) -> None:
    """Raise CallbackRefused (permanent) unless `url` is http(s), without credentials, to a
    host the service may call.

    Hosts that resolve to private, loopback, link-local, multicast or reserved addresses, or
    to IPv6 addresses that carry such an IPv4 address (see `address_refused`), are refused
    (the service must not be a proxy into its own network) unless
    LEADSCORING_CALLBACK_ALLOW_PRIVATE is set.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CallbackRefused("callback_url must be an http or https URL.", permanent=True)
    if parts.username is not None or parts.password is not None:
        raise CallbackRefused(
            "callback_url must not hold a user name or password (user:pass@): the callback "
            "is signed with callback_secret instead.",
            permanent=True,
        )
    if settings.CALLBACK_ALLOW_PRIVATE:
        return
    host = quoted(parts.hostname)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise CallbackRefused(f"callback host {host} does not resolve.") from exc
    for info in infos:
        if address_refused(ipaddress.ip_address(info[4][0])):
            raise CallbackRefused(
                f"callback host {host} is a private or reserved address.", permanent=True
            )


# IPv6 ranges that carry an IPv4 address, translated on the way (RFC 6052, 8215, 3056,
# 4380): the IPv4 address is the one really called.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
# Where RFC 6052 puts the IPv4 address for each NAT64 prefix length a /48 may use: byte
# ranges of the IPv6 address (byte 8, the "u" octet, is skipped).
_RFC6052_SLICES = {48: ((6, 8), (9, 11)), 56: ((7, 8), (9, 12)), 64: ((9, 13),), 96: ((12, 16),)}


def address_refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Return whether the service must not call `address`: not global, multicast, or an IPv6
    address whose embedded IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) is."""
    if not address.is_global or address.is_multicast:
        return True
    if isinstance(address, ipaddress.IPv6Address):
        return any(address_refused(v4) for v4 in embedded_ipv4(address))
    return False


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Return the IPv4 addresses an IPv6 address may be translated to, for each scheme it
    belongs to (every placement RFC 6052 allows, for the local-use NAT64 prefix)."""
    found = [a for a in (address.ipv4_mapped, address.sixtofour) if a is not None]
    if address.teredo is not None:
        found.extend(address.teredo)
    if address in NAT64 or (address in IPV4_COMPATIBLE and int(address) > 1):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address in NAT64_LOCAL:
        packed = address.packed
        for slices in _RFC6052_SLICES.values():
            found.append(ipaddress.IPv4Address(b"".join(packed[a:b] for a, b in slices)))
    return found


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
