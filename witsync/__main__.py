"""`python -m witsync`: the same as the `witsync` command."""

from witsync.cli import main

raise SystemExit(main())
