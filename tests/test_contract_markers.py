"""The contract suite refuses to collect a test without exactly one fidelity marker."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"


def _suite(pytester: pytest.Pytester, body: str) -> pytest.RunResult:
    # The real contracts/conftest.py, over a throwaway test file, without starting emulators.
    shutil.copy(CONTRACTS / "conftest.py", pytester.path / "conftest.py")
    for helper in ("harness.py", "assertions.py", "flows.py", "__init__.py"):
        if (CONTRACTS / helper).exists():
            shutil.copy(CONTRACTS / helper, pytester.path / helper)
    pytester.makepyfile(test_marks=body)
    return pytester.runpytest("--collect-only", "-q", "-p", "no:cacheprovider")


@pytest.mark.parametrize(("body", "needle"), [
    ("def test_unmarked():\n    pass\n", "exactly one"),
    ("import pytest\n\n@pytest.mark.sandbox_verified\n@pytest.mark.emulator_only\n"
     "def test_two():\n    pass\n", "exactly one"),
    ("import pytest\n\n@pytest.mark.known_difference\ndef test_no_reason():\n    pass\n",
     "reason"),
])
def test_wrong_markers_fail_collection(pytester: pytest.Pytester, body: str,
                                       needle: str) -> None:
    result = _suite(pytester, body)
    assert result.ret != 0
    assert needle in result.stdout.str() + result.stderr.str()


def test_one_marker_collects(pytester: pytest.Pytester) -> None:
    result = _suite(pytester, "import pytest\n\n@pytest.mark.emulator_only\n"
                              "def test_ok():\n    pass\n")
    assert result.ret == 0, result.stdout.str()
