"""What the manifests say (the output of load): desired items, their links and places."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from witsync.model.vocabulary import FieldValue, Location, Ownership


@dataclass(frozen=True)
class DesiredLink:
    """A non-hierarchy link declared on an item, seen from that item (`rel` is a reference name)."""

    rel: str
    target: str | int
    """A key in the set, or the id of an existing work item."""
    location: Location


@dataclass(frozen=True)
class DesiredItem:
    """One work item as a manifest declares it, with every name resolved."""

    key: str
    type: str
    fields: Mapping[str, FieldValue]
    """By reference name (`System.Title`...); only the fields the manifest states."""
    location: Location
    parent: str | int | None = None
    """A key in the set, the id of an existing work item, or None for no parent."""
    links: tuple[DesiredLink, ...] = ()
    adopt_id: int | None = None
    """`id: N` in the manifest: adopt this existing work item."""
    ownership: Mapping[str, Ownership] = field(default_factory=dict)
    """Per reference name; a field missing here is `managed`."""
    field_locations: Mapping[str, Location] = field(default_factory=dict)
    parent_location: Location | None = None
    previous_keys: tuple[str, ...] = ()
    """`previousKeys:` keys this entry's work item may still carry on the board (a declared
    key move, like Terraform's `moved` block): the plan moves it to `key`."""
    exact_tags: bool = False
    """`exactTags`: the stated tags are the whole list (people's tags are removed too); else
    people's tags are kept and only the tags witsync added are its to remove."""

    def owner(self, ref: str) -> Ownership:
        return self.ownership.get(ref, "managed")


@dataclass(frozen=True)
class Desired:
    """A whole manifest set: one scope, every item, where they came from."""

    scope: str
    items: tuple[DesiredItem, ...]
    """In file order; a nested child comes after its parent."""
    files: tuple[str, ...]
    digest: str
    """sha256 over the manifests' paths and bytes, in path order."""
    project: str | None = None


