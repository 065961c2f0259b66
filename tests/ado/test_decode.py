"""Wire JSON to model values, on hand-written fixtures shaped after the documented 7.1 examples."""

from __future__ import annotations

import pytest

from witsync.ado.wire import (
    last_edits,
    live_item,
    process,
    revision_date,
    wiql_ids,
    work_item_id_from_url,
)
from witsync.errors import WireFormatError
from witsync.model import FieldEdit, StateInfo

ITEM = {
    "id": 297,
    "rev": 3,
    "fields": {
        "System.WorkItemType": "Task",
        "System.Title": "Write docs",
        "System.Tags": "docs; witsync:web",
        "System.AssignedTo": {"displayName": "Jamal Hartnett", "uniqueName": "jamal@fabrikam.com"},
    },
    "relations": [
        {
            "rel": "System.LinkTypes.Hierarchy-Reverse",
            "url": "https://dev.azure.com/fabrikam/6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c/_apis/wit/workItems/12",
            "attributes": {"isLocked": False, "name": "Parent"},
        },
        {
            "rel": "Hyperlink",
            "url": "https://witsync.invalid/web/docs",
            "attributes": {"id": 65275},
        },
        {
            "rel": "ArtifactLink",
            "url": "vstfs:///Git/PullRequestId/a%2Fb%2F7",
            "attributes": {"name": "Pull Request"},
        },
    ],
    "url": "https://dev.azure.com/fabrikam/_apis/wit/workItems/297",
}


def test_live_item_keeps_fields_as_sent_and_relations_in_order() -> None:
    item = live_item(ITEM)
    assert (item.id, item.rev, item.type, item.title) == (297, 3, "Task", "Write docs")
    assert item.fields["System.AssignedTo"]["uniqueName"] == "jamal@fabrikam.com"
    assert [r.rel for r in item.relations] == [
        "System.LinkTypes.Hierarchy-Reverse",
        "Hyperlink",
        "ArtifactLink",
    ]
    assert [r.target_id for r in item.relations] == [12, None, None]
    assert item.relations[0].attributes == {"isLocked": False, "name": "Parent"}


def test_an_item_without_relations_has_none() -> None:
    item = live_item({"id": 1, "rev": 1, "fields": {}})
    assert item.relations == ()


def test_a_work_item_without_id_is_a_wire_error() -> None:
    with pytest.raises(WireFormatError):
        live_item({"rev": 1})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://dev.azure.com/o/_apis/wit/workItems/5", 5),
        ("https://tfs.example.com/tfs/DefaultCollection/P/_apis/wit/workItems/77/", 77),
        ("http://local-board/local/_apis/wit/workItems/-1", -1),
        ("https://dev.azure.com/o/_apis/wit/workItems/abc", None),
        ("http://board/org/proj/_apis/wit/workitems/7?api-version=7.1", 7),
        ("not a url at all", None),
        # Only a work item URL names a work item: a hyperlink ending in a number does not.
        ("https://witsync.invalid/scope/123", None),
        ("https://example.com/builds/42", None),
        ("https://dev.azure.com/o/_apis/wit/attachments/42", None),
    ],
)
def test_a_link_target_is_the_id_at_the_end_of_a_work_item_url(
    url: str, expected: int | None
) -> None:
    assert work_item_id_from_url(url) == expected


def test_a_relation_that_is_not_a_work_item_url_has_no_target() -> None:
    item = live_item(
        {
            "id": 1,
            "rev": 1,
            "fields": {},
            "relations": [
                {"rel": "System.LinkTypes.Related", "url": "https://example.com/x/5"},
                {"rel": "Hyperlink", "url": "https://dev.azure.com/o/_apis/wit/workItems/6"},
                {"rel": "System.LinkTypes.Related", "url": "https://h/o/_apis/wit/workItems/7"},
            ],
        }
    )
    assert [relation.target_id for relation in item.relations] == [None, None, 7]


def test_wiql_ids_in_server_order() -> None:
    body = {
        "queryType": "flat",
        "workItems": [{"id": 300, "url": "u"}, {"id": 299, "url": "u"}],
    }
    assert wiql_ids(body) == [300, 299]
    assert wiql_ids({"queryType": "flat", "workItems": []}) == []
    with pytest.raises(WireFormatError):
        wiql_ids({"count": 1, "value": {"Message": "odd"}})


TYPES = {
    "count": 2,
    "value": [
        {
            "name": "Bug",
            "referenceName": "Microsoft.VSTS.WorkItemTypes.Bug",
            "fields": [
                {"referenceName": "System.Title", "name": "Title"},
                {"referenceName": "System.State"},
            ],
            "states": [
                {"name": "New", "color": "b2b2b2", "category": "Proposed"},
                {"name": "Active", "color": "007acc", "category": "InProgress"},
                {"name": "Closed", "color": "339933", "category": "Completed"},
            ],
            # Initial state is the "" transition, even when it is not the first state listed.
            "transitions": {"": [{"to": "Active"}], "Active": [{"to": "Closed"}]},
        },
        {
            "name": "Task",
            "fields": [{"referenceName": "System.Title"}],
            "states": [
                {"name": "To Do", "category": "Proposed"},
                {"name": "Done", "category": "Completed"},
            ],
        },
    ],
}
FIELDS = {
    "count": 3,
    "value": [
        {"name": "Title", "referenceName": "System.Title", "type": "string", "readOnly": False},
        {
            "name": "Area Path",
            "referenceName": "System.AreaPath",
            "type": "treePath",
            "readOnly": True,
        },
        {
            "name": "Assigned To",
            "referenceName": "System.AssignedTo",
            "type": "identity",
            "isIdentity": True,
        },
    ],
}
NODES = {
    "count": 2,
    "value": [
        {
            "name": "Fabrikam",
            "structureType": "area",
            "path": "\\Fabrikam\\Area",
            "hasChildren": True,
            "children": [
                {
                    "name": "Web",
                    "structureType": "area",
                    "path": "\\Fabrikam\\Area\\Web",
                    "children": [{"name": "UI", "structureType": "area"}],
                }
            ],
        },
        {
            "name": "Fabrikam",
            "structureType": "iteration",
            "path": "\\Fabrikam\\Iteration",
            "children": [{"name": "Sprint 1", "structureType": "iteration"}],
        },
    ],
}


def test_process_types_states_and_initial_state() -> None:
    result = process(TYPES, FIELDS, NODES)
    bug = result.types["Bug"]
    assert bug.initial_state == "Active"
    assert bug.states[0] == StateInfo("New", "Proposed")
    assert bug.fields == frozenset({"System.Title", "System.State"})
    # Without transitions, the first Proposed state is the initial one.
    assert result.types["Task"].initial_state == "To Do"


def test_process_fields_and_paths() -> None:
    result = process(TYPES, FIELDS, NODES)
    assert result.fields["System.AreaPath"].read_only
    assert result.fields["System.AreaPath"].type == "treePath"
    assert result.fields["System.AssignedTo"].is_identity
    assert result.area_paths == frozenset({"Fabrikam", "Fabrikam\\Web", "Fabrikam\\Web\\UI"})
    assert result.iteration_paths == frozenset({"Fabrikam", "Fabrikam\\Sprint 1"})


UPDATES = [
    {
        "id": 1,
        "rev": 1,
        "revisedBy": {"displayName": "Jamal Hartnett", "uniqueName": "jamal@fabrikam.com"},
        "revisedDate": "2024-01-02T00:00:00Z",
        "fields": {
            "System.Title": {"newValue": "a"},
            "System.State": {"newValue": "New"},
            "System.ChangedDate": {"newValue": "2024-01-01T10:00:00Z"},
        },
    },
    {
        "id": 2,
        "rev": 2,
        "revisedBy": {"displayName": "Norah Chen", "uniqueName": "norah@fabrikam.com"},
        "revisedDate": "9999-01-01T00:00:00Z",
        "fields": {
            "System.Title": {"oldValue": "a", "newValue": "b"},
            "System.ChangedDate": {
                "oldValue": "2024-01-01T10:00:00Z",
                "newValue": "2024-01-03T09:30:00Z",
            },
        },
    },
    # A link-only update: no fields, shares the previous rev.
    {
        "id": 3,
        "rev": 2,
        "revisedBy": {"displayName": "Bot"},
        "relations": {"added": [{"rel": "x"}]},
    },
]


def test_last_edits_finds_the_latest_change_of_each_field() -> None:
    edits = last_edits(UPDATES, ["System.Title", "System.State", "System.Description"])
    assert edits["System.Title"] == FieldEdit(
        "Norah Chen <norah@fabrikam.com>", "2024-01-03T09:30:00Z", 2
    )
    assert edits["System.State"] == FieldEdit(
        "Jamal Hartnett <jamal@fabrikam.com>", "2024-01-01T10:00:00Z", 1
    )
    assert "System.Description" not in edits


# An item's history as GET .../updates returns it (after the documented example, trimmed): each
# revision's update sets System.ChangedDate; revisedDate is when the revision was superseded, the
# open end 9999-01-01 for the newest; a link-only update shares the rev before it.
JAMAL = {"displayName": "Jamal Hartnett", "uniqueName": "fabrikamfiber4@hotmail.com"}
PRIYA = {"displayName": "Priya Raman", "uniqueName": "priya@fabrikam.com"}
HISTORY = [
    {
        "id": 1,
        "workItemId": 1,
        "rev": 1,
        "revisedBy": JAMAL,
        "revisedDate": "2017-09-04T02:28:56.253Z",
        "fields": {
            "System.Rev": {"newValue": 1},
            "System.Title": {"newValue": "Bug 1"},
            "System.ChangedDate": {"newValue": "2017-09-04T02:08:16.6Z"},
            "System.RevisedDate": {"newValue": "2017-09-04T02:28:56.253Z"},
        },
    },
    {
        "id": 2,
        "workItemId": 1,
        "rev": 2,
        "revisedBy": JAMAL,
        "revisedDate": "2017-09-04T02:36:18.75Z",
        "fields": {
            "System.Rev": {"oldValue": 1, "newValue": 2},
            "System.AssignedTo": {"newValue": JAMAL},
            "System.ChangedDate": {
                "oldValue": "2017-09-04T02:08:16.6Z",
                "newValue": "2017-09-04T02:28:56.253Z",
            },
        },
    },
    {
        "id": 3,
        "workItemId": 1,
        "rev": 2,
        "revisedBy": JAMAL,
        "revisedDate": "2017-09-04T02:33:39.23Z",
        "relations": {"added": [{"rel": "System.LinkTypes.Hierarchy-Reverse", "url": "x/2"}]},
    },
    {
        "id": 4,
        "workItemId": 1,
        "rev": 3,
        "revisedBy": PRIYA,
        "revisedDate": "9999-01-01T00:00:00Z",
        "fields": {
            "System.Rev": {"oldValue": 2, "newValue": 3},
            "System.Title": {"oldValue": "Bug 1", "newValue": "Bug one"},
            "System.ChangedDate": {
                "oldValue": "2017-09-04T02:28:56.253Z",
                "newValue": "2017-09-04T02:36:18.75Z",
            },
            "System.RevisedDate": {
                "oldValue": "2017-09-04T02:36:18.75Z",
                "newValue": "9999-01-01T00:00:00Z",
            },
        },
    },
]


def test_a_revision_is_dated_by_its_changed_date_never_by_revised_date() -> None:
    assert [revision_date(u) for u in HISTORY] == [
        "2017-09-04T02:08:16.6Z",
        "2017-09-04T02:28:56.253Z",
        None,  # a link-only update carries no ChangedDate
        "2017-09-04T02:36:18.75Z",
    ]
    edits = last_edits(HISTORY, ["System.Title", "System.AssignedTo"])
    assert edits["System.Title"] == FieldEdit(
        "Priya Raman <priya@fabrikam.com>", "2017-09-04T02:36:18.75Z", 3
    )
    assert edits["System.AssignedTo"].at == "2017-09-04T02:28:56.253Z"


def test_the_newest_revision_without_a_changed_date_is_not_dated_9999() -> None:
    """A server that left ChangedDate out of an update (the emulator did, for two saves in one
    millisecond): the edit's time is unknown, not the newest revision's open end."""
    newest = {**HISTORY[-1], "fields": dict(HISTORY[-1]["fields"])}
    del newest["fields"]["System.ChangedDate"]
    edits = last_edits([*HISTORY[:-1], newest], ["System.Title"])
    assert edits["System.Title"].rev == 3
    assert edits["System.Title"].at == ""
    assert revision_date(newest) is None
