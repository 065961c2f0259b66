"""The official Python client (azure-devops 7.1), unmodified, on comments, attachments, tags,
templates and bulk delete: discovery gives it the routes, and its models read the answers."""

from __future__ import annotations

import io

import pytest
from azure.devops.v7_1.work_item_tracking.models import (
    CommentCreate,
    TeamContext,
    WorkItemDeleteBatchRequest,
    WorkItemTagDefinition,
    WorkItemTemplate,
)
from official_client import connect, op

TOKEN = "conformance-pat"
pytestmark = [
    pytest.mark.parametrize("emulator_server", [["--pat", TOKEN]], indirect=True),
    pytest.mark.usefixtures("private_client_cache"),
]


def test_official_client_on_comments_attachments_tags_templates(emulator_server: str) -> None:
    wit = connect(emulator_server, TOKEN).clients_v7_1.get_work_item_tracking_client()
    item = wit.create_work_item(
        [op("/fields/System.Title", "Discussed"), op("/fields/System.Tags", "talk")],
        "Fabrikam",
        "Task",
    )

    added = wit.add_comment(CommentCreate(text="First!"), "Fabrikam", item.id)
    assert added.id is not None
    assert (added.text, added.version) == ("First!", 1)
    page = wit.get_comments("Fabrikam", item.id, top=10)
    assert [c.text for c in page.comments] == ["First!"]
    assert wit.get_comment("Fabrikam", item.id, added.id).text == "First!"
    wit.create_comment_reaction("Fabrikam", item.id, added.id, "like")
    assert [r.count for r in wit.get_comment_reactions("Fabrikam", item.id, added.id)] == [1]
    assert [v.version for v in wit.get_comment_versions("Fabrikam", item.id, added.id)] == [1]

    uploaded = wit.create_attachment(io.BytesIO(b"spec text"), "Fabrikam", file_name="spec.txt")
    content = b"".join(wit.get_attachment_content(uploaded.id, "Fabrikam"))
    assert content == b"spec text"

    tags = wit.get_tags("Fabrikam")
    assert [t.name for t in tags] == ["talk"]
    renamed = wit.update_tag(WorkItemTagDefinition(name="chat"), "Fabrikam", tags[0].id)
    assert renamed.name == "chat"
    assert wit.get_work_item(item.id).fields["System.Tags"] == "chat"

    team = TeamContext(project="Fabrikam", team="Fabrikam Team")
    made = wit.create_template(
        WorkItemTemplate(name="Bug triage", work_item_type_name="Bug", fields={}), team
    )
    assert [t.id for t in wit.get_templates(team)] == [made.id]
    assert wit.get_work_item_template("Fabrikam", "Bug").fields["System.State"] == "New"

    result = wit.delete_work_items(WorkItemDeleteBatchRequest(ids=[item.id]), "Fabrikam")
    assert [(r.id, r.code) for r in result.results] == [(item.id, 200)]
