"""Manifest files: discovery under the given paths, the set's and each file's size caps, reading.

The only part of loading that touches the file system (import-linter exempts it and the loader
from the pure core's contract); what a file says is `yamlsource`'s and `items`' business.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from witsync.errors import Diagnostic
from witsync.loading.options import CONFIG_NAMES, LoadOptions
from witsync.loading.yamlsource import MAX_FILE_BYTES, MEGABYTE, too_large

MANIFEST_SUFFIXES = (".yaml", ".yml")
LARGEST_SHOWN = 3
"""Files named when a set is over its size limit: where the bytes are, without a long list."""


def find_manifests(paths: Sequence[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """Every file named and every `*.yaml`/`*.yml` below the named folders (hidden folders and
    witsync.yaml skipped), each once; a problem for a path that does not exist or no manifest."""
    found: dict[Path, None] = {}
    problems: list[Diagnostic] = []
    for path in paths:
        if path.is_file():
            if path.name not in CONFIG_NAMES:  # `witsync validate *.yaml` globs it too
                found.setdefault(path, None)
        elif path.is_dir():
            for candidate in sorted(_walk(path), key=str):
                found.setdefault(candidate, None)
        else:
            problems.append(
                Diagnostic("error", f"{path}: no such file or folder", None, "check the path")
            )
    if not found and not problems:
        shown = ", ".join(str(p) for p in paths) or "."
        problems.append(
            Diagnostic(
                "error",
                f"no manifests (*.yaml, *.yml) in {shown}",
                None,
                "give the folder or files that hold the manifests",
            )
        )
    return list(found), problems


def _walk(folder: Path) -> Iterator[Path]:
    for path in folder.rglob("*"):
        relative = path.relative_to(folder).parts
        if any(part.startswith(".") for part in relative):
            continue  # .git, .witsync, .venv...
        if path.suffix in MANIFEST_SUFFIXES and path.name not in CONFIG_NAMES and path.is_file():
            yield path


def over_set_limit(files: Sequence[Path], options: LoadOptions) -> Diagnostic | None:
    """An error when the files together exceed `options.max_set_bytes`, from their sizes alone.

    Memory and time grow with the whole set (about 20 MB and 0.4 s per MB of YAML), so a set of
    files each under the per-file limit could still take gigabytes; nothing is read when over."""
    sizes: list[tuple[int, str]] = []
    for path in files:
        try:
            sizes.append((path.stat().st_size, str(path)))
        except OSError:
            continue  # `read_manifest` reports it
    total = sum(size for size, _ in sizes)
    limit = options.max_set_bytes
    if total <= limit:
        return None
    largest = sorted(sizes, key=lambda entry: (-entry[0], entry[1]))[:LARGEST_SHOWN]
    named = ", ".join(f"{name} ({_size(size)})" for size, name in largest)
    where = options.config_file or "witsync.yaml"
    wanted = -(-total // MEGABYTE)  # whole MB, rounded up
    over, most = _size(total), _size(limit)
    if over == most:  # "1.0 MB, over the limit of 1.0 MB" would read as a mistake
        over, most = f"{total:,} bytes", f"{limit:,} bytes"
    return Diagnostic(
        "error",
        f"the manifest set is {over} in {len(sizes)} file{'s' if len(sizes) != 1 else ''}, "
        f"over the limit of {most} for one set; largest: {named}",
        None,
        f"load fewer folders or files at once, or raise the limit with `maxSetSizeMB: {wanted}` "
        f"in {where} (loading takes about 20 MB of memory per MB of YAML)",
    )


def _size(count: int) -> str:
    if count >= MEGABYTE:
        return f"{count / MEGABYTE:.1f} MB"
    if count >= 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count} bytes"


def read_manifest(path: Path, name: str, problems: list[Diagnostic]) -> bytes | None:
    """The file's bytes (at most one over the per-file limit), or None after adding the problem
    that says why not."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.append(too_large(size, name))  # before reading: a huge file costs nothing
            return None
        with path.open("rb") as handle:
            # Bounded even if the file grew since: `read_text` refuses what is over the limit.
            return handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        problems.append(Diagnostic("error", f"cannot read {name}: {error.strerror}"))
        return None
