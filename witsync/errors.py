"""The one exception hierarchy: every failure a user sees is a value with a place and a hint.

    WitsyncError                 anything witsync reports to a user (exit 1)
    ├── ManifestError            one or more problems in the manifests (carries every Diagnostic)
    ├── ConfigError              witsync.yaml, flags or environment are wrong or missing
    ├── PlanFileError            a saved plan cannot be read, or is for another target
    ├── StepConflict             apply: someone else changed the item after the plan (a result)
    ├── StepFailed               apply: a step could not be written (a result)
    ├── Interrupted              apply: the run was stopped before this write was sent (a result)
    └── ServerError              Azure DevOps (or the local board) refused or failed a request
        ├── AuthError            missing, wrong or expired token (401, 203 sign-in page)
        ├── NotFoundError        a project or work item that is not there (404)
        ├── ConflictError        `test /rev` failed (412) or a concurrent save (409): plan again
        ├── TransientError       throttled, unavailable or unreachable after all retries
        ├── OutcomeUnknownError  a write was sent but no answer came: look before retrying
        ├── BatchRefusedError    a whole `$batch` was refused before saving: nothing was written
        └── WireFormatError      an answer that is not what Azure DevOps sends

The CLI turns these into one line (plus a hint) and an exit code in one place; nothing here
prints. A message never contains a token. The three apply errors never reach the CLI: the applier
turns each into that item's result (conflict, failed, skipped) and goes on with the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from witsync.model import Location

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in the input, where it is and what to do about it."""

    severity: Severity
    message: str
    location: Location | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        text = f"{where}{self.severity}: {self.message}"
        return f"{text}\n  hint: {self.hint}" if self.hint else text


class WitsyncError(Exception):
    """Base of every error witsync reports to a user rather than as a bug."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class ManifestError(WitsyncError):
    """The manifests have errors; `diagnostics` lists every one of them (and any warnings)."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        errors = sum(1 for d in self.diagnostics if d.severity == "error")
        super().__init__(f"{errors} error{'s' if errors != 1 else ''} in the manifests")


class ConfigError(WitsyncError):
    """The configuration (witsync.yaml, flags, environment) is wrong or incomplete."""


class PlanFileError(WitsyncError):
    """A saved plan file is unreadable, damaged, or was made for another target."""


class StepConflict(WitsyncError):
    """Somebody else changed (or deleted) the item after the plan: re-plan, never overwrite."""


class StepFailed(WitsyncError):
    """A step could not be applied (server refusal, lost answers, a broken plan)."""


INTERRUPTED = "not written: interrupted"
"""The message of an action that was stopped before its (next) write was sent."""


class Interrupted(WitsyncError):
    """The run was stopped before this write was sent: nothing of it reached the server."""

    def __init__(self) -> None:
        super().__init__(INTERRUPTED)


class ServerError(WitsyncError):
    """The server refused or failed a request; names the work item and field when known."""

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        status: int | None = None,
        work_item: int | str | None = None,
        field: str | None = None,
        type_key: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.work_item = work_item
        self.field = field
        self.type_key = type_key


class AuthError(ServerError):
    """The token is missing, wrong or expired, or lacks permission."""


class NotFoundError(ServerError):
    """The organization, project or work item does not exist (or is not readable)."""


class ConflictError(ServerError):
    """Someone changed the work item after it was read: re-plan, never retry blindly."""


class TransientError(ServerError):
    """The server stayed throttled, unavailable or unreachable after every retry."""


class OutcomeUnknownError(ServerError):
    """A write was sent and no answer came back (timeout, dropped connection): it may or may not
    have been saved. The caller must find out (read the item, look for the marker) before it
    writes again; retrying blindly could create a work item twice."""


class BatchRefusedError(ServerError):
    """The server refused a whole `$batch` while preparing it (a failed `test`, an unknown field, a
    missing item...): nothing in it was saved. `errors` are the refused entries' own errors; the
    server does not say which request each one answers."""

    def __init__(self, message: str, *, errors: Sequence[ServerError], hint: str | None) -> None:
        super().__init__(message, hint=hint, status=errors[0].status if errors else None)
        self.errors = tuple(errors)


class WireFormatError(ServerError):
    """The server answered 200 with something that is not what Azure DevOps sends."""
