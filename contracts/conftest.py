"""The contract suite's set-up: the target (`--target emulator|sandbox|URL`, `--region`),
the fidelity markers and their rule (exactly one per test, enforced at collection), and the
clients of the target.

    sandbox_verified   must pass against Amazon's sandbox and against the emulator
    emulator_only      the emulator's own behaviour (state, lifecycles, throttling, expiry)
    known_difference   reality differs from what the models promise; the reason says how.
                       Run as a strict xfail: when the difference disappears (Amazon fixed a
                       model), the test fails and asks to be reclassified.

Against `--target emulator` the suite starts two emulators on free ports: one in `--mode
sandbox` (Amazon's static sandbox, for the sandbox_verified tests) and one in emulate mode (for
the emulator_only tests); both take milliseconds to answer, with throttling off.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from contracts.harness import (
    COULD_NOT_MATCH,
    GET_ORDERS,
    UNMATCHED_GET_ORDERS,
    Api,
    Target,
    emulator_credentials,
    env_credentials,
    load_models,
    models_dir,
    parse_target,
)
from emulator.config import Settings
from emulator.harness.cassettes.pytest_config import cassette_dir, recording_config
from emulator.harness.embedded import Running, running
from emulator.harness.proxy.upstream import LWA_PATH

MARKERS = {
    "sandbox_verified": "must pass against Amazon's sandbox and the emulator",
    "emulator_only": "the emulator's own behaviour (state, lifecycles, throttling)",
    "known_difference": "known_difference(reason, raises=AssertionError): reality differs "
                        "from the models; a strict xfail",
}
HERE = Path(__file__).resolve().parent
SANDBOX_INTERVAL = 0.21  # Amazon's sandbox: 5 requests per second for every operation


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contracts", "SP-API contract suite")
    group.addoption("--target", default="emulator",
                    help="emulator (started here; default), sandbox (Amazon's sandbox, LWA "
                    "credentials from LWA_CLIENT_ID, LWA_CLIENT_SECRET, LWA_REFRESH_TOKEN) or "
                    "the URL of another deployment")
    group.addoption("--region", default="na", choices=("na", "eu", "fe"),
                    help="region of Amazon's sandbox (default na)")


def pytest_configure(config: pytest.Config) -> None:
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")


# -- the marker rule -------------------------------------------------------------------------


def _in_suite(item: pytest.Item) -> bool:
    return HERE in Path(str(item.path)).resolve().parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Exactly one fidelity marker per test, or collection fails (as LocalStack's does); then
    what the target decides: skips, and known differences as strict xfails."""
    ours = [item for item in items if _in_suite(item)]
    problems = []
    for item in ours:
        marks = [m for m in item.iter_markers() if m.name in MARKERS]
        if len(marks) != 1:
            names = ", ".join(m.name for m in marks) or "none"
            problems.append(f"{item.nodeid}: {len(marks)} fidelity markers ({names})")
        elif marks[0].name == "known_difference" and not marks[0].kwargs.get("reason"):
            problems.append(f"{item.nodeid}: known_difference needs a reason=")
    if problems:
        raise pytest.UsageError(
            "every contract test carries exactly one of " + ", ".join(MARKERS) + ":\n  "
            + "\n  ".join(problems))
    target = _target(config)
    for item in ours:
        _apply_target(item, target, config)


def _apply_target(item: pytest.Item, target: Target, config: pytest.Config) -> None:
    mark = next(m for m in item.iter_markers() if m.name in MARKERS)
    if mark.name == "known_difference":
        item.add_marker(pytest.mark.xfail(reason=mark.kwargs["reason"], strict=True,
                                          raises=mark.kwargs.get("raises", AssertionError)))
    if mark.name == "emulator_only" and target.kind == "sandbox":
        item.add_marker(pytest.mark.skip(reason="emulator_only: runs against the emulator"))
        return
    replaying = item.get_closest_marker("vcr") is not None and _record_mode(config) == "none"
    if target.kind == "sandbox" and env_credentials() is None and not replaying:
        item.add_marker(pytest.mark.skip(
            reason="Amazon's sandbox needs LWA credentials: set LWA_CLIENT_ID, "
            "LWA_CLIENT_SECRET and LWA_REFRESH_TOKEN (a production app's; the sandbox takes "
            "them)"))


def _record_mode(config: pytest.Config) -> str:
    return str(config.getoption("--record-mode", default=None) or "none")


def _target(config: pytest.Config) -> Target:
    try:
        return parse_target(config.getoption("--target"), config.getoption("--region"))
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None


# -- the target's clients --------------------------------------------------------------------


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> Target:
    return _target(pytestconfig)


def _embedded(**settings: object) -> Iterator[Running]:
    with running(Settings(models_dir=models_dir(), port=0, **settings)) as server:  # type: ignore[arg-type]
        yield server


@pytest.fixture(scope="session")
def sandbox_emulator() -> Iterator[Running]:
    """`--target emulator`: Amazon's static sandbox, as the emulator serves it."""
    yield from _embedded(mode="sandbox", throttle="off")


@pytest.fixture(scope="session")
def emulate_emulator() -> Iterator[Running]:
    """`--target emulator`: the emulator itself."""
    yield from _embedded(mode="emulate", throttle="off")


def _api(target: Target, server: Running | None = None) -> Api:
    credentials = env_credentials()
    if target.kind == "emulator" or credentials is None:
        credentials = emulator_credentials()
    if server is not None:
        return Api(server.base_url, server.base_url + LWA_PATH, credentials)
    pace = SANDBOX_INTERVAL if target.kind == "sandbox" else 0.0
    return Api(target.base_url, target.lwa_url, credentials, target.rdt_url, pace)


@pytest.fixture(scope="session")
def deployment(target: Target) -> Iterator[tuple[Api, str]]:
    """`--target URL`: the deployment, and whether it answers like Amazon's static sandbox
    ("sandbox") or like the emulator ("emulate"): a valid request that no static case matches
    gets 400 "Could not match input arguments" from the sandbox only."""
    api = _api(target)
    try:
        probe = api.send(UNMATCHED_GET_ORDERS, operation=load_models().operation(GET_ORDERS))
    except httpx.HTTPError as error:
        pytest.skip(f"{target.name} is not reachable: {error}")
    mode = "sandbox" if probe.status_code == 400 and COULD_NOT_MATCH in probe.text else "emulate"
    yield api, mode
    api.close()


@pytest.fixture(scope="session")
def sandbox_api(target: Target, request: pytest.FixtureRequest) -> Iterator[Api]:
    """The endpoint that answers like Amazon's sandbox: the sandbox-mode emulator, Amazon's
    sandbox itself, or the `--target` URL when it does."""
    if target.kind == "url":
        api, mode = request.getfixturevalue("deployment")
        if mode != "sandbox":
            pytest.skip(f"sandbox_verified: {target.name} answers as the emulator does, not as "
                        "Amazon's static sandbox (serve it with --mode sandbox)")
        yield api
        return
    server = request.getfixturevalue("sandbox_emulator") if target.kind == "emulator" else None
    api = _api(target, server)
    yield api
    api.close()


def _emulator_api(target: Target, request: pytest.FixtureRequest) -> Api:
    """The emulator in emulate mode: one started here, or the `--target` URL if it is one
    (answers in emulate mode, and has the control plane)."""
    if target.kind == "sandbox":
        pytest.skip("emulator_only: runs against the emulator")
    if target.kind == "emulator":
        return _api(target, request.getfixturevalue("emulate_emulator"))
    api, mode = request.getfixturevalue("deployment")
    if mode != "emulate":
        pytest.skip(f"emulator_only: {target.name} answers as Amazon's static sandbox "
                    "(serve it with --mode emulate)")
    if api.control("GET", "/_emulator/health").status_code != 200:
        pytest.skip(f"emulator_only: {target.name} has no emulator control plane")
    return api


@pytest.fixture(scope="session")
def emulator_api(target: Target, request: pytest.FixtureRequest) -> Iterator[Api]:
    api = _emulator_api(target, request)
    yield api
    if target.kind == "emulator":
        api.close()


@pytest.fixture
def throttled_api(target: Target, request: pytest.FixtureRequest) -> Iterator[Api]:
    """An emulator that throttles as Amazon does: a fresh one here (so no other test's
    requests count), or the `--target` URL as it is deployed."""
    if target.kind == "emulator":
        with running(Settings(models_dir=models_dir(), port=0, throttle="amazon")) as server:
            api = _api(target, server)
            yield api
            api.close()
        return
    yield _emulator_api(target, request)


# -- recording (pytest-recording) ------------------------------------------------------------


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, object]:
    return recording_config()


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest, target: Target) -> str:
    """fixtures/cassettes/contracts/<target>/<module>: each target keeps its own recordings."""
    return str(cassette_dir(Path(str(request.node.path)), target.slug))


@pytest.fixture(autouse=True)
def _cassette_exists(request: pytest.FixtureRequest) -> None:
    """Replaying (`--record-mode=none`, the default) a test never recorded for this target
    is a skip that says how to record it, not a confusing failure."""
    if request.node.get_closest_marker("vcr") is None:
        return
    if _record_mode(request.config) != "none":
        return
    directory = Path(request.getfixturevalue("vcr_cassette_dir"))
    name = request.getfixturevalue("default_cassette_name")
    if not (directory / f"{name}.yaml").exists():
        pytest.skip(f"no cassette {directory / name}.yaml for this target: record it with "
                    "--record-mode=once")
