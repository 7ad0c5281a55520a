"""Scoring pages: pick an offer and leads, see the estimate of a paid run, start, watch the
progress, cancel."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from offers.selectors import offer_list
from scoring.chunks import ScoringFailed
from scoring.classifiers.factory import get_classifier
from scoring.dispatch import BrokerUnavailable
from scoring.runs import (
    NothingToScore,
    RunNotActive,
    TooManyLlmCalls,
    run_cancel,
    run_estimate,
    run_start,
)
from scoring.selectors import run_get, run_list
from scoring.serializers import RunSerializer
from webapp.access import workspace_page
from webapp.forms import ScoreForm
from workspaces.models import Workspace

# Runs listed under the form: the newest.
LISTED = 10
NOTHING_TO_SCORE = "There are no leads to score here: upload a CSV of leads first."


@workspace_page
def score(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """GET: the form. POST: the estimate to confirm when the run would call a paid model,
    else start the run and go to its progress page."""
    # Links from an offer or an upload preselect it (?offer=, ?upload=).
    preselected = {name: request.GET.get(name, "")[:20] for name in ("offer", "upload")}
    form = ScoreForm(
        request.POST if request.method == "POST" else None, initial=preselected, workspace=workspace
    )
    context = {
        "form": form,
        "has_offers": offer_list(workspace=workspace).exists(),
        "runs": run_list(workspace=workspace).select_related("offer")[:LISTED],
    }
    if request.method != "POST":
        return render(request, "webapp/score.html", context)
    if not form.is_valid():
        return render(request, "webapp/score.html", context, status=400)
    offer, upload = form.cleaned_data["offer"], form.cleaned_data["upload"]
    if not form.cleaned_data["confirmed"]:
        estimate = run_estimate(
            workspace=workspace, offer=offer, upload=upload, classifier=get_classifier()
        )
        if estimate["llm_calls"]:
            form = ScoreForm(
                initial={"offer": offer, "upload": upload, "confirmed": True},
                workspace=workspace,
            )
            return render(
                request,
                "webapp/score_confirm.html",
                {"form": form, "estimate": estimate, "offer": offer, "upload": upload},
            )
    status = 400
    try:
        run = run_start(workspace=workspace, offer=offer, upload=upload)
    except NothingToScore:
        form.add_error(None, NOTHING_TO_SCORE)
    except TooManyLlmCalls as exc:
        form.add_error(
            None,
            f"This run would send {exc.calls} requests to the AI model, more than the "
            f"{exc.cap} allowed per run: pick one upload to score fewer leads at a time.",
        )
    except BrokerUnavailable:
        form.add_error(
            None,
            "The background workers cannot be reached right now, so the run was not started. "
            "Nothing was changed; try again in a minute.",
        )
        status = 503
    except ScoringFailed as exc:
        return redirect("webapp:run", run_id=exc.run.pk)
    else:
        return redirect("webapp:run", run_id=run.pk)
    return render(request, "webapp/score.html", context, status=status)


@workspace_page
def run_detail(request: HttpRequest, workspace: Workspace, run_id: int) -> HttpResponse:
    """The run's page; polled by htmx, only its progress panel."""
    run = run_get(workspace=workspace, run_id=run_id)
    context = {"run": run, "progress": RunSerializer(run).data, "offer": run.offer}
    partial = request.headers.get("HX-Request") == "true"
    return render(request, "webapp/_run_progress.html" if partial else "webapp/run.html", context)


@workspace_page
def run_stop(request: HttpRequest, workspace: Workspace, run_id: int) -> HttpResponse:
    run = run_get(workspace=workspace, run_id=run_id)
    if request.method == "POST":
        try:
            run_cancel(run=run)
        except RunNotActive:
            messages.info(request, f"This run had already ended ({run.status}).")
        else:
            messages.success(request, "Run cancelled. The leads scored so far keep their scores.")
    return redirect("webapp:run", run_id=run.pk)
