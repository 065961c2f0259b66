"""The manifests as one pull edits them: an editor per file, the news told, checked new texts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from witsync.loading.schema import check
from witsync.loading.yamlsource import parse_yaml
from witsync.pulling.change import Change, PullResult
from witsync.pulling.yamledit import ManifestText

SCHEMA = "manifest.schema.json"
_ORDER = {"value": 0, "default": 0, "added": 1, "removed": 2, "skipped": 3}


@dataclass
class _Pending:
    """What one file gets: its editor (made on first use) and what to tell."""

    editor: ManifestText | None = None
    changes: list[Change] = field(default_factory=list)


class Manifests:
    """The manifest texts of a set (file name → text), edited as a pull goes."""

    def __init__(self, texts: Mapping[str, str]) -> None:
        self.texts = texts
        self._files: dict[str, _Pending] = {}
        self._reports: list[Change] = []

    def editor(self, file: str) -> ManifestText:
        """The file's editor (raises `EditRefused` if its text cannot be edited in place)."""
        pending = self._files.setdefault(file, _Pending())
        if pending.editor is None:
            pending.editor = ManifestText(self.texts[file], file)
        return pending.editor

    def tell(self, change: Change) -> None:
        """News about a file: what was written in it, or why something was not."""
        self._files.setdefault(change.file, _Pending()).changes.append(change)

    def report(self, change: Change) -> None:
        """News that changes no file (closed, deleted, missing...): told after the rest."""
        self._reports.append(change)

    def result(self) -> PullResult:
        """The new texts of the files that changed, and the news in reading order."""
        changes: list[Change] = []
        texts: dict[str, str] = {}
        for file in sorted(self._files):
            pending = self._files[file]
            changes.extend(pending.changes)
            if pending.editor is not None and pending.editor.changed():
                new = pending.editor.result()
                if new != self.texts[file]:
                    _check_yaml(new, file)
                    texts[file] = new
        changes.sort(key=lambda c: (_ORDER.get(c.kind, 4), c.file, c.line or 0, c.key))
        return PullResult(texts, tuple(changes) + tuple(self._reports))


def _check_yaml(text: str, file: str) -> None:
    """Never write a file witsync cannot read back as a manifest (a bug here, not a user
    error)."""
    parsed = parse_yaml(text, file)
    problems = [str(d) for d in parsed.diagnostics if d.severity == "error"]
    if parsed.ok and parsed.root is not None:
        problems += [str(d) for d in check(parsed.root, SCHEMA, file)]
    if problems:
        raise AssertionError(f"pull made {file} unreadable: {'; '.join(problems)}")
