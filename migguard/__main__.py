"""``python -m migguard``: the same entry point as the ``migguard`` console script."""

from __future__ import annotations

from migguard.cli.main import main

raise SystemExit(main())
