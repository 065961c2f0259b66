"""Setups of recorded work item examples that need more than the generic one (openapi_replay):
relations to remove or change by index, an attachment to link."""

from __future__ import annotations

from openapi_replay import Replay, setup

RELATED = "System.LinkTypes.Related"
SUCCESSOR = "System.LinkTypes.Dependency-Forward"
BLOG = "http://blogs.msdn.com/b/bharry/archive/2014/05/12/a-new-api-for-visual-studio-online.aspx"


@setup(
    "workItems/PATCH__wit_workitems__taskId_4.json",
    "workItems/PATCH__wit_workitems__taskId_5.json",
)
async def three_links(replay: Replay) -> None:
    """`/relations/2` is a work item link (changed or removed without a new revision)."""
    for rel in (RELATED, RELATED, SUCCESSOR):
        await replay.link(replay.item(), rel, await replay.create_item("Task", "Linked"))
    await replay.retest()


@setup("workItems/PATCH__wit_workitems__taskId_7.json")
async def links_then_a_hyperlink(replay: Replay) -> None:
    """`/relations/2` is a resource link: removing it makes a revision (4 → 5 in the example)."""
    for rel in (RELATED, RELATED):
        await replay.link(replay.item(), rel, await replay.create_item("Task", "Linked"))
    await replay.link(replay.item(), "Hyperlink", BLOG)
    await replay.retest()


@setup("workItems/PATCH__wit_workitems__taskId_6.json")
async def an_uploaded_attachment(replay: Replay) -> None:
    """The `AttachedFile` relation names an attachment uploaded first."""
    answer = await replay.call(
        "POST",
        "wit/attachments",
        b"The spec",
        query={"fileName": "Spec.txt"},
        content_type="application/octet-stream",
    )
    for operation in replay.body:
        value = operation.get("value")
        if isinstance(value, dict) and value.get("rel") == "AttachedFile":
            value["url"] = answer.json()["url"]
