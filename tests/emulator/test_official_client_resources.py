"""The official Python client (unmodified) finds the resources served besides work items through
route discovery (`OPTIONS _apis`): each one it calls here is a location the emulator advertises.
"""

from __future__ import annotations

import pytest
from azure.devops.v7_1.work_item_tracking.models import WorkItemDeleteBatchRequest
from official_client import connect, op

TOKEN = "resources-pat"
pytestmark = [
    pytest.mark.parametrize("emulator_server", [["--pat", TOKEN]], indirect=True),
    pytest.mark.usefixtures("private_client_cache"),
]


def test_the_official_client_reaches_metadata_queries_and_tags(emulator_server: str) -> None:
    wit = connect(emulator_server, TOKEN).clients_v7_1.get_work_item_tracking_client()
    categories = wit.get_work_item_type_categories("Fabrikam")
    assert "Microsoft.RequirementCategory" in {c.reference_name for c in categories}
    assert wit.get_work_item_icons()
    assert wit.get_work_artifact_link_types()
    roots = wit.get_queries("Fabrikam", depth=1)
    assert {q.name for q in roots} >= {"Shared Queries"}
    item = wit.create_work_item(
        [op("/fields/System.Title", "tagged"), op("/fields/System.Tags", "alpha")],
        "Fabrikam",
        "Task",
    )
    assert "alpha" in {t.name for t in wit.get_tags("Fabrikam")}
    deleted = wit.delete_work_items(WorkItemDeleteBatchRequest(ids=[item.id]), "Fabrikam")
    assert [r.id for r in deleted.results] == [item.id]
    assert [r.id for r in wit.get_deleted_work_items([item.id], "Fabrikam")] == [item.id]
    type_field = wit.get_work_item_type_field_with_references(
        "Fabrikam", "Bug", "Microsoft.VSTS.Common.Priority", expand="allowedValues"
    )
    assert type_field.allowed_values == ["1", "2", "3", "4"]
