"""The run ledger: which revisions and link ends an apply run caused itself."""

from __future__ import annotations

from witsync.applying.ledger import RunLedger, same_relation
from witsync.model import LiveItem, LiveRelation

ORG = "http://board/org/proj/_apis/wit/workItems"


def link(rel: str, target: int) -> dict[str, object]:
    return {"op": "add", "path": "/relations/-", "value": {"rel": rel, "url": f"{ORG}/{target}"}}


def test_same_relation_matches_work_item_links_by_target_id() -> None:
    live = LiveRelation(
        "System.LinkTypes.Related", "http://board/org/PROJ-GUID/_apis/wit/workItems/5"
    )
    assert same_relation(live, "system.linktypes.related", f"{ORG}/5")
    assert not same_relation(live, "System.LinkTypes.Related", f"{ORG}/6")
    assert not same_relation(live, "System.LinkTypes.Hierarchy-Forward", f"{ORG}/5")


def test_expected_rev_follows_responses() -> None:
    ledger = RunLedger()
    assert ledger.expected_rev(1, 3) == 3
    ledger.saw(LiveItem(1, 4, {}))
    assert ledger.expected_rev(1, 3) == 4
    ledger.saw(LiveItem(1, 2, {}))  # a stale read never moves the guard back
    assert ledger.expected_rev(1, 3) == 4


def test_a_revision_holding_only_this_runs_reciprocal_link_is_own() -> None:
    ledger = RunLedger()
    # item 10 gets a parent link to 20: item 20 gains a Child end pointing at 10
    ledger.note(ledger.link_ends(10, [link("System.LinkTypes.Hierarchy-Reverse", 20)]))
    mine = {
        "rev": 4,
        "fields": {"System.Rev": {"oldValue": 3, "newValue": 4}, "System.ChangedDate": {}},
        "relations": {"added": [{"rel": "System.LinkTypes.Hierarchy-Forward", "url": f"{ORG}/10"}]},
    }
    assert ledger.is_own_revision(20, mine)
    # and the writer's own end is recognised too (a server that bumps the rev for links)
    near = {
        "rev": 2,
        "relations": {"added": [{"rel": "System.LinkTypes.Hierarchy-Reverse", "url": f"{ORG}/20"}]},
    }
    assert ledger.is_own_revision(10, near)
    assert ledger.foreign_revisions(20, [mine], 3) == []


def test_someone_elses_field_or_link_edit_is_foreign() -> None:
    ledger = RunLedger()
    ledger.note(ledger.link_ends(10, [link("System.LinkTypes.Related", 20)]))
    title = {"rev": 5, "fields": {"System.Title": {"oldValue": "a", "newValue": "b"}}}
    other_link = {
        "rev": 6,
        "relations": {"added": [{"rel": "System.LinkTypes.Related", "url": f"{ORG}/99"}]},
    }
    hyperlink = {"rev": 7, "relations": {"added": [{"rel": "Hyperlink", "url": "http://x"}]}}
    attrs = {
        "rev": 8,
        "relations": {"updated": [{"rel": "System.LinkTypes.Related", "url": f"{ORG}/10"}]},
    }
    for update in (title, other_link, hyperlink, attrs):
        assert not ledger.is_own_revision(20, update)
    assert ledger.foreign_revisions(20, [title, other_link], 4) == [title, other_link]
    # revisions at or before the expected rev are not looked at
    assert ledger.foreign_revisions(20, [title], 5) == []


def test_a_pending_create_is_recognised_before_its_id_is_known() -> None:
    ledger = RunLedger()
    pending = ledger.link_ends(None, [link("System.LinkTypes.Hierarchy-Reverse", 20)])
    ledger.note(pending)
    update = {
        "rev": 2,
        "relations": {"added": [{"rel": "System.LinkTypes.Hierarchy-Forward", "url": f"{ORG}/31"}]},
    }
    assert ledger.is_own_revision(20, update)
    ledger.resolve_writer(pending, 31)
    assert ledger.is_own_revision(20, update)


def test_removed_links_are_recorded_at_both_ends() -> None:
    ledger = RunLedger()
    ledger.note_removed(10, "System.LinkTypes.Dependency-Forward", 20)
    far = {
        "rev": 3,
        "relations": {
            "removed": [{"rel": "System.LinkTypes.Dependency-Reverse", "url": f"{ORG}/10"}]
        },
    }
    near = {
        "rev": 3,
        "relations": {
            "removed": [{"rel": "System.LinkTypes.Dependency-Forward", "url": f"{ORG}/20"}]
        },
    }
    assert ledger.is_own_revision(20, far)
    assert ledger.is_own_revision(10, near)
    assert not ledger.is_own_revision(
        20, {"rev": 3, "relations": {"added": far["relations"]["removed"]}}
    )


def test_system_parent_follows_this_runs_link_change() -> None:
    ledger = RunLedger()
    ledger.note_removed(20, "System.LinkTypes.Hierarchy-Forward", 10)  # 20 drops child 10
    update = {
        "rev": 6,
        "fields": {"System.Parent": {"oldValue": 20}, "System.Rev": {"oldValue": 5, "newValue": 6}},
        "relations": {
            "removed": [{"rel": "System.LinkTypes.Hierarchy-Reverse", "url": f"{ORG}/20"}]
        },
    }
    assert ledger.is_own_revision(10, update)
    # the same field change with a link this run did not touch is someone else's re-parenting
    other = {
        **update,
        "relations": {
            "removed": [{"rel": "System.LinkTypes.Hierarchy-Reverse", "url": f"{ORG}/99"}]
        },
    }
    assert not ledger.is_own_revision(10, other)
