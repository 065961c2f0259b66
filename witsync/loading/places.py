"""Where each field of an item was written, held compactly: a Location is made when asked for.

A manifest set of 100,000 items states several hundred thousand fields; a dict of `Location`
objects per item was about a third of the loaded set's memory. Here an item keeps one tuple of
packed line and column numbers, and the names of its fields in a tuple that items stating the
same fields share.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from witsync.model import Location

_COLUMN_BITS = 24
"""A column up to 16,777,215 fits beside its line in one int (longer lines: see `pack`)."""
_COLUMNS = (1 << _COLUMN_BITS) - 1


class Places(Mapping[str, Location]):
    """A read-only `{reference name: Location}` of one item's fields, in the order written."""

    __slots__ = ("_file", "_marks", "_refs")

    def __init__(self, file: str, refs: tuple[str, ...], marks: tuple[int, ...]) -> None:
        self._file = file
        self._refs = refs
        self._marks = marks

    def __getitem__(self, ref: str) -> Location:
        try:
            index = self._refs.index(ref)
        except ValueError:
            raise KeyError(ref) from None
        mark = self._marks[index]
        return Location(self._file, mark >> _COLUMN_BITS, mark & _COLUMNS)

    def __contains__(self, ref: object) -> bool:
        return ref in self._refs

    def __iter__(self) -> Iterator[str]:
        return iter(self._refs)

    def __len__(self) -> int:
        return len(self._refs)

    def __repr__(self) -> str:
        return repr(dict(self))


class PlaceBook:
    """Makes the `Places` of one file's items; items stating the same fields share their names."""

    def __init__(self, file: str) -> None:
        self.file = file
        self._refs: dict[tuple[str, ...], tuple[str, ...]] = {}

    def places(self, marks: Mapping[str, tuple[int, int]]) -> Mapping[str, Location]:
        """The Locations of `marks` ((line, column) in this file, by reference name), compact;
        as a plain dict in the rare case one cannot be packed."""
        packed = []
        for line, column in marks.values():
            if column > _COLUMNS:
                return {ref: Location(self.file, *mark) for ref, mark in marks.items()}
            packed.append(line << _COLUMN_BITS | column)
        refs = tuple(marks)
        return Places(self.file, self._refs.setdefault(refs, refs), tuple(packed))
