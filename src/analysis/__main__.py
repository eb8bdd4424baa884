"""``python -m analysis``: see analysis.cli."""

from .cli import main

raise SystemExit(main())
