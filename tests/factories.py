"""factory_boy factories for every model."""

from __future__ import annotations

import factory
from django.utils import timezone

from leads.csv_import import dedupe_key
from leads.models import Lead, Upload
from offers.models import Offer
from workspaces.models import Workspace


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"team-{n}")


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    workspace = factory.SubFactory(WorkspaceFactory)
    name = "AI Outreach Automation"
    value_props = factory.LazyFunction(lambda: ["24/7 outreach", "6x more meetings"])
    ideal_use_cases = factory.LazyFunction(lambda: ["B2B SaaS mid-market"])


class UploadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Upload

    workspace = factory.SubFactory(WorkspaceFactory)
    filename = "leads.csv"


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    upload = factory.SubFactory(UploadFactory)
    workspace = factory.SelfAttribute("upload.workspace")
    line = factory.Sequence(lambda n: n + 2)
    name = factory.Sequence(lambda n: f"Lead {n}")
    role = "Head of Growth"
    company = factory.Sequence(lambda n: f"Company {n}")
    industry = "SaaS"
    location = "Austin, TX"
    linkedin_bio = "Scaling outbound at a Series B SaaS company."
    dedupe_key = factory.LazyAttribute(lambda lead: dedupe_key(lead.name, lead.company))
    created_at = factory.LazyFunction(timezone.now)
