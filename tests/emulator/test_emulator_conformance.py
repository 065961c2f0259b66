"""The official Python client (azure-devops 7.1.0b4), unmodified, against `witsync serve`.

It discovers routes first (resource areas, then `OPTIONS {org}/_apis`), then creates, reads,
updates under `test /rev`, runs WIQL, batch-reads, reads history and deletes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from azure.devops.exceptions import AzureDevOpsServiceError
from azure.devops.v7_1.work_item_tracking.models import (
    TeamContext,
    Wiql,
    WorkItemBatchGetRequest,
)
from official_client import connect, op

TOKEN = "conformance-pat"
IN_PROJECT = "[System.TeamProject] = @project"
pytestmark = [
    pytest.mark.parametrize("emulator_server", [["--pat", TOKEN]], indirect=True),
    pytest.mark.usefixtures("private_client_cache"),
]


def test_official_python_client_round_trip(emulator_server: str) -> None:
    connection = connect(emulator_server, TOKEN)
    core = connection.clients_v7_1.get_core_client()
    assert {p.name for p in core.get_projects()} == {"Fabrikam", "Scrummy"}
    wit = connection.clients_v7_1.get_work_item_tracking_client()

    parent = wit.create_work_item([op("/fields/System.Title", "Checkout")], "Fabrikam", "Feature")
    assert parent.rev == 1
    assert parent.fields["System.State"] == "New"
    child = wit.create_work_item(
        [
            op("/fields/System.Title", "Pay by card"),
            op("/fields/System.AssignedTo", "ann@example.com"),
            op("/relations/-", {"rel": "System.LinkTypes.Hierarchy-Reverse", "url": parent.url}),
        ],
        "Fabrikam",
        "User Story",
    )
    assert child.fields["System.AssignedTo"]["uniqueName"] == "ann@example.com"
    assert child.relations[0].rel == "System.LinkTypes.Hierarchy-Reverse"

    read = wit.get_work_item(parent.id, expand="Relations")
    assert read.relations[0].rel == "System.LinkTypes.Hierarchy-Forward"
    assert read.relations[0].url.endswith(f"/_apis/wit/workItems/{child.id}")

    updated = wit.update_work_item(
        [op("/rev", 1, "test"), op("/fields/System.Title", "Pay by card or wallet", "replace")],
        child.id,
    )
    assert updated.rev == 2
    with pytest.raises(AzureDevOpsServiceError, match="VS403351"):
        wit.update_work_item(
            [op("/rev", 1, "test"), op("/fields/System.Title", "stale", "replace")], child.id
        )

    result = wit.query_by_wiql(
        Wiql(query=f"SELECT [System.Id] FROM WorkItems WHERE {IN_PROJECT} ORDER BY [System.Id]"),
        team_context=TeamContext(project="Fabrikam"),
    )
    assert [ref.id for ref in result.work_items] == [parent.id, child.id]

    items = wit.get_work_items([child.id, parent.id], fields=["System.Title"])
    assert [i.fields["System.Title"] for i in items] == ["Pay by card or wallet", "Checkout"]
    batch = wit.get_work_items_batch(
        WorkItemBatchGetRequest(ids=[parent.id, child.id], fields=["System.Id"])
    )
    assert [i.id for i in batch] == [parent.id, child.id]

    updates = wit.get_updates(child.id)
    assert updates[-1].fields["System.Title"].old_value == "Pay by card"
    assert [t.name for t in wit.get_work_item_types("Scrummy")][:3] == [
        "Epic",
        "Feature",
        "Product Backlog Item",
    ]
    roots = wit.get_root_nodes("Fabrikam", depth=1)
    assert [r.structure_type for r in roots] == ["area", "iteration"]

    wit.delete_work_item(child.id)
    with pytest.raises(AzureDevOpsServiceError, match="TF401232"):
        wit.get_work_item(child.id)


def test_official_client_is_refused_with_a_wrong_token(emulator_server: str) -> None:
    """It sends `X-TFS-FedAuthRedirect: Suppress`, so it gets the 401 WrappedException body."""
    connection = connect(emulator_server, "wrong", org="other-org")
    with pytest.raises(AzureDevOpsServiceError, match="TF400813"):
        connection.clients_v7_1.get_core_client().get_projects()


NODE_SCRIPT = Path(__file__).parent.parent / "node" / "emulator_conformance.js"


def _node_client_env() -> dict[str, str] | None:
    """Node and azure-devops-node-api, when this machine has them (never installed by the tests):
    NODE_PATH may point at a node_modules folder holding the package."""
    if shutil.which("node") is None:
        return None
    env = dict(os.environ)
    probe = subprocess.run(
        ["node", "-e", "require.resolve('azure-devops-node-api')"],
        env=env,
        capture_output=True,
        check=False,
        cwd=NODE_SCRIPT.parent,
    )
    return env if probe.returncode == 0 else None


NODE_ENV = _node_client_env()


@pytest.mark.skipif(
    NODE_ENV is None, reason="node or azure-devops-node-api not installed (NODE_PATH)"
)
def test_official_node_client_round_trip(emulator_server: str) -> None:
    run = subprocess.run(
        ["node", str(NODE_SCRIPT), f"{emulator_server}/node-org", TOKEN, "Fabrikam"],
        env=NODE_ENV,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout)
    assert found["created"] == [1, 1]
    assert found["updatedRev"] == 2
    assert found["conflict"]["status"] == 412
    assert found["parentRelations"] == ["System.LinkTypes.Hierarchy-Forward"]
    assert found["queried"] == [1, 2]
    assert found["batchTitles"] == ["Node parent", "Node child, renamed"]
    assert found["deletedReadsAs"] is None
