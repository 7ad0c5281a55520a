"""The selectors behind the web app's results page: one page of results, and the intents."""

from __future__ import annotations

import pytest

from scoring.models import ScoreResult
from scoring.runs import leads_score
from scoring.selectors import ResultFilters, result_intent_counts, result_list, result_page
from tests.factories import LeadFactory, OfferFactory, UploadFactory


@pytest.fixture
def scored(workspace, other_workspace, settings):
    settings.AI_PROVIDER = "heuristic"
    for owner in (workspace, other_workspace):
        upload = UploadFactory(workspace=owner)
        LeadFactory(upload=upload, role="VP Sales", industry="SaaS")
        LeadFactory(upload=upload, role="Intern", industry="", location="")
        LeadFactory.create_batch(5, upload=upload)
        leads_score(workspace=owner, offer=OfferFactory(workspace=owner))


@pytest.mark.parametrize("ordering", ["-score", "score", "name", "-name", "-scored_at"])
@pytest.mark.parametrize(("offset", "limit"), [(0, 3), (3, 3), (6, 3), (7, 3)])
def test_a_page_holds_the_same_results_in_the_same_order_as_the_listing(
    workspace, scored, ordering, offset, limit
):
    filters = ResultFilters(ordering=ordering)

    page = result_page(workspace=workspace, filters=filters, offset=offset, limit=limit)

    expected = list(result_list(workspace=workspace, filters=filters)[offset : offset + limit])
    assert [r.pk for r in page] == [r.pk for r in expected]
    assert all(r.lead.workspace_id == workspace.pk for r in page)


def test_intent_counts_name_every_intent_and_count_only_the_workspace_and_filters(
    workspace, scored
):
    mine = ScoreResult.objects.filter(workspace=workspace)
    high = mine.filter(score__gte=50)

    counts = result_intent_counts(workspace=workspace, filters=ResultFilters())
    filtered = result_intent_counts(workspace=workspace, filters=ResultFilters(min_score=50))

    assert counts == {i: mine.filter(intent=i).count() for i in ("High", "Medium", "Low")}
    assert filtered == {i: high.filter(intent=i).count() for i in ("High", "Medium", "Low")}
    assert sum(counts.values()) == 7
