"""pytest-recording (vcrpy) settings shared by every suite that records SP-API traffic.

Import the two fixtures into a suite's conftest.py and mark tests `@pytest.mark.vcr`:

    from emulator.harness.cassettes.pytest_config import vcr_cassette_dir, vcr_config  # noqa: F401

Cassettes then go to `fixtures/cassettes/<suite>/<test module>/<test name>.yaml` (the suite is
the test file's top-level directory: `contracts`, `client_tests`), every interaction passes
through the scrubber before it is written, and replay (`--record-mode=none`, the default)
matches requests on method, path and query only: the emulator listens on a new port every
run, and scrubbed tokens and bodies cannot be compared.

This module needs pytest (a development dependency); nothing in the emulator imports it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from emulator.config import FIXTURES
from emulator.harness.cassettes.scrub import scrub_request, scrub_response

CASSETTES = FIXTURES / "cassettes"
MATCH_ON = ("method", "path", "query")


def recording_config() -> dict[str, Any]:
    """Keyword arguments for `vcr.VCR(...)` / `use_cassette(...)`."""
    return {
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
        # Amazon answers gzip when asked; stored decoded, a body can be scrubbed and read.
        "decode_compressed_response": True,
        "match_on": MATCH_ON,
        "record_on_exception": False,
    }


def cassette_dir(test_file: Path, *variant: str) -> Path:
    """`fixtures/cassettes/<suite>/<variant…>/<module>` for a test file of a suite."""
    root = FIXTURES.parent
    try:
        suite = test_file.resolve().relative_to(root).parts[0]
    except ValueError:  # a suite outside the project: keep its cassettes beside it
        return test_file.parent / "cassettes" / test_file.stem
    return CASSETTES.joinpath(suite, *variant, test_file.stem)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return recording_config()


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(cassette_dir(Path(str(request.node.path))))
