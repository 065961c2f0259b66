"""Links to work items on the board, in Azure Boards' URL shapes (`…/_workitems/edit/N`)."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from witsync.model import Target

LOCAL_BOARD_HOST = "local-board"
"""The host of the embedded board's organization URL (`http://local-board/local`): not a real
address, so its links go to where `witsync board` serves that board."""
LOCAL_BOARD_PORT = 8765
"""`witsync board`'s default port: the one the links of a local plan point to."""
LOCAL_BOARD_URL = f"http://127.0.0.1:{LOCAL_BOARD_PORT}"


def org_link(target: Target) -> str:
    """The organization URL links start with: the target's own, or for the embedded board
    (whose organization URL names a host that does not exist) where `witsync board` serves it."""
    org = target.org_url.rstrip("/")
    parts = urlsplit(org)
    if parts.hostname == LOCAL_BOARD_HOST:
        return LOCAL_BOARD_URL + parts.path
    return org


def backlog_link(target: Target) -> str:
    """`{org}/{project}/_boards/backlog`: the project's backlog."""
    return f"{org_link(target)}/{quote(target.project, safe='')}/_boards/backlog"


def work_item_link(target: Target, work_item_id: int) -> str:
    """`{org}/{project}/_workitems/edit/{id}`: the work item's page."""
    return f"{org_link(target)}/{quote(target.project, safe='')}/_workitems/edit/{work_item_id}"
