"""One action's progress through its steps, and the message an applied action's result carries."""

from __future__ import annotations

from dataclasses import dataclass

from witsync.model import Action


@dataclass
class Progress:
    """What one action has done so far, for its result even when a later step fails."""

    id: int | None
    created: bool = False
    found: str | None = None
    """How the item was found already there instead of created (then nothing was created)."""
    settled: bool = False
    """Some step was already applied on the board (by an earlier run of this plan, or another)."""


def done_message(action: Action, progress: Progress) -> str:
    """What an action that was applied did: created, updated, ..., or found already so."""
    where = f"#{progress.id}" if progress.id is not None else action.key
    if progress.found is not None:
        return f"already there: #{progress.id} ({progress.found})"
    if progress.settled and action.kind != "create":
        return f"already applied: {where} shows this plan's changes"
    verb = {
        "create": "created",
        "update": "updated",
        "adopt": "adopted",
        "remove": "removed",
        "reopen": "reopened",
        "restore": "restored",
        "rekey": "rekeyed",
    }
    return f"{verb[action.kind]} {where}"
