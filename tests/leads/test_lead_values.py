"""lead_values: a workspace's leads among given ids, read as plain tuples in id order."""

from __future__ import annotations

import pytest

from leads.selectors import lead_values
from tests.factories import LeadFactory, UploadFactory

FIELDS = ("name", "role", "linkedin_bio")


@pytest.fixture
def interleaved(workspace, other_workspace):
    """Ten leads, every third one another workspace's."""
    ours, theirs = UploadFactory(workspace=workspace), UploadFactory(workspace=other_workspace)
    return [LeadFactory(upload=theirs if i % 3 == 2 else ours) for i in range(10)]


def values(lead):
    return (lead.id, lead.name, lead.role, lead.linkedin_bio)


@pytest.mark.parametrize(
    "picked",
    [
        range(10),  # consecutive ids
        [0, 1, 3, 4, 7, 9],  # ids with gaps: lead 6 is ours, not asked for
        [9, 0],  # ids far apart, out of order
        [4],
    ],
)
def test_lead_values_reads_the_workspaces_leads_among_the_ids_in_id_order(
    workspace, interleaved, picked
):
    ids = [interleaved[i].id for i in picked]

    read = lead_values(workspace_id=workspace.id, lead_ids=ids, fields=FIELDS)

    assert read == [
        values(lead)
        for lead in interleaved  # created in id order
        if lead.id in ids and lead.workspace_id == workspace.id
    ]


def test_lead_values_skips_leads_deleted_meanwhile(workspace, interleaved):
    ids = [lead.id for lead in interleaved]
    interleaved[1].delete()

    read = lead_values(workspace_id=workspace.id, lead_ids=ids, fields=FIELDS)

    assert interleaved[1].id not in [row[0] for row in read]
    assert [row[0] for row in read] == [ids[i] for i in (0, 3, 4, 6, 7, 9)]


def test_lead_values_of_no_ids_is_empty(workspace):
    assert lead_values(workspace_id=workspace.id, lead_ids=[], fields=FIELDS) == []
