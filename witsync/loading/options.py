"""What a load takes besides the paths (scope, project, ownership, size limit), as one value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from witsync.loading.fieldnames import DEFAULT_OWNERSHIP
from witsync.loading.yamlsource import MAX_SET_BYTES
from witsync.model import Ownership

CONFIG_NAMES = ("witsync.yaml", "witsync.yml")
"""A file with one of these names configures the folder; it is never a manifest."""


@dataclass(frozen=True)
class LoadOptions:
    """What flags and witsync.yaml tell a load; every field has the CLI's default."""

    scope: str | None = None
    """The set's scope when no manifest names one (a manifest that does must agree)."""
    project: str | None = None
    """The set's project when no manifest names one (a manifest that does must agree)."""
    ownership: Mapping[str, Ownership] = field(default_factory=lambda: DEFAULT_OWNERSHIP)
    """The repository-wide mode of each field a layer names, by reference name; manifests refine
    it per file (`defaults`) and per item."""
    max_set_bytes: int = MAX_SET_BYTES
    """The most YAML one manifest set may hold, all files together."""
    config_file: Path | None = None
    """The witsync.yaml the values came from; only named in messages."""
    exact_tags: bool = False
    """witsync.yaml `exactTags`: items' stated tags are their whole list (files and items may
    say otherwise)."""
