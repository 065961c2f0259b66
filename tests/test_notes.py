"""The history note (issue 11, point 9): what ran witsync, the mark that says witsync wrote a
revision, and what a plan reads back from histories: drift of fields and links, witsync's tags."""

from __future__ import annotations

from typing import Any

from witsync.ado.history import last_link_edits, witsync_tags
from witsync.ado.wire import last_edits
from witsync.marker import marker_url, prune_note
from witsync.notes import (
    history_note,
    is_witsync_note,
    is_witsync_revision,
    note_text,
    with_note,
)
from witsync.revival import closed_by_prune

AZURE = {
    "TF_BUILD": "True",
    "BUILD_SOURCEVERSION": "abc123def4567890abc123def4567890abc123de",
    "SYSTEM_PULLREQUEST_PULLREQUESTID": "42",
    "SYSTEM_COLLECTIONURI": "https://dev.azure.com/fabrikam/",
    "SYSTEM_TEAMPROJECT": "Fabrikam Web",
    "BUILD_BUILDID": "977",
}
GITHUB = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
    "GITHUB_REF": "refs/pull/17/merge",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "fabrikam/backlog",
    "GITHUB_RUN_ID": "5150",
}
WITSYNC = {"displayName": "Build", "uniqueName": "build@fabrikam.com"}
PRIYA = {"displayName": "Priya", "uniqueName": "priya@fabrikam.com"}
PARENT = "System.LinkTypes.Hierarchy-Reverse"


def url(id: int) -> str:
    return f"https://dev.azure.com/fabrikam/_apis/wit/workItems/{id}"


def update(
    rev: int,
    by: dict[str, str],
    at: str,
    fields: dict[str, Any] | None = None,
    note: str | None = None,
    relations: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One entry of GET …/updates, as the service writes it."""
    body: dict[str, Any] = {"rev": rev, "revisedBy": by, "revisedDate": "9999-01-01T00:00:00Z"}
    changed = {name: {"newValue": value} for name, value in (fields or {}).items()}
    if fields is not None or note is not None:
        changed["System.ChangedDate"] = {"newValue": at}
    if note is not None:
        changed["System.History"] = {"newValue": note}
    if changed:
        body["fields"] = changed
    else:
        body["revisedDate"] = at  # a link-only update: the moment it was made
    if relations:
        body["relations"] = relations
    return body


# -- the note ---------------------------------------------------------------------------------


def test_the_note_names_the_azure_pipelines_commit_pr_and_run():
    assert note_text("web-team", AZURE) == (
        "witsync apply — commit abc123def456, PR #42, run "
        "https://dev.azure.com/fabrikam/Fabrikam%20Web/_build/results?buildId=977 "
        "[witsync:web-team]"
    )
    # a GitHub repository built in Azure Pipelines: its pull request number, not the id
    numbered = {**AZURE, "SYSTEM_PULLREQUEST_PULLREQUESTNUMBER": "7"}
    assert ", PR #7, " in note_text("web-team", numbered)


def test_the_note_names_the_github_actions_commit_pr_and_run():
    assert note_text("web-team", GITHUB, "nightly sync") == (
        "witsync apply — commit 0123456789ab, PR #17, run "
        "https://github.com/fabrikam/backlog/actions/runs/5150 — nightly sync [witsync:web-team]"
    )
    pushed = {**GITHUB, "GITHUB_REF": "refs/heads/main"}
    assert "PR #" not in note_text("web-team", pushed)


def test_off_ci_the_note_is_the_mark_and_the_message():
    assert note_text("web-team", {}) == "witsync apply [witsync:web-team]"
    assert note_text("web-team", {}, "  moved\nthe  epics ") == (
        "witsync apply — moved the epics [witsync:web-team]"
    )
    # the field is HTML: a message cannot put markup into it
    assert history_note("web-team", {}, "<b>bold</b> & co") == (
        "witsync apply — &lt;b&gt;bold&lt;/b&gt; &amp; co [witsync:web-team]"
    )


def test_with_note_adds_one_operation_or_joins_the_step_s_own_note():
    patch = [
        {"op": "test", "path": "/rev", "value": 3},
        {"op": "add", "path": "/fields/X", "value": 1},
    ]
    assert with_note(patch, "N") == [
        *patch,
        {"op": "add", "path": "/fields/System.History", "value": "N"},
    ]
    assert with_note(patch, None) == patch
    closing = [*patch, {"op": "add", "path": "/fields/System.History", "value": "closed"}]
    sent = with_note(closing, "N")
    assert [op for op in sent if op["path"] == "/fields/System.History"] == [
        {"op": "add", "path": "/fields/System.History", "value": "closed<br>N"}
    ]


# -- the mark ---------------------------------------------------------------------------------


def test_the_mark_tells_witsync_s_revisions_for_its_scope_from_others():
    ours = update(2, WITSYNC, "t", {"System.Title": "a"}, history_note("web", AZURE))
    assert is_witsync_revision(ours, "web")
    assert not is_witsync_revision(ours, "mobile")  # another scope's apply
    theirs = update(3, WITSYNC, "t", {"System.Title": "b"}, "fixed the title, see [witsync docs]")
    assert not is_witsync_revision(theirs, "web")  # same identity, no mark: a person
    assert not is_witsync_revision(update(4, PRIYA, "t", {"System.Title": "c"}), "web")
    # the server may wrap the note in markup and escape it
    wrapped = update(5, WITSYNC, "t", {}, "<div>witsync apply &#8212; [witsync:web]</div>")
    assert is_witsync_revision(wrapped, "web")


def test_prune_s_note_and_a_create_with_the_marker_are_witsync_s_too():
    assert is_witsync_note(prune_note("web"), "web")
    closing = update(6, WITSYNC, "t", {"System.State": "Removed"}, prune_note("web"))
    assert is_witsync_revision(closing, "web")
    assert closed_by_prune([closing], "web")
    # an item a witsync without notes created: the marker came in its first revision
    created = update(
        1,
        WITSYNC,
        "t",
        {"System.Title": "a"},
        relations={"added": [{"rel": "Hyperlink", "url": marker_url("web", "a")}]},
    )
    assert is_witsync_revision(created, "web")
    assert not is_witsync_revision(created, "mobile")


def test_prune_s_close_with_the_apply_note_joined_is_still_prune_s():
    joined = with_note(
        [{"op": "add", "path": "/fields/System.History", "value": prune_note("web")}],
        history_note("web", GITHUB),
    )[0]["value"]
    closing = update(6, WITSYNC, "t", {"System.State": "Removed"}, joined)
    assert closed_by_prune([closing], "web")


# -- what histories say -----------------------------------------------------------------------


def test_a_field_a_person_changed_after_witsync_wrote_it_is_drift():
    note = history_note("web", AZURE)
    history = [
        update(1, WITSYNC, "2026-11-01T00:00:00Z", {"System.Title": "a"}, note),
        update(2, PRIYA, "2026-11-02T00:00:00Z", {"System.Title": "b"}),
    ]
    (edit,) = last_edits(history, ["System.Title"], "web").values()
    assert (edit.by, edit.at, edit.rev, edit.by_witsync, edit.drift) == (
        "Priya <priya@fabrikam.com>",
        "2026-11-02T00:00:00Z",
        2,
        False,
        True,
    )
    # witsync wrote it last: a manifest edit changes it now, no drift
    again = [*history, update(3, WITSYNC, "2026-11-03T00:00:00Z", {"System.Title": "c"}, note)]
    edit = last_edits(again, ["System.Title"], "web")["System.Title"]
    assert (edit.by_witsync, edit.drift) == (True, False)


def test_a_field_witsync_never_wrote_is_the_manifests_to_set():
    # an adopted item: people set the title before witsync took it in, and after
    history = [
        update(1, PRIYA, "2026-11-01T00:00:00Z", {"System.Title": "a"}),
        update(2, WITSYNC, "2026-11-02T00:00:00Z", {"System.Tags": "witsync:web"}, "[witsync:web]"),
        update(3, PRIYA, "2026-11-03T00:00:00Z", {"System.Title": "b"}),
    ]
    edit = last_edits(history, ["System.Title"], "web")["System.Title"]
    assert (edit.by, edit.drift) == ("Priya <priya@fabrikam.com>", False)
    # without a scope (witsync pull), nothing is judged
    assert last_edits(history, ["System.Title"])["System.Title"].drift is False


def test_a_link_a_person_changed_shows_who_and_when():
    note = history_note("web", {})
    history = [
        update(1, WITSYNC, "2026-11-01T00:00:00Z", {"System.Title": "a"}, note),
        update(
            2,
            WITSYNC,
            "2026-11-01T00:01:00Z",
            {},
            note,
            {"added": [{"rel": PARENT, "url": url(10)}]},
        ),
        # Priya re-parents it: a link-only update, no new rev
        update(
            2,
            PRIYA,
            "2026-11-02T08:00:00Z",
            relations={
                "removed": [{"rel": PARENT, "url": url(10)}],
                "added": [{"rel": PARENT, "url": url(11)}],
            },
        ),
    ]
    edits = last_link_edits(history, [(PARENT, 10), (PARENT, 11)], "web")
    removed = edits[("removed", PARENT, 10)]
    added = edits[("added", PARENT, 11)]
    for edit in (removed, added):
        assert (edit.by, edit.at, edit.drift) == (
            "Priya <priya@fabrikam.com>",
            "2026-11-02T08:00:00Z",
            True,
        )
    # witsync's own link write is not drift
    mine = last_link_edits(history[:2], [(PARENT, 10)], "web")[("added", PARENT, 10)]
    assert (mine.by_witsync, mine.drift) == (True, False)


def test_the_other_end_of_a_link_witsync_wrote_is_witsync_s():
    note = history_note("web", {})
    history = [
        update(1, WITSYNC, "2026-11-01T00:00:00Z", {"System.Title": "a"}, note),
        # witsync linked another item to this one: this end gets a link-only update
        update(
            1,
            WITSYNC,
            "2026-11-01T00:02:00Z",
            relations={"added": [{"rel": "System.LinkTypes.Related", "url": url(12)}]},
        ),
    ]
    edit = last_link_edits(history, [("System.LinkTypes.Related", 12)], "web")[
        ("added", "System.LinkTypes.Related", 12)
    ]
    assert edit.drift is False


def test_witsync_s_tags_are_the_ones_its_revisions_added_last():
    note = history_note("web", {})
    history = [
        update(1, WITSYNC, "t", {"System.Tags": "q3; witsync:web"}, note),
        update(2, PRIYA, "t", {"System.Tags": "blocked; q3; witsync:web"}),
        update(3, WITSYNC, "t", {"System.Tags": "blocked; q3; q4; witsync:web"}, note),
        # Priya removed q3, then put it back: hers now
        update(4, PRIYA, "t", {"System.Tags": "blocked; q4; witsync:web"}),
        update(5, PRIYA, "t", {"System.Tags": "blocked; Q3; q4; witsync:web"}),
    ]
    for entry, before in zip(history[1:], history, strict=False):
        entry["fields"]["System.Tags"]["oldValue"] = before["fields"]["System.Tags"]["newValue"]
    assert witsync_tags(history, "web") == {"q4", "witsync:web"}
    assert witsync_tags(history, "mobile") == frozenset()


# -- where the note is configured -------------------------------------------------------------


def test_witsync_yaml_turns_the_note_off_and_gives_its_message(tmp_path):
    import argparse

    from witsync.config import settings_from_args

    (tmp_path / "witsync.yaml").write_text("scope: web\nhistoryNote: false\nmessage: nightly\n")
    flags = argparse.Namespace(paths=[tmp_path])
    settings = settings_from_args(flags, {}, tmp_path)
    assert (settings.history_note, settings.message) == (False, "nightly")
    flags.message = "from the flag"
    assert settings_from_args(flags, {}, tmp_path).message == "from the flag"
    (tmp_path / "witsync.yaml").write_text("scope: web\n")
    assert settings_from_args(argparse.Namespace(paths=[tmp_path]), {}, tmp_path).history_note


def test_the_library_writes_the_note_unless_told_not_to(tmp_path, monkeypatch):
    import witsync
    from witsync.engine import Options, open_client
    from witsync.marker import marker_keys

    for name in (*AZURE, *GITHUB):
        monkeypatch.delenv(name, raising=False)
    board = tmp_path / "board.sqlite"
    for key, wanted in (("noted", True), ("silent", False)):
        manifest = tmp_path / f"{key}.yaml"
        manifest.write_text(
            f"project: Fabrikam\nscope: {key}\nitems:\n  - {{key: a, type: Task, title: {key}}}\n"
        )
        plan = witsync.plan(manifest, board=board)
        result = witsync.apply(plan, board=board, history_note=wanted, message="by the library")

        async def notes_of(id: int, scope: str) -> list[str]:
            async with open_client(Options(board=board, project="Fabrikam")) as client:
                item = await client.get_item(id)
                assert item is not None
                assert marker_keys(item, scope) == ["a"]
                updates = await client.get_updates(id)
            return [u["fields"]["System.History"]["newValue"] for u in updates
                    if "System.History" in u.get("fields", {})]  # fmt: skip

        (item,) = result.items
        assert item.id is not None
        notes = witsync.api.run_sync(notes_of(item.id, key))
        expected = [f"witsync apply — by the library [witsync:{key}]"] if wanted else []
        assert notes == expected
