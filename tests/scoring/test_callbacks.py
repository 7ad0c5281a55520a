"""Callback addresses: which the service refuses to call, and that a refusal is final."""

from __future__ import annotations

import ipaddress

import pytest
from celery.exceptions import Retry

from scoring import tasks
from scoring.callbacks import CallbackRefused, address_refused, check_callback_url
from scoring.classifiers.heuristic import HeuristicClassifier
from scoring.models import ScoringRun
from scoring.runs import Callback, run_create
from tests.factories import LeadFactory

SECRET = "s" * 16


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("8.8.8.8", False),
        ("10.0.0.1", True),
        ("2606:4700::1111", False),
        ("::1", True),
        # IPv4-mapped and IPv4-compatible: the IPv4 address is the one called.
        ("::ffff:10.0.0.1", True),
        ("::ffff:8.8.8.8", False),
        ("::a00:1", True),
        # NAT64 (RFC 6052): the well-known prefix embeds the last 32 bits.
        ("64:ff9b::a00:1", True),
        ("64:ff9b::7f00:1", True),
        ("64:ff9b::808:808", False),
        # Local-use NAT64 (RFC 8215): refused when any placement the RFC allows is private.
        ("64:ff9b:1::a00:1", True),
        ("64:ff9b:1:a00:0:100::", True),
        # 6to4 (2002::/16): the IPv4 address follows the prefix.
        ("2002:7f00:1::", True),
        ("2002:a00:1::1", True),
        ("2002:808:808::1", False),
        # Teredo (2001::/32): server and (obfuscated) client IPv4 addresses.
        ("2001:0:a00:1::", True),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", True),
    ],
)
def test_address_refused_looks_through_translated_ipv6(address, refused):
    assert address_refused(ipaddress.ip_address(address)) is refused


@pytest.mark.parametrize(
    "url",
    [
        "https://user:pass@hooks.example/run",
        "https://user@hooks.example/run",
        "https://:pass@hooks.example/run",
    ],
)
def test_credentials_in_a_callback_url_are_refused_before_any_lookup(settings, url):
    settings.CALLBACK_ALLOW_PRIVATE = True  # refused even where private hosts are allowed

    with pytest.raises(CallbackRefused, match="must not hold a user name or password") as caught:
        check_callback_url(url)

    assert caught.value.permanent


def test_a_host_named_by_megabytes_is_quoted_in_100_characters(settings):
    settings.CALLBACK_ALLOW_PRIVATE = False

    with pytest.raises(CallbackRefused) as caught:
        check_callback_url(f"http://{'a' * 3_000_000}.example/")

    assert len(str(caught.value)) < 200


def _finished_run(workspace, offer, upload, url: str) -> ScoringRun:
    LeadFactory(upload=upload)
    run, _ = run_create(
        workspace=workspace,
        offer=offer,
        classifier=HeuristicClassifier(),
        callback=Callback(url, SECRET),
    )
    ScoringRun.objects.filter(pk=run.pk).update(status=ScoringRun.Status.COMPLETED)
    return run


@pytest.mark.django_db
def test_a_callback_refused_at_delivery_is_recorded_and_not_retried(
    workspace, offer, upload, settings
):
    # Accepted when the run was asked for; the address is private by the time it ends.
    run = _finished_run(workspace, offer, upload, "http://[64:ff9b::a00:1]/hook")
    settings.CALLBACK_ALLOW_PRIVATE = False

    tasks.deliver_callback(run.pk)  # a retry would raise Retry here

    run.refresh_from_db()
    assert (run.callback_status, run.callback_attempts) == ("refused", 1)
    assert run.callback_error == "callback host '64:ff9b::a00:1' is a private or reserved address."


@pytest.mark.django_db
def test_a_callback_that_cannot_reach_its_receiver_is_retried(workspace, offer, upload, settings):
    settings.CALLBACK_ALLOW_PRIVATE = True
    run = _finished_run(workspace, offer, upload, "http://127.0.0.1:1/hook")  # refused at once

    with pytest.raises(Retry):
        tasks.deliver_callback(run.pk)

    run.refresh_from_db()
    assert (run.callback_status, run.callback_attempts) == ("failed", 1)
