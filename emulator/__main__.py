"""`python -m emulator` behaves exactly like the `spapi-emulator` console script."""

from emulator.cli import main

raise SystemExit(main())
