"""`python -m emulator` behaves exactly like the `spapi-emulator` console script."""

import gc

# Start-up allocates a great deal and frees almost nothing (modules, models, families): the
# collector's passes over it are wasted, 0.05 s of a start. It is off until the app is built;
# server.serve turns it back on (as the console script's path does, cli._serve).
gc.disable()

from emulator.cli import main  # noqa: E402 - after the collector is off

raise SystemExit(main())
