"""The few rules the model itself holds: a link's other end, tag text, a patch operation as sent."""

from __future__ import annotations

import pytest

from witsync.model import MANAGED_LINK_TYPES, OPPOSITE_REL, PatchOp, opposite_rel, tag_list


@pytest.mark.parametrize("rel", sorted(MANAGED_LINK_TYPES))
def test_each_managed_link_type_has_its_opposite_and_back(rel: str) -> None:
    assert opposite_rel(rel) == OPPOSITE_REL[rel]
    assert opposite_rel(opposite_rel(rel)) == rel


def test_the_opposite_of_any_link_type() -> None:
    assert (
        opposite_rel("system.linktypes.hierarchy-forward") == "System.LinkTypes.Hierarchy-Reverse"
    )
    assert opposite_rel("system.linktypes.related") == "System.LinkTypes.Related"
    assert opposite_rel("Custom.Flows-Forward") == "Custom.Flows-Reverse"
    assert opposite_rel("Custom.Flows-Reverse") == "Custom.Flows-Forward"
    assert opposite_rel("Custom.Peer") == "Custom.Peer"


@pytest.mark.parametrize(
    ("value", "tags"),
    [
        ("x; y ;z", ("x", "y", "z")),
        ("x, y; z", ("x", "y", "z")),  # the board splits on commas too
        ("Beta; alpha; BETA", ("Beta", "alpha")),  # one tag per name, first spelling kept
        (["a", " b ", "", "A"], ("a", "b")),
        (["a;b"], ("a;b",)),  # a list item is one tag as written
        ("", ()),
        (None, ()),
    ],
)
def test_tag_list(value: object, tags: tuple[str, ...]) -> None:
    assert tag_list(value) == tags


def test_a_patch_operation_as_sent_has_no_annotations() -> None:
    link = PatchOp("add", "/relations/-", {"rel": "R", "url": None}, target="k", target_id=None)
    assert link.as_sent() == {
        "op": "add",
        "path": "/relations/-",
        "value": {"rel": "R", "url": None},
    }
    assert link.as_sent("http://o/_apis/wit/workItems/5") == {
        "op": "add",
        "path": "/relations/-",
        "value": {"rel": "R", "url": "http://o/_apis/wit/workItems/5"},
    }
    assert link.value == {"rel": "R", "url": None}  # the plan's own value is left alone
    removal = PatchOp("remove", "/relations/3", relation=("R", "http://o/x/5"))
    assert removal.as_sent() == {"op": "remove", "path": "/relations/3"}
    assert PatchOp("test", "/rev", 7).as_sent() == {"op": "test", "path": "/rev", "value": 7}
