"""Who a page acts for: the signed-in person's workspace or, on a laptop, the anonymous one."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from leadscoring.api.auth import WorkspaceUser
from workspaces.models import Workspace
from workspaces.selectors import user_workspace
from workspaces.services import workspace_get_or_create

PageView = Callable[..., HttpResponse]


def page_workspace(request: HttpRequest) -> Workspace | None:
    """Return the workspace the request's pages act in, or None when there is none.

    A signed-in person acts in their membership's workspace, exactly as a key of it would.
    Nobody signed in: LEADSCORING_ANONYMOUS_WORKSPACE when set (`make run`), else None.
    """
    if request.user.is_authenticated:
        return user_workspace(user_id=request.user.pk)
    if settings.ANONYMOUS_WORKSPACE:
        return workspace_get_or_create(name=settings.ANONYMOUS_WORKSPACE)
    return None


def workspace_page(view: PageView) -> PageView:
    """Make `view(request, workspace, ...)` a page: sign-in required, and 404s as a page.

    Visitors who are not signed in go to the sign-in page; a person who belongs to no
    workspace is told so (403). Http404 from a selector (unknown, or another workspace's id)
    renders the HTML not-found page instead of the API's JSON.
    """

    @wraps(view)
    def page(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        workspace = page_workspace(request)
        if workspace is None:
            if request.user.is_authenticated:
                return render(request, "webapp/no_workspace.html", status=403)
            return redirect_to_login(request.get_full_path())
        request.workspace = workspace  # type: ignore[attr-defined]
        # The access log (leadscoring.api.middleware) names the workspace, as for the API.
        request.api_user = WorkspaceUser(workspace)  # type: ignore[attr-defined]
        try:
            return view(request, workspace, *args, **kwargs)
        except Http404:
            return render(request, "webapp/not_found.html", status=404)

    return page


class SessionWorkspaceAuthentication(BaseAuthentication):
    """Lets the web app's pages reuse a read-only API view (the CSV export) as the session's
    workspace. Only for GET views: it does not check CSRF."""

    def authenticate(self, request: Request) -> tuple[WorkspaceUser, None] | None:
        workspace = page_workspace(request._request)
        return (WorkspaceUser(workspace), None) if workspace is not None else None
