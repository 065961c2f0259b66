"""The 'changed after the plan' conflict says who changed what and when the revision was made (its
ChangedDate), never the newest revision's open-ended revisedDate 9999-01-01."""

from __future__ import annotations

from apply_support import desired, item, items_by_key, open_board, plan_and_apply, plan_for

from witsync.applying.applier import apply_plan
from witsync.applying.recover import changed_after_plan, describe_revisions

PRIYA = {"displayName": "Priya Raman", "uniqueName": "priya@fabrikam.com"}

# The newest revision's update as GET .../updates returns it (shaped after the documented example).
NEWEST = {
    "id": 5,
    "workItemId": 7,
    "rev": 4,
    "revisedBy": PRIYA,
    "revisedDate": "9999-01-01T00:00:00Z",
    "fields": {
        "System.Rev": {"oldValue": 3, "newValue": 4},
        "System.Title": {"oldValue": "Login", "newValue": "Log in"},
        "System.ChangedDate": {
            "oldValue": "2026-11-30T16:02:11.437Z",
            "newValue": "2026-12-01T09:14:52.08Z",
        },
        "System.RevisedDate": {
            "oldValue": "2026-12-01T09:14:52.08Z",
            "newValue": "9999-01-01T00:00:00Z",
        },
    },
}
LINK_ONLY = {
    "id": 6,
    "workItemId": 7,
    "rev": 4,
    "revisedBy": PRIYA,
    "revisedDate": "2026-12-01T09:20:00.5Z",
    "relations": {"added": [{"rel": "System.LinkTypes.Related", "url": "x/9"}]},
}


def test_a_revision_is_described_with_the_date_it_was_made() -> None:
    assert describe_revisions([NEWEST]) == (
        "rev 4 by priya@fabrikam.com at 2026-12-01T09:14:52.08Z: System.Title"
    )
    conflict = str(changed_after_plan(7, [NEWEST, LINK_ONLY]))
    assert "rev 4 by priya@fabrikam.com at 2026-12-01T09:14:52.08Z: System.Title, and 1 more" in (
        conflict
    )
    assert "9999" not in conflict


def test_a_link_only_revision_is_described_without_a_date() -> None:
    """A link-only update carries no ChangedDate: no time rather than a guessed one."""
    assert describe_revisions([LINK_ONLY]) == "rev 4 by priya@fabrikam.com: links"


async def test_the_conflict_names_when_the_person_changed_the_item() -> None:
    board = open_board()
    await plan_and_apply(board, desired(item("x")))
    plan = await plan_for(board, desired(item("x", "X from the manifest")))
    (x_id,) = (await items_by_key(board))["x"]
    edited = await board.client.update_item(
        x_id, [{"op": "replace", "path": "/fields/System.Title", "value": "X by a person"}]
    )
    result = await apply_plan(board.client, plan)
    (outcome,) = result.items
    assert outcome.outcome == "conflict"
    message = str(outcome.message)
    assert f"rev {edited.rev} by " in message
    assert f" at {edited.fields['System.ChangedDate']}: System.Title" in message
    assert "9999" not in message
