"""API key pages: create a key (shown once) and revoke keys."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers

from webapp.access import workspace_page
from webapp.forms import ApiKeyForm
from workspaces.models import Workspace, WorkspaceAPIKey
from workspaces.selectors import api_key_list
from workspaces.services import api_key_create, api_key_revoke


@workspace_page
def key_index(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    form = ApiKeyForm(request.POST if request.method == "POST" else None)
    new_key = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            _, new_key = api_key_create(
                workspace_name=workspace.name, key_name=form.cleaned_data["name"]
            )
            form = ApiKeyForm()
            status = 201
        else:
            status = 400
    response = render(
        request,
        "webapp/keys.html",
        {"form": form, "keys": api_key_list(workspace=workspace), "new_key": new_key},
        status=status,
    )
    # The new key is in this page only: no cache may keep a copy.
    add_never_cache_headers(response)
    return response


@workspace_page
def key_revoke(request: HttpRequest, workspace: Workspace, key_id: str) -> HttpResponse:
    if request.method == "POST":
        try:
            api_key = api_key_revoke(workspace=workspace, key_id=key_id)
        except WorkspaceAPIKey.DoesNotExist:
            raise Http404 from None
        messages.success(request, f"Key “{api_key.name}” revoked: it no longer works.")
    return redirect("webapp:keys")
