"""`manage.py delete_workspace <name>` erases a workspace entirely, and nothing else."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from leads.models import Lead, Upload
from offers.models import Offer
from scoring.classifiers.heuristic import HeuristicClassifier
from scoring.models import LLMAnswer, ScoreResult, ScoringChunk, ScoringRun
from scoring.runs import leads_score
from tests.factories import LeadFactory, OfferFactory, UploadFactory
from workspaces.models import Membership, Workspace, WorkspaceAPIKey
from workspaces.services import api_key_create, user_create


def populate(workspace: Workspace) -> None:
    api_key_create(workspace_name=workspace.name)
    user_create(
        workspace_name=workspace.name, email=f"ava@{workspace.name}.example", password="pass-pass-9"
    )
    leads = LeadFactory.create_batch(3, upload=UploadFactory(workspace=workspace))
    offer = OfferFactory(workspace=workspace)
    leads_score(workspace=workspace, offer=offer, classifier=HeuristicClassifier())
    LLMAnswer.objects.create(
        workspace=workspace,
        lead=leads[0],
        key=f"k{workspace.pk}",
        model="m",
        prompt_version="p",
        intent="High",
        reasoning="r",
    )


def held_by(workspace_id: int) -> dict[str, int]:
    return {
        "keys": WorkspaceAPIKey.objects.filter(workspace_id=workspace_id).count(),
        "offers": Offer.objects.filter(workspace_id=workspace_id).count(),
        "uploads": Upload.objects.filter(workspace_id=workspace_id).count(),
        "leads": Lead.objects.filter(workspace_id=workspace_id).count(),
        "runs": ScoringRun.objects.filter(workspace_id=workspace_id).count(),
        "chunks": ScoringChunk.objects.filter(run__workspace_id=workspace_id).count(),
        "results": ScoreResult.objects.filter(workspace_id=workspace_id).count(),
        "answers": LLMAnswer.objects.filter(workspace_id=workspace_id).count(),
        "members": Membership.objects.filter(workspace_id=workspace_id).count(),
    }


def test_delete_workspace_erases_everything_it_holds_and_nothing_else(workspace, other_workspace):
    populate(workspace)
    populate(other_workspace)
    kept = held_by(other_workspace.pk)
    out = io.StringIO()

    call_command("delete_workspace", workspace.name, "--yes", stdout=out)

    assert not Workspace.objects.filter(pk=workspace.pk).exists()
    assert set(held_by(workspace.pk).values()) == {0}
    assert held_by(other_workspace.pk) == kept
    # People's accounts are personal data: they go with their workspace.
    assert list(get_user_model().objects.values_list("username", flat=True)) == [
        f"ava@{other_workspace.name}.example"
    ]
    assert out.getvalue() == (
        f"Erased workspace {workspace.name!r}: 3 results, 1 cached LLM answers, 1 run chunks, "
        "1 runs, 3 leads, 1 uploads, 1 offers, 1 API keys, 1 users.\n"
    )
    # Rows are erased app by app, not children first: what matters is that no reference is
    # left dangling when the database checks its deferred foreign keys, at commit.
    connection.check_constraints()
    # A result's run has no constraint in the database (see ScoreResult.run): checked here.
    assert not ScoreResult.objects.exclude(run__in=ScoringRun.objects.all()).exists()


def test_delete_workspace_needs_a_known_name_and_confirmation(workspace):
    with pytest.raises(CommandError, match="No workspace named 'ghost'"):
        call_command("delete_workspace", "ghost", "--yes")
    with pytest.raises(CommandError, match="--yes"):
        call_command("delete_workspace", workspace.name, interactive=False)

    assert Workspace.objects.filter(pk=workspace.pk).exists()
