"""Relation types: work-item link types (with their opposite ends) and resource links."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LinkType:
    ref: str
    name: str
    topology: str
    """tree, network, dependency, or resource (Hyperlink, ArtifactLink, AttachedFile)."""
    opposite: str | None = None
    is_forward: bool = False

    @property
    def is_work_item_link(self) -> bool:
        return self.topology != "resource"

    @property
    def acyclic(self) -> bool:
        return self.topology in {"tree", "dependency"}

    @property
    def forward_ref(self) -> str:
        """The forward end of this link type (the direction cycle checks follow)."""
        return self.ref if self.is_forward or self.opposite is None else self.opposite


LINK_TYPES: tuple[LinkType, ...] = (
    LinkType(
        "System.LinkTypes.Hierarchy-Forward",
        "Child",
        "tree",
        "System.LinkTypes.Hierarchy-Reverse",
        True,
    ),
    LinkType(
        "System.LinkTypes.Hierarchy-Reverse", "Parent", "tree", "System.LinkTypes.Hierarchy-Forward"
    ),
    LinkType("System.LinkTypes.Related", "Related", "network", "System.LinkTypes.Related"),
    LinkType(
        "System.LinkTypes.Dependency-Forward",
        "Successor",
        "dependency",
        "System.LinkTypes.Dependency-Reverse",
        True,
    ),
    LinkType(
        "System.LinkTypes.Dependency-Reverse",
        "Predecessor",
        "dependency",
        "System.LinkTypes.Dependency-Forward",
    ),
    LinkType(
        "System.LinkTypes.Duplicate-Forward",
        "Duplicate",
        "tree",
        "System.LinkTypes.Duplicate-Reverse",
        True,
    ),
    LinkType(
        "System.LinkTypes.Duplicate-Reverse",
        "Duplicate Of",
        "tree",
        "System.LinkTypes.Duplicate-Forward",
    ),
    LinkType("Hyperlink", "Hyperlink", "resource"),
    LinkType("ArtifactLink", "Artifact Link", "resource"),
    LinkType("AttachedFile", "Attached File", "resource"),
)

BY_REF = {t.ref.lower(): t for t in LINK_TYPES}
PARENT = "System.LinkTypes.Hierarchy-Reverse"
CHILD = "System.LinkTypes.Hierarchy-Forward"


def link_type(ref: str) -> LinkType | None:
    return BY_REF.get(ref.lower())
