"""The pytest plugin shipped with the package (emulator/harness/pytest_plugin.py, entry point
`pytest11`): inner pytest runs (pytester) that use its fixtures the way an application's test
suite would, with the plugin found through its entry point alone."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

# The inner runs need neither a cache nor hypothesis (whose terminal summary costs a second).
INNER = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")
README_EXAMPLE = Path(__file__).resolve().parents[1] / "client_tests" / "snippets" / \
    "pytest_example.py"


@pytest.fixture(autouse=True)
def _models(models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # pytester points HOME at a temporary directory (so no download cache): name the models.
    monkeypatch.setenv("SPAPI_MODELS_DIR", str(models_dir))
    for name in ("SPAPI_EMULATOR_THROTTLE", "SPAPI_EMULATOR_LIFECYCLE", "SPAPI_EMULATOR_LIVE"):
        monkeypatch.delenv(name, raising=False)


def test_the_entry_point_names_the_plugin() -> None:
    found = {e.name: e.value for e in entry_points(group="pytest11")}
    assert found.get("spapi_emulator") == "emulator.harness.pytest_plugin"


def test_the_readme_example_passes_as_printed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_orders=README_EXAMPLE.read_text())
    pytester.runpytest(*INNER).assert_outcomes(passed=1)


def test_fixtures_give_each_test_its_own_seller(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner="""
        import httpx

        SEEN = {}

        def lwa(credentials):
            return httpx.post(credentials.token_url, data={
                "grant_type": "refresh_token", "refresh_token": credentials.refresh_token,
                "client_id": credentials.client_id,
                "client_secret": credentials.client_secret}).json()["access_token"]

        def test_credentials(spapi_emulator, spapi_seller, spapi_credentials):
            app = spapi_emulator.app
            settings = app.settings
            # The defaults: open auth, Amazon's throttling (as the CLI), instant lifecycles,
            # a business standing still (the living store off).
            assert (settings.auth, settings.throttle, settings.lifecycle, settings.live) == (
                "open", "amazon", "instant", False)
            assert spapi_credentials.endpoint == spapi_emulator.base_url
            assert spapi_credentials.token_url == spapi_emulator.base_url + "/auth/o2/token"
            assert spapi_credentials.client_id == app.accounts.apps[0].client_id
            assert spapi_credentials.client_secret == app.accounts.apps[0].client_secret
            assert spapi_credentials.seller_id == spapi_seller.seller_id
            assert spapi_credentials.refresh_token == spapi_seller.refresh_token
            # LWA hands out a token of exactly this seller for the refresh token.
            grant = app.tokens.lookup(lwa(spapi_credentials))
            assert grant.seller.seller_id == spapi_seller.seller_id
            assert spapi_seller.seller_id not in [s.seller_id for s in app.accounts.sellers[:5]]
            SEEN["credentials"] = spapi_seller.seller_id

        def test_another(spapi_seller):
            SEEN["another"] = spapi_seller.seller_id

        def test_sellers_differ():
            assert len(set(SEEN.values())) == 2, SEEN
    """)
    pytester.runpytest(*INNER).assert_outcomes(passed=3)


def test_client_factories(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_clients="""
        from sp_api.api import Sellers
        from spapi.api.notifications_v1.notifications_api import NotificationsApi
        from spapi.api.sellers_v1.sellers_api import SellersApi

        def test_python_sp_api(spapi_python_sp_api, spapi_seller):
            sellers = spapi_python_sp_api(Sellers)
            assert sellers.endpoint.startswith("http://127.0.0.1:")
            answer = sellers.get_marketplace_participation().payload
            assert [p["marketplace"]["id"] for p in answer] == list(spapi_seller.marketplace_ids)

        def test_amzn_sp_api(spapi_amzn_client, spapi_seller):
            answer = SellersApi(spapi_amzn_client().api_client).get_marketplace_participations()
            assert [p.marketplace.id for p in answer.payload] == list(
                spapi_seller.marketplace_ids)

        def test_amzn_sp_api_grantless(spapi_amzn_client):
            grantless = spapi_amzn_client(scope="sellingpartnerapi::notifications")
            assert NotificationsApi(grantless.api_client).get_destinations().payload == []
    """)
    pytester.runpytest(*INNER).assert_outcomes(passed=3)


SETTINGS_TEST = """
    def test_settings(spapi_emulator):
        settings = spapi_emulator.app.settings
        assert (settings.throttle, settings.lifecycle) == ({throttle!r}, {lifecycle!r})
        assert settings.live is {live}
"""


def test_ini_options_set_throttle_lifecycle_and_live(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nspapi_emulator_throttle = off\nspapi_emulator_lifecycle = fast\n"
                     "spapi_emulator_live = on\n")
    pytester.makepyfile(SETTINGS_TEST.format(throttle="off", lifecycle="fast", live=True))
    pytester.runpytest(*INNER).assert_outcomes(passed=1)


def test_environment_wins_over_ini(pytester: pytest.Pytester,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPAPI_EMULATOR_THROTTLE", "scale:10")
    pytester.makeini("[pytest]\nspapi_emulator_throttle = off\n")
    pytester.makepyfile(SETTINGS_TEST.format(throttle="scale:10", lifecycle="instant", live=False))
    pytester.runpytest(*INNER).assert_outcomes(passed=1)


def test_a_bad_throttle_is_an_error_that_names_the_option(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nspapi_emulator_throttle = fast\n")
    pytester.makepyfile(SETTINGS_TEST.format(throttle="fast", lifecycle="instant", live=False))
    result = pytester.runpytest(*INNER)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*spapi_emulator_throttle: --throttle must be amazon, sandbox, "
                                 "off or scale:N (N > 0), not 'fast'*"])


def test_without_models_the_tests_are_skipped_saying_why(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = pytester.mkdir("no-models")
    monkeypatch.setenv("SPAPI_MODELS_DIR", str(empty))
    pytester.makepyfile("""
        def test_needs_the_emulator(spapi_credentials):
            raise AssertionError("ran without models")

        def test_does_not():
            pass
    """)
    result = pytester.runpytest(*INNER, "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines([f"*spapi_emulator: SPAPI_MODELS_DIR={empty} holds no Amazon "
                                 "models*spapi-emulator models*"])


def test_client_fixtures_skip_when_the_library_is_missing(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry in sys.modules makes `import sp_api` fail as if it were not installed.
    monkeypatch.setitem(sys.modules, "sp_api", None)
    monkeypatch.setitem(sys.modules, "spapi", None)
    pytester.makepyfile("""
        def test_python_sp_api(spapi_python_sp_api):
            pass

        def test_amzn(spapi_amzn_client):
            pass

        def test_credentials_still_work(spapi_credentials):
            assert spapi_credentials.refresh_token.startswith("Atzr|")
    """)
    result = pytester.runpytest(*INNER, "-rs")
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines(["*python-amazon-sp-api is not installed*",
                                 "*amzn-sp-api is not installed*"])


def test_loading_the_plugin_imports_neither_server_nor_clients() -> None:
    # Loaded by every pytest run in an environment with the package: it must stay cheap.
    probe = ("import sys, emulator.harness.pytest_plugin; "
             "print(sorted(m for m in ('connexion', 'uvicorn', 'sp_api', 'spapi') "
             "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
