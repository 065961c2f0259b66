"""The README's "Development" tree is the real layout: every module of witsync/, each with the
first line of its docstring (WITSYNC_UPDATE_GOLDEN=1 writes it anew)."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BEGIN, END = "<!-- tree:begin -->", "<!-- tree:end -->"
WIDTH = 26


def summary(path: Path) -> str:
    """The first line of a module's docstring (of a package's __init__ for a folder)."""
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return docstring.strip().splitlines()[0] if docstring.strip() else ""


def tree(folder: Path, depth: int = 0) -> list[str]:
    lines = []
    indent = "  " * depth
    for path in sorted(folder.iterdir(), key=lambda p: (p.is_dir(), p.name)):
        if path.name.startswith(("_", ".")) and path.name != "__main__.py":
            continue
        if path.is_dir():
            init = path / "__init__.py"
            if not init.exists():
                continue
            lines.append(f"{indent}{path.name + '/':<{WIDTH - len(indent)}}{summary(init)}")
            lines += tree(path, depth + 1)
        elif path.suffix == ".py":
            lines.append(f"{indent}{path.name:<{WIDTH - len(indent)}}{summary(path)}")
    return lines


def expected_block() -> str:
    body = "\n".join(["witsync/", *tree(ROOT / "witsync", 1)])
    return f"{BEGIN}\n```\n{body}\n```\n{END}"


def test_the_development_tree_names_every_module_with_its_docstring() -> None:
    text = README.read_text(encoding="utf-8")
    found = re.search(re.escape(BEGIN) + ".*?" + re.escape(END), text, re.DOTALL)
    assert found, f"README.md has no {BEGIN} ... {END} block"
    if os.environ.get("WITSYNC_UPDATE_GOLDEN"):
        README.write_text(text.replace(found.group(0), expected_block()), encoding="utf-8")
        return
    assert found.group(0) == expected_block(), (
        "README's Development tree is stale (WITSYNC_UPDATE_GOLDEN=1 rewrites it)"
    )


def test_every_module_opens_with_a_one_line_docstring() -> None:
    missing = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "witsync").rglob("*.py")
        if not summary(path)
    ]
    assert missing == []
