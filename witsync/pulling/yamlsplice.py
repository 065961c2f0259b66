"""A manifest's edits as splices of its text, made all at once: in order, never overlapping."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from witsync.pulling.yamltree import EditRefused, ManifestTree


@dataclass(frozen=True)
class _Splice:
    start: int
    end: int
    text: str
    order: int
    depth: int = 0
    """The column of inserted lines: of two insertions at one place, the deeper goes first (a
    child's new children before its parent's, which come after the child's whole block)."""


class SplicedText(ManifestTree):
    """A manifest whose edits collect as splices of its text until `result()`."""

    def __init__(self, text: str, name: str = "<manifest>") -> None:
        super().__init__(text, name)
        self._splices: list[_Splice] = []
        self._removed: list[tuple[int, int]] = []

    def _splice(self, start: int, end: int, text: str, depth: int = 0) -> None:
        self._splices.append(_Splice(start, end, text, len(self._splices), depth))

    def _remove(self, start: int, end: int, text: str = "") -> None:
        """Replace a span that edits inside it must not touch (they are dropped)."""
        self._removed.append((start, end))
        self._splice(start, end, text)

    def _lines(self, lines: Sequence[str]) -> str:
        return "".join(line + self.newline for line in lines)

    def _insert_lines(self, at: int, lines: Sequence[str]) -> None:
        prefix = ""
        if at == len(self.text) and self.text and not self.text.endswith("\n"):
            prefix = self.newline
        first = next((line for line in lines if line.strip()), "")
        depth = len(first) - len(first.lstrip(" "))
        self._splice(at, at, prefix + self._lines(lines), depth)

    def changed(self) -> bool:
        return bool(self._splices)

    def result(self) -> str:
        """The text with every edit made (edits inside a removed entry are dropped)."""
        kept = [splice for splice in self._splices if not self._inside_removed(splice)]
        kept.sort(key=lambda s: (s.start, s.end, -s.depth, s.order))
        out: list[str] = []
        position = 0
        for splice in kept:
            if splice.start < position:
                raise EditRefused(f"two edits overlap in {self.name} at offset {splice.start}")
            out.append(self.text[position : splice.start])
            out.append(splice.text)
            position = splice.end
        out.append(self.text[position:])
        return ("\ufeff" if self.bom else "") + "".join(out)

    def _inside_removed(self, splice: _Splice) -> bool:
        for start, end in self._removed:
            if (splice.start, splice.end) == (start, end):
                continue  # the removal itself
            if splice.start == splice.end and splice.start in (start, end):
                continue  # an insertion next to it
            if start <= splice.start and splice.end <= end:
                return True
        return False
