"""Offer pages: list, create, edit, and the industry picker's suggestions."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from offers.selectors import offer_get, offer_list
from offers.services import offer_create, offer_update
from webapp.access import workspace_page
from webapp.forms import OfferForm
from webapp.industries import industry_suggestions
from workspaces.models import Workspace


@workspace_page
def offer_index(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    return render(request, "webapp/offers.html", {"offers": offer_list(workspace=workspace)})


@workspace_page
def offer_new(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    form = OfferForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        offer = offer_create(workspace=workspace, data=form.offer_data)
        messages.success(request, f"Offer “{offer.name}” created. Next: upload your leads.")
        return redirect("webapp:offers")
    status = 400 if form.errors else 200
    return render(request, "webapp/offer_form.html", {"form": form}, status=status)


@workspace_page
def offer_edit(request: HttpRequest, workspace: Workspace, offer_id: int) -> HttpResponse:
    offer = offer_get(workspace=workspace, offer_id=offer_id)
    form = OfferForm(
        request.POST if request.method == "POST" else None, initial=OfferForm.initial_for(offer)
    )
    if request.method == "POST" and form.is_valid():
        offer_update(offer=offer, data=form.offer_data)
        messages.success(request, f"Offer “{offer.name}” saved.")
        return redirect("webapp:offers")
    status = 400 if form.errors else 200
    return render(request, "webapp/offer_form.html", {"form": form, "offer": offer}, status=status)


@workspace_page
def industry_options(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """The picker's <option>s for what has been typed (htmx swaps them into its datalist)."""
    # Printable characters only: NUL and other control characters never name an industry.
    query = "".join(c for c in request.GET.get("q", "")[:100] if c.isprintable())
    names = industry_suggestions(query=query)
    return render(request, "webapp/_industry_options.html", {"names": names})
