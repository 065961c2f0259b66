"""The whole set is bounded too: its files' sizes are added up before any is read.

Each file may be under the per-file limit while the set is not (51 MB of valid files took 25 s
and 1.28 GB): the loader refuses such a set from the sizes alone, naming the total, the limit,
the largest files and how to raise the limit (`maxSetSizeMB` in witsync.yaml).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from witsync.cli import main
from witsync.errors import ManifestError
from witsync.loading.loader import load
from witsync.loading.options import LoadOptions
from witsync.loading.yamlsource import MAX_FILE_BYTES, MAX_SET_BYTES

MB = 1024 * 1024


def manifest(key: str, size: int) -> str:
    """A valid manifest of one item, `size` bytes long (padded with a comment)."""
    text = f"apiVersion: witsync/v1\nscope: team\nitems:\n  - key: {key}\n    type: Task\n"
    text += f"    title: {key}\n#"
    return text + "x" * (size - len(text) - 1) + "\n"


def sparse(path: Path, size: int) -> None:
    """A file of `size` NUL bytes that costs no disk: if it were read, it would not parse."""
    with path.open("wb") as handle:
        handle.truncate(size)


def refused(paths: list[Path], options: LoadOptions) -> str:
    with pytest.raises(ManifestError) as caught:
        load(paths, options)
    (error,) = [d for d in caught.value.diagnostics if d.severity == "error"]
    return str(error)


def test_a_set_over_the_limit_names_total_limit_largest_files_and_the_setting(
    tmp_path: Path,
) -> None:
    sizes = {"a.yaml": 3000, "b.yaml": 5000, "c.yaml": 1000, "d.yaml": 4000}
    for name, size in sizes.items():
        (tmp_path / name).write_text(manifest(name[0], size))
    message = refused([tmp_path], LoadOptions(max_set_bytes=10_000))
    first, hint = message.splitlines()
    assert first == (
        "error: the manifest set is 12.7 KB in 4 files, over the limit of 9.8 KB "
        f"for one set; largest: {tmp_path / 'b.yaml'} (4.9 KB), {tmp_path / 'd.yaml'} (3.9 KB), "
        f"{tmp_path / 'a.yaml'} (2.9 KB)"
    )
    assert "/c.yaml" not in message  # only the largest few
    assert hint == (
        "  hint: load fewer folders or files at once, or raise the limit with `maxSetSizeMB: 1` "
        "in witsync.yaml (loading takes about 20 MB of memory per MB of YAML)"
    )


def test_nothing_is_read_when_the_set_is_over(tmp_path: Path) -> None:
    # Files of NUL bytes: any one read and parsed would add its own "invalid YAML" error.
    for name in ("a.yaml", "b.yaml", "c.yaml"):
        sparse(tmp_path / name, 400)
    message = refused([tmp_path], LoadOptions(max_set_bytes=1000))
    assert message.startswith("error: the manifest set is 1.2 KB in 3 files, over the limit")


def test_the_default_limit_refuses_a_set_of_files_each_under_the_file_limit(
    tmp_path: Path,
) -> None:
    each = MAX_FILE_BYTES - 1
    count = MAX_SET_BYTES // each + 1
    for n in range(count):
        sparse(tmp_path / f"part{n}.yaml", each)
    message = refused([tmp_path], LoadOptions())
    assert f"in {count} files, over the limit of 32.0 MB for one set" in message
    assert "`maxSetSizeMB: 40`" in message


def test_a_set_at_the_limit_loads(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(manifest("a", 600))
    (tmp_path / "b.yaml").write_text(manifest("b", 400))
    total = sum(path.stat().st_size for path in tmp_path.iterdir())
    assert len(load([tmp_path], LoadOptions(max_set_bytes=total)).items) == 2
    assert "manifest set is" in refused([tmp_path], LoadOptions(max_set_bytes=total - 1))


def test_the_limit_counts_every_path_given_once(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(manifest("a", 600))
    (tmp_path / "b.yaml").write_text(manifest("b", 600))
    total = sum(path.stat().st_size for path in tmp_path.iterdir())
    # A file named on its own and inside a folder given too is one file of the set.
    paths = [tmp_path / "a.yaml", tmp_path]
    assert len(load(paths, LoadOptions(max_set_bytes=total)).items) == 2


def test_witsync_yaml_sets_the_limit_and_the_message_names_that_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WITSYNC_ORG_URL", raising=False)
    (tmp_path / "witsync.yaml").write_text("scope: team\nmaxSetSizeMB: 1\n")
    sparse(tmp_path / "a.yaml", MB // 2 + 1)
    sparse(tmp_path / "b.yaml", MB // 2 + 1)
    assert main(["validate", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    # 1.0 MB over a limit of 1.0 MB would read as a mistake: exact figures instead.
    assert "set is 1,048,578 bytes in 2 files, over the limit of 1,048,576 bytes for one" in err
    assert f"raise the limit with `maxSetSizeMB: 2` in {tmp_path / 'witsync.yaml'}" in err
    assert "invalid YAML" not in err  # refused before reading
    (tmp_path / "witsync.yaml").write_text("scope: team\nmaxSetSizeMB: 2\n")
    assert main(["validate", str(tmp_path)]) == 1  # now read: and the NUL bytes do not parse
    assert "unacceptable character" in capsys.readouterr().err
