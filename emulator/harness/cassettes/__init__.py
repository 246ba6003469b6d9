"""Recorded SP-API traffic (vcrpy cassettes): the scrubber that keeps secrets and buyer PII out
of them (scrub.py), reading them (store.py), checking them against the current models
(drift.py) and the pytest-recording settings suites share (pytest_config.py, needs pytest)."""
