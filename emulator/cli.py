"""The `spapi-emulator` command (also `python -m emulator`).

    spapi-emulator [serve] [--host H] [--port P] [--mode emulate|sandbox] [--models DIR] [--seed N]
                           [--auth strict|open|none] [--throttle amazon|sandbox|off|scale:N] ...
    spapi-emulator models [--dir DIR]      download Amazon's models at the pinned commit
    spapi-emulator credentials             ready-to-paste client settings for the default seller
    spapi-emulator proxy|replay|cassettes  the contract tools (emulator/harness/commands.py)
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from emulator import __version__
from emulator.auth.accounts import Accounts, AccountsError
from emulator.business import scenario as scenarios
from emulator.business.marketplaces import MARKETPLACES
from emulator.config import AUTH_MODES, FIXTURES, LIFECYCLES, MODES, Settings, is_loopback
from emulator.harness import commands as contract_cli
from emulator.models import source as modelsource
from emulator.runtime import deferred_imports
from emulator.runtime.faults import FaultRuleError, Faults
from emulator.runtime.rng import Randomness
from emulator.runtime.throttle import ThrottleMode

COMMANDS = ("serve", "models", "credentials", "coverage", *contract_cli.COMMANDS)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spapi-emulator",
        description="A local emulator of Amazon's Selling Partner API, driven by Amazon's models.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the emulator (the default command)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to bind (default 127.0.0.1; the emulator is for this machine)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--mode", choices=MODES, default="emulate",
                       help="emulate: the stateful emulator (default); "
                       "sandbox: Amazon's static sandbox")
    serve.add_argument("--models", metavar="DIR",
                       help=f"Amazon's models (default ${modelsource.ENV_VAR}, then the cache)")
    serve.add_argument("--seed", type=int, default=1, help="seed of all generated data (default 1)")
    serve.add_argument("--public-url", metavar="URL",
                       help="base URL clients use to reach the emulator (default http://HOST:PORT)")
    serve.add_argument("--auth", choices=AUTH_MODES, default="strict",
                       help="strict: only the registered apps and sellers (default); open: any "
                       "well-formed credentials, one seller per refresh token; none: no token "
                       "needed (not SP-API's behaviour)")
    serve.add_argument("--token-ttl", type=int, default=3600, metavar="SECONDS",
                       help="lifetime of LWA access tokens (default 3600)")
    serve.add_argument("--throttle", default=None, metavar="MODE",
                       help="amazon (the models' usage plans; default), sandbox (5/s, burst 15; "
                       "default with --mode sandbox), off, or scale:N (rates x N)")
    serve.add_argument("--journal-size", type=int, default=10_000, metavar="N",
                       help="requests kept in the journal (default 10000; 0 turns it off)")
    serve.add_argument("--journal-bodies", type=int, default=1000, metavar="N",
                       help="of the most recent requests, how many keep their bodies for the "
                       "inspector (default 1000; each body cut at 16 KiB; 0 keeps none)")
    serve.add_argument("--cassettes", metavar="DIR", default=str(FIXTURES / "cassettes"),
                       help="cassettes the inspector lists and checks for drift (default "
                       "fixtures/cassettes)")
    serve.add_argument("--faults", metavar="FILE", help="fault rules to load (YAML or JSON)")
    serve.add_argument("--accounts", metavar="FILE", default=str(FIXTURES / "accounts.yaml"),
                       help="apps and sellers (default fixtures/accounts.yaml)")
    serve.add_argument("--scenario", metavar="FILE",
                       default=str(FIXTURES / "scenarios" / "default.yaml"),
                       help="the sellers' generated business (default "
                       "fixtures/scenarios/default.yaml)")
    serve.add_argument("--scale", type=int, metavar="ORDERS",
                       help="orders per seller, replacing the scenario's counts")
    serve.add_argument("--lifecycle", choices=LIFECYCLES, default="fast",
                       help="how long reports and feeds take: instant, fast (seconds; "
                       "default) or realistic (minutes, as Amazon)")
    serve.add_argument("--sqs-endpoint", metavar="URL",
                       help="SQS API that notifications to SQS destinations are sent to "
                       "(e.g. moto or LocalStack); without it they are only recorded")
    serve.add_argument("--eventbridge-endpoint", metavar="URL",
                       help="EventBridge API for EventBridge destinations (PutEvents); "
                       "without it they are only recorded")
    serve.add_argument("--webhook", metavar="URL",
                       help="also POST every notification message (JSON) to this URL")
    serve.add_argument("--state-file", metavar="PATH",
                       help="restore the state from PATH at start and persist every change")
    serve.add_argument("--tls", action="store_true",
                       help="serve HTTPS with a self-signed certificate made at start (its "
                       "path is printed; trust it in the client)")
    serve.add_argument("--tls-cert", metavar="PEM", help="serve HTTPS with this certificate")
    serve.add_argument("--tls-key", metavar="PEM", help="the private key of --tls-cert")
    serve.add_argument("--live", choices=("on", "off"), default="on",
                       help="on: the business goes on after the scenario's anchor, on the "
                       "emulator clock (default); off: it stands still at the anchor, plus "
                       "what clients do")
    serve.add_argument("--document-budget", type=int, default=64, metavar="MB",
                       help="megabytes of report and feed documents kept in memory; past it "
                       "the oldest go first (default 64)")
    serve.add_argument("--control-token", metavar="TOKEN",
                       default=os.environ.get("SPAPI_EMULATOR_CONTROL_TOKEN") or None,
                       help="the control plane answers only requests carrying it in the "
                       "x-emulator-control-token header (default $SPAPI_EMULATOR_CONTROL_TOKEN); "
                       "the inspector asks for it too (that header, or its login page); "
                       "needed when --host is not a loopback address")
    serve.add_argument("--deterministic-tokens", action="store_true",
                       default=os.environ.get("SPAPI_EMULATOR_DETERMINISTIC_TOKENS") == "1",
                       help="draw access tokens, RDTs, codes, document ids and the URL signing "
                       "key from the seed (the same every run; anyone who knows the seed can "
                       "forge them) instead of the OS's CSPRNG")
    serve.add_argument("--log-level", default="warning",
                       choices=("critical", "error", "warning", "info", "debug"))
    serve.add_argument("--access-log", action="store_true", help="log every request")

    credentials = commands.add_parser(
        "credentials",
        help="print ready-to-paste settings for python-amazon-sp-api and amzn-sp-api")
    credentials.add_argument("--url", default="http://127.0.0.1:8000",
                             help="where the emulator runs (default http://127.0.0.1:8000)")
    credentials.add_argument("--accounts", metavar="FILE", default=str(FIXTURES / "accounts.yaml"))
    credentials.add_argument("--seller", metavar="SELLER_ID",
                             help="the seller to print (default: the first)")

    coverage = commands.add_parser(
        "coverage", help="how each operation is answered (stateful, sandbox case, synthesized)")
    coverage.add_argument("--models", metavar="DIR", help="Amazon's models (found as serve does)")
    coverage.add_argument("--readme", metavar="FILE",
                          help="rewrite the coverage table of this README instead of printing it")

    models = commands.add_parser("models", help="download Amazon's models at the pinned commit")
    models.add_argument("--dir", metavar="DIR", help=f"target (default {modelsource.cache_dir()})")
    models.add_argument("--force", action="store_true", help="download even if already cached")
    contract_cli.add_subcommands(commands)
    return parser


def _models_dir(option: str | None) -> Path | None:
    """Amazon's models (`--models`, else found as `make` finds them), or None after saying
    why not."""
    try:
        return modelsource.locate(option)
    except modelsource.ModelsNotFound as error:
        print(f"spapi-emulator: {error}", file=sys.stderr)
        return None


def _serve(args: argparse.Namespace) -> int:
    gc.disable()  # until the app is built (server.serve): start-up makes no garbage worth a pass
    # uvicorn's server without its command line (click, the reloaders): 0.013 s.
    deferred_imports.defer("uvicorn", provided={"Config": "uvicorn.config",
                                                "Server": "uvicorn.server"}, shadowed=("main",))
    # Connexion's validation modules only, not its apps (0.14 s); jinja2 and requests serve
    # them only for spec templates and remote `$ref`s, which the emulator never asks (0.06 s).
    # Only here, in a process that is the emulator's alone: where the emulator is embedded
    # (the pytest plugin, the proxy) the process is the user's, and its packages load as usual.
    for package in ("connexion", "connexion.middleware", "jinja2", "requests"):
        deferred_imports.defer(package, shadowed=("problem",) if package == "connexion" else ())
    from emulator.server import serve  # imported late: `models` and `--help` stay instant

    models_dir = _models_dir(args.models)
    if models_dir is None:
        return 2
    throttle = args.throttle or ("sandbox" if args.mode == "sandbox" else "amazon")
    problem = _check_serve_options(args, throttle)
    if problem:
        print(f"spapi-emulator: {problem}", file=sys.stderr)
        return 2
    tls_cert, tls_key = _tls_files(args)
    settings = Settings(
        tls_cert=tls_cert,
        tls_key=tls_key,
        models_dir=models_dir,
        host=args.host,
        port=args.port,
        mode=args.mode,
        seed=args.seed,
        public_url=args.public_url,
        auth=args.auth,
        token_ttl=args.token_ttl,
        throttle=throttle,
        journal_size=args.journal_size,
        journal_bodies=args.journal_bodies,
        cassettes_dir=Path(args.cassettes),
        accounts_file=Path(args.accounts),
        faults_file=Path(args.faults) if args.faults else None,
        scenario_file=Path(args.scenario),
        scale=args.scale,
        state_file=Path(args.state_file) if args.state_file else None,
        document_budget_mb=args.document_budget,
        lifecycle=args.lifecycle,
        sqs_endpoint=args.sqs_endpoint,
        eventbridge_endpoint=args.eventbridge_endpoint,
        webhook_url=args.webhook,
        live=args.live == "on",
        control_token=args.control_token,
        deterministic_tokens=args.deterministic_tokens,
    )
    return serve(settings, log_level=args.log_level, access_log=args.access_log)


def _tls_files(args: argparse.Namespace) -> tuple[Path | None, Path | None]:
    if args.tls_cert:
        return Path(args.tls_cert), Path(args.tls_key)
    if args.tls:
        from emulator.tls import self_signed  # imported late: cryptography only when needed

        return self_signed(args.host)
    return None, None


def _check_serve_options(args: argparse.Namespace, throttle: str) -> str | None:
    """One clear line for an option that would otherwise fail deep inside the start-up."""
    try:
        ThrottleMode.parse(throttle)
        Accounts.load(Path(args.accounts))
        if args.faults:
            Faults(Randomness(0)).load(Path(args.faults))
        scenarios.load(Path(args.scenario), args.scale)
    except (ValueError, AccountsError, FaultRuleError) as error:
        return str(error)
    if args.scale is not None and args.scale < 0:
        return "--scale must be 0 or more"
    if args.token_ttl < 1:
        return "--token-ttl must be at least 1 second"
    if args.journal_size < 0:
        return "--journal-size must be 0 or more"
    if bool(args.tls_cert) != bool(args.tls_key):
        return "--tls-cert and --tls-key go together"
    for option in (args.tls_cert, args.tls_key):
        if option and not Path(option).is_file():
            return f"no such file: {option}"
    if args.journal_bodies < 0:
        return "--journal-bodies must be 0 or more"
    if args.document_budget < 1:
        return "--document-budget must be at least 1 (MB)"
    if not is_loopback(args.host) and not args.control_token:
        return (f"--host {args.host} answers other machines: set --control-token (or "
                "SPAPI_EMULATOR_CONTROL_TOKEN) so that only you can drive the control plane")
    return None


def _credentials(args: argparse.Namespace) -> int:
    try:
        accounts = Accounts.load(Path(args.accounts))
    except AccountsError as error:
        print(f"spapi-emulator: {error}", file=sys.stderr)
        return 2
    app = accounts.apps[0]
    seller = accounts.seller(args.seller) if args.seller else accounts.sellers[0]
    if seller is None:
        print(f"spapi-emulator: no seller {args.seller!r} in {args.accounts}", file=sys.stderr)
        return 2
    token = accounts.refresh_token_of(seller, app)
    url = args.url.rstrip("/")
    scheme, _, host = url.partition("://")
    # The seller's home marketplace: its first, as the emulator's generated business has it.
    home = seller.marketplace_ids[0] if seller.marketplace_ids else "ATVPDKIKX0DER"
    market = MARKETPLACES.get(home)
    print(_CREDENTIALS.format(url=url, scheme=scheme + "://", host=host,
                              client_id=app.client_id, secret=app.client_secret, token=token,
                              seller=seller.seller_id, name=seller.name,
                              region=seller.region.upper(),
                              marketplaces=", ".join(seller.marketplace_ids),
                              marketplace=home, country=market.country if market else "US"))
    return 0


_CREDENTIALS = """\
# spapi-emulator at {url}: seller {seller} ({name}), region {region}, marketplaces {marketplaces}
# LWA token URL: {url}/auth/o2/token    SP-API endpoint: {url}

# --- environment ---
LWA_APP_ID={client_id}
LWA_CLIENT_SECRET={secret}
SP_API_REFRESH_TOKEN={token}
SP_API_REGION={region}
SP_API_MARKETPLACE_ID={marketplace}

# --- python-amazon-sp-api ---
from sp_api.api import Orders
from sp_api.auth import AccessTokenClient
from sp_api.base import Marketplaces

class EmulatorLWA(AccessTokenClient):
    scheme, host, path = "{scheme}", "{host}", "/auth/o2/token"

credentials = dict(refresh_token="{token}",
                   lwa_app_id="{client_id}",
                   lwa_client_secret="{secret}")
orders = Orders(marketplace=Marketplaces.{country}, credentials=credentials,
                auth_token_client_class=EmulatorLWA)
orders.endpoint = "{url}"
page = orders.get_orders(CreatedAfter="2020-01-01T00:00:00Z")
print(page.payload["Orders"][0]["AmazonOrderId"])

# --- amzn-sp-api (Amazon's official SDK) ---
from spapi import SPAPIClient, SPAPIConfig
from spapi.api.orders_v0.orders_v0_api import OrdersV0Api

config = SPAPIConfig(client_id="{client_id}",
                     client_secret="{secret}",
                     refresh_token="{token}", region="{region}")
client = SPAPIClient(config, oauth_endpoint="{url}/auth/o2/token", endpoint="{url}")
orders = OrdersV0Api(client.api_client)
page = orders.get_orders(marketplace_ids=["{marketplace}"], created_after="2020-01-01T00:00:00Z")
print(page.payload.orders[0].amazon_order_id)"""


def _coverage(args: argparse.Namespace) -> int:
    from emulator.app import EmulatorApp
    from emulator.gateway.coverage import coverage, markdown, replace_section

    models_dir = _models_dir(args.models)
    if models_dir is None:
        return 2
    app = EmulatorApp(Settings(models_dir=models_dir))
    try:
        table = markdown(coverage(app.models, app.answerer))
    finally:
        app.shutdown()
    if not args.readme:
        print(table)
        return 0
    readme = Path(args.readme)
    try:
        readme.write_text(replace_section(readme.read_text(), table))
    except ValueError:
        print(f"spapi-emulator: {readme} has no coverage markers", file=sys.stderr)
        return 1
    print(f"coverage table written to {readme}")
    return 0


def _models(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    target = Path(args.dir).expanduser().resolve() if args.dir else modelsource.cache_dir()
    cached = modelsource.is_models_dir(target) and not args.force
    if cached and modelsource.content_digest(target) == modelsource.CONTENT_DIGEST:
        print(f"models at commit {modelsource.PINNED_COMMIT[:12]} already in {target}")
        return 0
    with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                  TransferSpeedColumn(), transient=False) as bar:
        task = bar.add_task(f"{modelsource.REPOSITORY}@{modelsource.PINNED_COMMIT[:12]}",
                            total=None)

        def advance(chunk: int, total: int | None) -> None:
            bar.update(task, advance=chunk, total=total)

        try:
            path = modelsource.download(target, progress=advance)
        except modelsource.ChecksumMismatch as error:
            print(f"spapi-emulator: {error}", file=sys.stderr)
            return 1
        except OSError as error:
            print(f"spapi-emulator: could not download {modelsource.ARCHIVE_URL}: {error}",
                  file=sys.stderr)
            return 1
    print(f"models at commit {modelsource.PINNED_COMMIT[:12]} verified in {path}")
    print(f"use them with: export {modelsource.ENV_VAR}={path}  (or nothing: the cache is found)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    # `spapi-emulator --port 9000` means `spapi-emulator serve --port 9000`.
    if not args_list or (args_list[0] not in COMMANDS and args_list[0] not in
                         ("-h", "--help", "--version")):
        args_list.insert(0, "serve")
    args = _parser().parse_args(args_list)
    if args.command != "serve":
        gc.enable()  # python -m emulator turned it off for a start (see _serve)
    result = contract_cli.run(args)  # proxy, replay, cassettes
    if result is not None:
        return result
    if args.command == "models":
        return _models(args)
    if args.command == "credentials":
        return _credentials(args)
    if args.command == "coverage":
        return _coverage(args)
    return _serve(args)
