"""Field differences between canonical value dicts, with deepdiff converted at this edge."""

from __future__ import annotations

from collections.abc import Hashable, Mapping

from deepdiff import DeepDiff


def changed_fields(live: Mapping[str, Hashable], desired: Mapping[str, Hashable]) -> set[str]:
    """The top-level keys whose canonical values differ (added, removed or changed anywhere below).

    Returns plain strings: no deepdiff type leaves this function.
    """
    if live == desired:
        return set()
    diff = DeepDiff(dict(live), dict(desired), view="tree", ignore_order=False)
    changed: set[str] = set()
    for levels in diff.values():
        for level in levels:
            path = level.path(output_format="list")
            if path:
                changed.add(str(path[0]))
    return changed
