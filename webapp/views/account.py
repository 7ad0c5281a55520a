"""Sign-in, sign-out, password change, the home page and the plain-words error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from leads.selectors import upload_list
from offers.selectors import offer_list
from scoring.selectors import ResultFilters, result_count, run_list
from webapp.access import workspace_page
from workspaces.models import Workspace


@workspace_page
def home(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """The four steps, each with where the workspace stands, so a new person knows what next."""
    context = {
        "offers": offer_list(workspace=workspace).count(),
        "uploads": upload_list(workspace=workspace).count(),
        "results": result_count(workspace=workspace, filters=ResultFilters()),
        "last_run": run_list(workspace=workspace).select_related("offer").first(),
    }
    return render(request, "webapp/home.html", context)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: say what happened and what to do, in plain words."""
    return render(request, "webapp/csrf_failure.html", status=403)
