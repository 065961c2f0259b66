"""The one exception hierarchy: the tree drawn in `witsync.errors` is the tree of its classes."""

from __future__ import annotations

import inspect
import re

from witsync import errors


def test_the_docstring_tree_draws_every_error_under_its_parent() -> None:
    drawn: dict[str, str] = {}
    parents: list[str] = []  # the names at each depth of the tree so far
    for line in (errors.__doc__ or "").splitlines():
        match = re.match(r"^ {4}((?:│   |    )*(?:[├└]── )?)([A-Z]\w+)\s{2,}", line)
        if match is None:
            continue
        depth = len(match.group(1)) // 4  # each level of the tree is four characters wide
        del parents[depth:]
        if parents:
            drawn[match.group(2)] = parents[-1]
        parents.append(match.group(2))
    classes = {
        name: cls.__bases__[0].__name__
        for name, cls in vars(errors).items()
        if inspect.isclass(cls)
        and issubclass(cls, errors.WitsyncError)
        and cls is not errors.WitsyncError
    }
    assert drawn == classes
