"""The emulator's work item endpoints: create, read, update, delete, patch semantics, errors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

V = "api-version=7.1"
PATCH = {"Content-Type": "application/json-patch+json"}
ORG = "/fabrikam-org"


async def create(
    http: httpx.AsyncClient,
    kind: str = "Task",
    title: str = "A task",
    *extra: dict[str, Any],
    project: str = "Fabrikam",
    query: str = "",
) -> httpx.Response:
    ops = [{"op": "add", "path": "/fields/System.Title", "value": title}, *extra]
    return await http.post(
        f"{ORG}/{project}/_apis/wit/workitems/${kind}?{V}{query}",
        content=json.dumps(ops),
        headers=PATCH,
    )


async def patch(
    http: httpx.AsyncClient, id: int, *ops: dict[str, Any], query: str = ""
) -> httpx.Response:
    return await http.patch(
        f"{ORG}/_apis/wit/workitems/{id}?{V}{query}", content=json.dumps(list(ops)), headers=PATCH
    )


def link(rel: str, id: int) -> dict[str, Any]:
    url = f"https://dev.azure.com/whatever/_apis/wit/workItems/{id}"
    return {"op": "add", "path": "/relations/-", "value": {"rel": rel, "url": url}}


async def test_create_answers_200_with_rev_1_and_server_defaults(
    emulator_http: httpx.AsyncClient,
) -> None:
    response = await create(emulator_http, "User Story", "Login page")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == 1
    assert body["rev"] == 1
    fields = body["fields"]
    assert fields["System.State"] == "New"
    assert fields["System.Reason"] == "New"
    assert fields["System.AreaPath"] == "Fabrikam"
    assert fields["System.IterationPath"] == "Fabrikam"
    assert fields["System.CreatedBy"]["uniqueName"] == fields["System.ChangedBy"]["uniqueName"]
    assert "System.Id" not in fields
    assert "relations" not in body
    assert body["url"].endswith("/_apis/wit/workItems/1")
    assert "_links" in body


async def test_scrum_task_starts_in_to_do(emulator_http: httpx.AsyncClient) -> None:
    body = (await create(emulator_http, "Task", "t", project="Scrummy")).json()
    assert (body["fields"]["System.State"], body["fields"]["System.Reason"]) == (
        "To Do",
        "New task",
    )


async def test_get_hides_relations_unless_expanded(emulator_http: httpx.AsyncClient) -> None:
    parent = (await create(emulator_http, "Feature", "parent")).json()["id"]
    child = await create(
        emulator_http, "User Story", "child", link("System.LinkTypes.Hierarchy-Reverse", parent)
    )
    assert child.json()["relations"][0]["rel"] == "System.LinkTypes.Hierarchy-Reverse"
    plain = (await emulator_http.get(f"{ORG}/_apis/wit/workitems/{parent}?{V}")).json()
    assert "relations" not in plain
    expanded = (
        await emulator_http.get(f"{ORG}/_apis/wit/workitems/{parent}?{V}&$expand=relations")
    ).json()
    assert [r["rel"] for r in expanded["relations"]] == ["System.LinkTypes.Hierarchy-Forward"]
    assert expanded["relations"][0]["url"].endswith(f"/_apis/wit/workItems/{child.json()['id']}")


async def test_failing_rev_test_is_412_and_writes_nothing(emulator_http: httpx.AsyncClient) -> None:
    await create(emulator_http)
    response = await patch(
        emulator_http,
        1,
        {"op": "test", "path": "/rev", "value": 7},
        {"op": "add", "path": "/fields/System.Title", "value": "changed"},
    )
    assert response.status_code == 412
    error = response.json()
    assert error["typeKey"] == "TestPatchOperationFailedException"
    assert error["message"].startswith("VS403351: Test Operation for path /rev failed")
    item = (await emulator_http.get(f"{ORG}/_apis/wit/workitems/1?{V}")).json()
    assert item["rev"] == 1
    assert item["fields"]["System.Title"] == "A task"


async def test_update_bumps_rev_and_noop_does_not(emulator_http: httpx.AsyncClient) -> None:
    await create(emulator_http)
    first = await patch(
        emulator_http,
        1,
        {"op": "test", "path": "/rev", "value": 1},
        {"op": "replace", "path": "/fields/System.Title", "value": "new"},
    )
    assert first.status_code == 200
    assert first.json()["rev"] == 2
    same = await patch(
        emulator_http, 1, {"op": "replace", "path": "/fields/System.Title", "value": "new"}
    )
    assert same.json()["rev"] == 2


async def test_link_changes_keep_rev_by_default(emulator_http: httpx.AsyncClient) -> None:
    await create(emulator_http, "Feature", "a")
    await create(emulator_http, "Feature", "b")
    added = await patch(emulator_http, 1, link("System.LinkTypes.Related", 2))
    assert added.json()["rev"] == 1
    other = (await emulator_http.get(f"{ORG}/_apis/wit/workitems/2?{V}&$expand=all")).json()
    assert other["rev"] == 1
    assert other["relations"][0]["rel"] == "System.LinkTypes.Related"
    removed = await patch(
        emulator_http, 1, {"op": "remove", "path": "/relations/System.LinkTypes.Related/2"}
    )
    assert removed.json()["rev"] == 1
    assert "relations" not in removed.json()
    hyper = await patch(
        emulator_http,
        1,
        {
            "op": "add",
            "path": "/relations/-",
            "value": {"rel": "Hyperlink", "url": "https://x.invalid/a"},
        },
    )
    assert hyper.json()["rev"] == 2


async def test_link_bumps_rev_option_bumps_both_ends(
    emulator_app: Any, emulator_http: httpx.AsyncClient
) -> None:
    from dataclasses import replace

    state = emulator_app.state.emulator
    state.options = replace(state.options, link_bumps_rev=True)
    await create(emulator_http, "Feature", "a")
    await create(emulator_http, "Feature", "b")
    added = await patch(emulator_http, 1, link("System.LinkTypes.Related", 2))
    assert added.json()["rev"] == 2
    other = (await emulator_http.get(f"{ORG}/_apis/wit/workitems/2?{V}")).json()
    assert other["rev"] == 2


async def test_relation_indices_refer_to_the_list_before_the_patch(
    emulator_http: httpx.AsyncClient,
) -> None:
    for title in ("hub", "x", "y", "z"):
        await create(emulator_http, "Feature", title)
    for target in (2, 3, 4):
        await patch(emulator_http, 1, link("System.LinkTypes.Related", target))
    response = await patch(
        emulator_http,
        1,
        {"op": "remove", "path": "/relations/0"},
        {"op": "remove", "path": "/relations/1"},
    )
    urls = [r["url"] for r in response.json()["relations"]]
    assert len(urls) == 1
    assert urls[0].endswith("/workItems/4")


async def test_second_parent_is_refused(emulator_http: httpx.AsyncClient) -> None:
    await create(emulator_http, "Feature", "p1")
    await create(emulator_http, "Feature", "p2")
    await create(emulator_http, "User Story", "c", link("System.LinkTypes.Hierarchy-Reverse", 1))
    response = await patch(emulator_http, 2, link("System.LinkTypes.Hierarchy-Forward", 3))
    assert response.status_code == 400
    assert response.json()["typeKey"] == "WorkItemLinkAddExtraParentException"


async def test_hierarchy_cycle_is_refused(emulator_http: httpx.AsyncClient) -> None:
    await create(emulator_http, "Epic", "a")
    await create(emulator_http, "Feature", "b", link("System.LinkTypes.Hierarchy-Reverse", 1))
    response = await patch(emulator_http, 1, link("System.LinkTypes.Hierarchy-Reverse", 2))
    assert response.status_code == 500
    assert response.json()["typeKey"] == "WorkItemLinkCircularException"


async def test_tags_add_appends_and_replace_sets(emulator_http: httpx.AsyncClient) -> None:
    await create(
        emulator_http,
        "Task",
        "t",
        {"op": "add", "path": "/fields/System.Tags", "value": "beta; Alpha"},
    )
    added = await patch(
        emulator_http, 1, {"op": "add", "path": "/fields/System.Tags", "value": "gamma, alpha"}
    )
    assert added.json()["fields"]["System.Tags"] == "Alpha; beta; gamma"
    replaced = await patch(
        emulator_http, 1, {"op": "replace", "path": "/fields/System.Tags", "value": "z"}
    )
    assert replaced.json()["fields"]["System.Tags"] == "z"


async def test_identities_accepted_as_email_or_name_and_cleared_with_empty(
    emulator_http: httpx.AsyncClient,
) -> None:
    body = (
        await create(
            emulator_http,
            "Task",
            "t",
            {
                "op": "add",
                "path": "/fields/System.AssignedTo",
                "value": "Ann Lee <ann@example.com>",
            },
        )
    ).json()
    assert body["fields"]["System.AssignedTo"]["displayName"] == "Ann Lee"
    assert body["fields"]["System.AssignedTo"]["uniqueName"] == "ann@example.com"
    by_name = await patch(
        emulator_http, 1, {"op": "replace", "path": "/fields/System.AssignedTo", "value": "Ann Lee"}
    )
    assert by_name.json()["rev"] == 1
    unknown = await patch(
        emulator_http, 1, {"op": "replace", "path": "/fields/System.AssignedTo", "value": "Nobody"}
    )
    assert unknown.status_code == 400
    assert "unknown identity" in unknown.json()["message"]
    cleared = await patch(
        emulator_http, 1, {"op": "replace", "path": "/fields/System.AssignedTo", "value": ""}
    )
    assert "System.AssignedTo" not in cleared.json()["fields"]


async def test_html_is_sanitised(emulator_http: httpx.AsyncClient) -> None:
    body = (
        await create(
            emulator_http,
            "Task",
            "t",
            {
                "op": "add",
                "path": "/fields/System.Description",
                "value": "<p onclick='x()'>Hi<br/><b>there</b></p><script>x()</script>",
            },
        )
    ).json()
    assert body["fields"]["System.Description"] == "<p>Hi<br><strong>there</strong></p>"


async def test_history_shows_only_on_the_revision_that_wrote_it(
    emulator_http: httpx.AsyncClient,
) -> None:
    await create(emulator_http)
    written = await patch(
        emulator_http, 1, {"op": "add", "path": "/fields/System.History", "value": "note"}
    )
    assert written.json()["fields"]["System.History"] == "note"
    assert written.json()["rev"] == 2
    later = (await emulator_http.get(f"{ORG}/_apis/wit/workitems/1?{V}")).json()
    assert "System.History" not in later["fields"]
    comments = (
        await emulator_http.get(f"{ORG}/Fabrikam/_apis/wit/workItems/1/comments?{V}")
    ).json()
    assert [(c["id"], c["text"]) for c in comments["comments"]] == [(1, "note")]
    assert later["fields"]["System.CommentCount"] == 1


async def test_rule_errors_name_the_field(emulator_http: httpx.AsyncClient) -> None:
    no_title = await emulator_http.post(
        f"{ORG}/Fabrikam/_apis/wit/workitems/$Task?{V}",
        headers=PATCH,
        content=json.dumps([{"op": "add", "path": "/fields/System.Description", "value": "x"}]),
    )
    assert no_title.status_code == 400
    assert "Title" in no_title.json()["message"]
    assert no_title.json()["typeKey"] == "RuleValidationException"
    unknown = await create(
        emulator_http, "Task", "t", {"op": "add", "path": "/fields/Custom.Nope", "value": 1}
    )
    assert unknown.status_code == 400
    assert unknown.json()["message"] == "TF51535: Cannot find field Custom.Nope."
    bad_area = await create(
        emulator_http,
        "Task",
        "t",
        {"op": "add", "path": "/fields/System.AreaPath", "value": "Fabrikam\\Nope"},
    )
    assert bad_area.status_code == 400
    assert bad_area.json()["message"].startswith("TF401347")


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        pytest.param("Microsoft.VSTS.Scheduling.StoryPoints", 3, "StoryPoints", id="not_on_type"),
        pytest.param("Microsoft.VSTS.Common.Priority", "high", "Priority", id="wrong_type"),
        pytest.param("System.State", "Closed", "'State'", id="bad_state"),
        pytest.param("System.CreatedDate", "2020-01-01", "System.CreatedDate", id="read_only"),
    ],
)
async def test_a_refused_field_value_is_named_in_the_400(
    emulator_http: httpx.AsyncClient, field: str, value: object, named: str
) -> None:
    refused = await create(
        emulator_http, "Task", "t", {"op": "add", "path": f"/fields/{field}", "value": value}
    )
    assert refused.status_code == 400
    assert named in refused.json()["message"]


async def test_unknown_state_on_update_and_story_points_on_story(
    emulator_http: httpx.AsyncClient,
) -> None:
    body = (
        await create(
            emulator_http,
            "User Story",
            "s",
            {"op": "add", "path": "/fields/Microsoft.VSTS.Scheduling.StoryPoints", "value": 3},
        )
    ).json()
    assert body["fields"]["Microsoft.VSTS.Scheduling.StoryPoints"] == 3
    moved = await patch(
        emulator_http, 1, {"op": "replace", "path": "/fields/System.State", "value": "active"}
    )
    assert moved.json()["fields"]["System.State"] == "Active"
    assert moved.json()["fields"]["System.Reason"] != "New"
    wrong = await patch(
        emulator_http, 1, {"op": "replace", "path": "/fields/System.State", "value": "Done"}
    )
    assert wrong.status_code == 400


async def test_too_many_ids_and_error_policy(emulator_http: httpx.AsyncClient) -> None:
    ids = ",".join(str(i) for i in range(1, 202))
    too_many = await emulator_http.get(f"{ORG}/_apis/wit/workitems?ids={ids}&{V}")
    assert too_many.status_code == 400
    assert too_many.json()["message"].startswith("VS403474")
    await create(emulator_http)
    missing = await emulator_http.get(f"{ORG}/_apis/wit/workitems?ids=1,5&{V}")
    assert missing.status_code == 404
    assert "TF401232" in missing.json()["message"]
    omitted = await emulator_http.get(f"{ORG}/_apis/wit/workitems?ids=1,5&errorPolicy=omit&{V}")
    assert [v["id"] if v else None for v in omitted.json()["value"]] == [1, None]


async def test_wrong_content_type_and_missing_api_version(emulator_http: httpx.AsyncClient) -> None:
    wrong = await emulator_http.post(
        f"{ORG}/Fabrikam/_apis/wit/workitems/$Task?{V}",
        json=[{"op": "add", "path": "/fields/System.Title", "value": "x"}],
    )
    assert wrong.status_code == 400
    assert wrong.json()["typeKey"] == "VssRequestContentTypeNotSupportedException"
    no_version = await emulator_http.get(f"{ORG}/_apis/wit/workitems/1")
    assert no_version.status_code == 400
    assert "api-version" in no_version.json()["message"]
    preview = await emulator_http.get(f"{ORG}/_apis/wit/fields?api-version=7.1-preview.3")
    assert preview.status_code == 200


async def test_delete_to_recycle_bin_then_destroy(emulator_http: httpx.AsyncClient) -> None:
    await create(emulator_http)
    deleted = await emulator_http.delete(f"{ORG}/_apis/wit/workitems/1?{V}")
    assert deleted.status_code == 200
    assert deleted.json()["id"] == 1
    gone = await emulator_http.get(f"{ORG}/_apis/wit/workitems/1?{V}")
    assert gone.status_code == 404
    binned = (await emulator_http.get(f"{ORG}/Fabrikam/_apis/wit/recyclebin?{V}")).json()
    assert [i["id"] for i in binned["value"]] == [1]
    destroyed = await emulator_http.delete(f"{ORG}/_apis/wit/workitems/1?destroy=true&{V}")
    assert destroyed.status_code == 204


async def test_updates_say_who_changed_what(emulator_http: httpx.AsyncClient) -> None:
    await create(emulator_http)
    auth = httpx.BasicAuth("Bo Ek <bo@example.com>", "token")
    await emulator_http.patch(
        f"{ORG}/_apis/wit/workitems/1?{V}",
        headers=PATCH,
        auth=auth,
        content=json.dumps([{"op": "replace", "path": "/fields/System.Title", "value": "new"}]),
    )
    updates = (await emulator_http.get(f"{ORG}/_apis/wit/workItems/1/updates?{V}")).json()["value"]
    assert [u["rev"] for u in updates] == [1, 2]
    last = updates[-1]
    assert last["revisedBy"]["uniqueName"] == "bo@example.com"
    assert last["fields"]["System.Title"] == {"oldValue": "A task", "newValue": "new"}
    assert last["revisedDate"] == "9999-01-01T00:00:00Z"


async def test_organizations_are_separate(emulator_http: httpx.AsyncClient) -> None:
    await create(emulator_http)
    other = await emulator_http.get(f"/other-org/_apis/wit/workitems/1?{V}")
    assert other.status_code == 404
    projects = (await emulator_http.get(f"/other-org/_apis/projects?{V}")).json()
    assert sorted(p["name"] for p in projects["value"]) == ["Fabrikam", "Scrummy"]


async def test_validate_only_checks_rules_and_saves_nothing(
    emulator_http: httpx.AsyncClient,
) -> None:
    await create(emulator_http)
    checked = await patch(
        emulator_http,
        1,
        {"op": "replace", "path": "/fields/System.Title", "value": "maybe"},
        query="&validateOnly=true",
    )
    assert checked.status_code == 200
    assert checked.json()["rev"] == 1
    refused = await patch(
        emulator_http,
        1,
        {"op": "replace", "path": "/fields/System.State", "value": "Nope"},
        query="&validateOnly=true",
    )
    assert refused.status_code == 400
    item = (await emulator_http.get(f"{ORG}/_apis/wit/workitems/1?{V}")).json()
    assert item["fields"]["System.Title"] == "A task"


async def test_bypass_rules_allows_any_state_and_unknown_identities(
    emulator_http: httpx.AsyncClient,
) -> None:
    body = (
        await create(
            emulator_http,
            "Task",
            "migrated",
            {"op": "add", "path": "/fields/System.State", "value": "Closed"},
            {"op": "add", "path": "/fields/System.AssignedTo", "value": "Old Account"},
            {"op": "add", "path": "/fields/System.CreatedDate", "value": "2020-01-02T03:04:05Z"},
            query="&bypassRules=true",
        )
    ).json()
    assert body["fields"]["System.State"] == "Closed"
    # no one by that name: stored and answered as the string given, as the recorded example has it
    assert body["fields"]["System.AssignedTo"] == "Old Account"
    assert body["fields"]["System.CreatedDate"] == "2020-01-02T03:04:05Z"


async def test_copy_and_move_between_fields(emulator_http: httpx.AsyncClient) -> None:
    await create(
        emulator_http, "Bug", "b", {"op": "add", "path": "/fields/System.Description", "value": "d"}
    )
    moved = await patch(
        emulator_http,
        1,
        {
            "op": "move",
            "from": "/fields/System.Description",
            "path": "/fields/Microsoft.VSTS.TCM.ReproSteps",
        },
    )
    fields = moved.json()["fields"]
    assert fields["Microsoft.VSTS.TCM.ReproSteps"] == "d"
    assert "System.Description" not in fields
    relation_copy = await patch(
        emulator_http, 1, {"op": "copy", "from": "/relations/0", "path": "/relations/-"}
    )
    assert relation_copy.status_code == 400
    assert relation_copy.json()["message"].startswith("VS403356")


async def test_tags_reuse_the_spelling_already_known(emulator_http: httpx.AsyncClient) -> None:
    await create(
        emulator_http, "Task", "a", {"op": "add", "path": "/fields/System.Tags", "value": "WebUI"}
    )
    second = await create(
        emulator_http,
        "Task",
        "b",
        {"op": "add", "path": "/fields/System.Tags", "value": "webui; new"},
    )
    assert second.json()["fields"]["System.Tags"] == "new; WebUI"


async def test_parent_shows_as_system_parent(emulator_http: httpx.AsyncClient) -> None:
    await create(emulator_http, "Feature", "p")
    await create(emulator_http, "User Story", "c", link("System.LinkTypes.Hierarchy-Reverse", 1))
    child = (await emulator_http.get(f"{ORG}/_apis/wit/workitems/2?{V}")).json()
    assert child["fields"]["System.Parent"] == 1
    query = {"query": "SELECT [System.Id] FROM WorkItems WHERE [System.Parent] = 1"}
    found = (await emulator_http.post(f"{ORG}/Fabrikam/_apis/wit/wiql?{V}", json=query)).json()
    assert [w["id"] for w in found["workItems"]] == [2]
    unlinked = await patch(emulator_http, 1, {"op": "remove", "path": "/relations/0"})
    assert unlinked.json()["rev"] == 1
    child = (await emulator_http.get(f"{ORG}/_apis/wit/workitems/2?{V}")).json()
    assert "System.Parent" not in child["fields"]
    assert child["rev"] == 1


async def test_identity_objects_are_accepted_and_titles_have_a_length_limit(
    emulator_http: httpx.AsyncClient,
) -> None:
    person = {"displayName": "Cy Twombly", "uniqueName": "cy@example.com"}
    body = (
        await create(
            emulator_http,
            "Task",
            "t",
            {"op": "add", "path": "/fields/System.AssignedTo", "value": person},
        )
    ).json()
    assert body["fields"]["System.AssignedTo"]["uniqueName"] == "cy@example.com"
    assert body["fields"]["System.AssignedTo"]["displayName"] == "Cy Twombly"
    too_long = await create(emulator_http, "Task", "x" * 256)
    assert too_long.status_code == 400
    assert "Title" in too_long.json()["message"]


async def test_history_pages_with_top_and_skip(emulator_http: httpx.AsyncClient) -> None:
    await create(emulator_http)
    for n in range(4):
        await patch(
            emulator_http, 1, {"op": "replace", "path": "/fields/System.Title", "value": f"t{n}"}
        )
    page = (
        await emulator_http.get(f"{ORG}/_apis/wit/workitems/1/updates?$top=2&$skip=3&{V}")
    ).json()
    assert [u["rev"] for u in page["value"]] == [4, 5]
    revisions = (
        await emulator_http.get(f"{ORG}/_apis/wit/workitems/1/revisions?$skip=4&{V}")
    ).json()
    assert [r["rev"] for r in revisions["value"]] == [5]
    assert revisions["value"][0]["fields"]["System.Title"] == "t3"


async def test_a_known_person_keeps_the_first_email_spelling(
    emulator_http: httpx.AsyncClient,
) -> None:
    assign = {
        "op": "add",
        "path": "/fields/System.AssignedTo",
        "value": "Ann Lee <ann.lee@example.com>",
    }
    await create(emulator_http, "Task", "a", assign)
    again = {"op": "add", "path": "/fields/System.AssignedTo", "value": "ANN.LEE@Example.com"}
    body = (await create(emulator_http, "Task", "b", again)).json()
    assert body["fields"]["System.AssignedTo"]["uniqueName"] == "ann.lee@example.com"
    assert body["fields"]["System.AssignedTo"]["displayName"] == "Ann Lee"


async def test_as_of_reads_the_item_as_it_was(emulator_http: httpx.AsyncClient) -> None:
    first = (await create(emulator_http)).json()
    moment = first["fields"]["System.ChangedDate"]
    # no pause needed: a later revision is dated at least 1 ms later (test_emulator_dates.py)
    await patch(
        emulator_http, 1, {"op": "replace", "path": "/fields/System.Title", "value": "later"}
    )
    past = (await emulator_http.get(f"{ORG}/_apis/wit/workitems/1?asOf={moment}&{V}")).json()
    assert (past["rev"], past["fields"]["System.Title"]) == (1, "A task")
    batch = await emulator_http.post(
        f"{ORG}/_apis/wit/workitemsbatch?{V}", json={"ids": [1], "asOf": moment}
    )
    assert batch.json()["value"][0]["rev"] == 1
    before = await emulator_http.get(f"{ORG}/_apis/wit/workitems?ids=1&asOf=2000-01-01&{V}")
    assert before.status_code == 404


async def test_recycle_bin_restore_and_destroy(emulator_http: httpx.AsyncClient) -> None:
    await create(emulator_http)
    await create(emulator_http)
    bin_url = f"{ORG}/Fabrikam/_apis/wit/recyclebin"
    assert (await emulator_http.delete(f"{bin_url}/1?{V}")).status_code == 404  # not in the bin
    await emulator_http.delete(f"{ORG}/_apis/wit/workitems/1?{V}")
    restored = await emulator_http.patch(f"{bin_url}/1?{V}", json={"isDeleted": False})
    assert restored.status_code == 200
    assert (await emulator_http.get(f"{ORG}/_apis/wit/workitems/1?{V}")).status_code == 200
    await emulator_http.delete(f"{ORG}/_apis/wit/workitems/2?{V}")
    assert (await emulator_http.delete(f"{bin_url}/2?{V}")).status_code == 204
    assert (await emulator_http.get(f"{bin_url}/2?{V}")).status_code == 404


async def test_the_first_update_lists_create_time_links_as_added(
    emulator_http: httpx.AsyncClient,
) -> None:
    parent = (await create(emulator_http, "Feature", "Parent")).json()["id"]
    marker = {"rel": "Hyperlink", "url": "https://witsync.invalid/s/k"}
    child = await create(
        emulator_http,
        "Task",
        "Child",
        {"op": "add", "path": "/relations/-", "value": marker},
        link("System.LinkTypes.Hierarchy-Reverse", parent),
    )
    updates = await emulator_http.get(f"{ORG}/_apis/wit/workitems/{child.json()['id']}/updates?{V}")
    [first] = updates.json()["value"]
    assert set(first["relations"]) == {"added"}
    assert {r["rel"] for r in first["relations"]["added"]} == {
        "Hyperlink",
        "System.LinkTypes.Hierarchy-Reverse",
    }
