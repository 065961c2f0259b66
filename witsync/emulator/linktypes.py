"""Relation types (work-item link types with their opposite ends, resource links) and link URLs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CHILD = "System.LinkTypes.Hierarchy-Forward"
PARENT = "System.LinkTypes.Hierarchy-Reverse"
RELATED = "System.LinkTypes.Related"
SUCCESSOR = "System.LinkTypes.Dependency-Forward"
PREDECESSOR = "System.LinkTypes.Dependency-Reverse"
DUPLICATE = "System.LinkTypes.Duplicate-Forward"
DUPLICATE_OF = "System.LinkTypes.Duplicate-Reverse"
HYPERLINK = "Hyperlink"
ARTIFACT_LINK = "ArtifactLink"
ATTACHED_FILE = "AttachedFile"


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
    LinkType(CHILD, "Child", "tree", PARENT, True),
    LinkType(PARENT, "Parent", "tree", CHILD),
    LinkType(RELATED, "Related", "network", RELATED),
    LinkType(SUCCESSOR, "Successor", "dependency", PREDECESSOR, True),
    LinkType(PREDECESSOR, "Predecessor", "dependency", SUCCESSOR),
    LinkType(DUPLICATE, "Duplicate", "tree", DUPLICATE_OF, True),
    LinkType(DUPLICATE_OF, "Duplicate Of", "tree", DUPLICATE),
    LinkType(HYPERLINK, "Hyperlink", "resource"),
    LinkType(ARTIFACT_LINK, "Artifact Link", "resource"),
    LinkType(ATTACHED_FILE, "Attached File", "resource"),
)

BY_REF = {t.ref.lower(): t for t in LINK_TYPES}


def link_type(ref: str) -> LinkType | None:
    return BY_REF.get(ref.lower())


def work_item_path(org: str, project_id: str, id: int) -> str:
    """A work-item link url as stored: the absolute URL without its scheme and host."""
    return f"/{org}/{project_id}/_apis/wit/workItems/{id}"


# link_target runs ~20 times per created item (links, answers): one set lookup, no LinkType
WORK_ITEM_RELS = frozenset(t.ref.lower() for t in LINK_TYPES if t.is_work_item_link)


def link_target(relation: Mapping[str, Any]) -> int | None:
    """The target id of a stored work-item link (None for resource links)."""
    if str(relation.get("rel", "")).lower() not in WORK_ITEM_RELS:
        return None
    return int(str(relation["url"]).rstrip("/").rsplit("/", 1)[-1])


def id_from_url(url: str) -> int | None:
    """The work item a link request names: the last segment of an http(s) URL, else None."""
    text = url.strip()
    if not text.lower().startswith(("http://", "https://")):
        return None
    last = text.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    try:
        return int(last)
    except ValueError:
        return None
