"""The test harness around the emulator: the top layer, since it runs the whole emulator.

The validating proxy (`proxy/`), recorded and scrubbed cassettes (`cassettes/`), the replay
server (`replay.py`), their commands (`commands.py`: `spapi-emulator proxy|replay|cassettes`),
the emulator in a thread for tests and tools (`embedded.py`) and the pytest plugin users
install (`pytest_plugin.py`, entry point `emulator.harness.pytest_plugin`). It reaches the
families only through the app.
"""
