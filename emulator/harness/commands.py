"""The contract-testing commands of `spapi-emulator` (wired into emulator/cli.py):

    spapi-emulator proxy --upstream emulator|sandbox-na|sandbox-eu|sandbox-fe|URL
                         [--port 8080] [--report FILE] [--ignore KIND,...]
    spapi-emulator replay DIR [--port 8000]
    spapi-emulator cassettes check DIR

Also runnable by itself: `python -m emulator.harness.commands proxy ...`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from emulator.config import MODES
from emulator.harness.proxy.kinds import KINDS
from emulator.models import source as modelsource

COMMANDS = ("proxy", "replay", "cassettes")


def add_subcommands(subparsers: Any) -> None:
    """Add `proxy`, `replay` and `cassettes` to the `spapi-emulator` subparsers."""
    proxy = subparsers.add_parser(
        "proxy", help="forward a client's SP-API and LWA traffic, checking it against the models")
    proxy.add_argument("--upstream", default="emulator", metavar="UPSTREAM",
                       help="emulator (started here; default), sandbox-na, sandbox-eu, "
                       "sandbox-fe (Amazon's sandbox and LWA), or the URL of an SP-API "
                       "deployment (its LWA at URL/auth/o2/token)")
    proxy.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    proxy.add_argument("--port", type=int, default=8080, help="port (default 8080; 0: any)")
    proxy.add_argument("--report", metavar="FILE", help="write the JSON report here at shutdown")
    proxy.add_argument("--ignore", action="append", default=[], metavar="KIND[,KIND]",
                       help=f"violation kinds that do not count: {', '.join(KINDS)}")
    proxy.add_argument("--models", metavar="DIR",
                       help=f"Amazon's models (default ${modelsource.ENV_VAR}, then the cache)")
    proxy.add_argument("--mode", choices=MODES, default="emulate",
                       help="mode of the emulator started for --upstream emulator")
    proxy.add_argument("--seed", type=int, default=1,
                       help="seed of the emulator started for --upstream emulator")

    replay = subparsers.add_parser(
        "replay", help="serve recorded interactions (cassettes) over HTTP")
    replay.add_argument("directory", metavar="DIR", help="cassettes (searched recursively)")
    replay.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    replay.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    replay.add_argument("--public-url", metavar="URL",
                        help="base URL that recorded document URLs are rewritten to "
                        "(default http://HOST:PORT)")

    cassettes = subparsers.add_parser("cassettes", help="work with recorded cassettes")
    actions = cassettes.add_subparsers(dest="cassettes_command", metavar="ACTION",
                                       required=True)
    check = actions.add_parser(
        "check", help="validate every recorded answer against the current models; exit 1 "
        "on drift")
    check.add_argument("directory", metavar="DIR", help="cassettes (searched recursively)")
    check.add_argument("--models", metavar="DIR",
                       help=f"Amazon's models (default ${modelsource.ENV_VAR}, then the cache)")


def run(args: argparse.Namespace) -> int | None:
    """Run the command if it is one of this module's; None for any other command."""
    command = getattr(args, "command", None)
    if command == "proxy":
        return _proxy(args)
    if command == "replay":
        return _replay(args)
    if command == "cassettes":
        return _cassettes_check(args)
    return None


def _fail(message: str) -> int:
    print(f"spapi-emulator: {message}", file=sys.stderr)
    return 2


def _models(option: str | None) -> Path | None:
    try:
        return modelsource.locate(option)
    except modelsource.ModelsNotFound as error:
        _fail(str(error))
        return None


def _proxy(args: argparse.Namespace) -> int:
    from emulator.harness.proxy.runner import ProxySettings, serve
    from emulator.harness.proxy.upstream import resolve
    from emulator.server import PortInUse

    ignore = frozenset(k.strip() for item in args.ignore for k in item.split(",") if k.strip())
    unknown = sorted(ignore - set(KINDS))
    if unknown:
        return _fail(f"--ignore: unknown kinds {', '.join(unknown)}; known: {', '.join(KINDS)}")
    try:
        resolve(args.upstream)
    except ValueError as error:
        return _fail(str(error))
    models_dir = _models(args.models)
    if models_dir is None:
        return 2
    settings = ProxySettings(
        upstream=args.upstream, models_dir=models_dir, host=args.host, port=args.port,
        report_file=Path(args.report) if args.report else None, ignore=ignore,
        emulator_mode=args.mode, seed=args.seed)
    try:
        return serve(settings)
    except PortInUse as error:
        print(f"spapi-emulator: {error}; choose another with --port", file=sys.stderr)
        return 1


def _replay(args: argparse.Namespace) -> int:
    from emulator.harness import replay
    from emulator.harness.cassettes.store import CassetteError
    from emulator.server import PortInUse

    directory = Path(args.directory)
    if not directory.exists():
        return _fail(f"no cassettes at {directory}")
    try:
        return replay.serve(directory, args.host, args.port, args.public_url)
    except CassetteError as error:
        return _fail(str(error))
    except PortInUse as error:
        print(f"spapi-emulator: {error}; choose another with --port", file=sys.stderr)
        return 1


def _cassettes_check(args: argparse.Namespace) -> int:
    from emulator.harness.cassettes.drift import DriftChecker
    from emulator.harness.cassettes.store import CassetteError
    from emulator.models import spec

    directory = Path(args.directory)
    if not directory.exists():
        return _fail(f"no cassettes at {directory}")
    models_dir = _models(args.models)
    if models_dir is None:
        return 2
    try:
        report = DriftChecker(spec.load(models_dir)).check(directory)
    except CassetteError as error:
        return _fail(str(error))
    print(report.format())
    return 1 if report.drifts else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="spapi-emulator",
                                     description="Contract-testing tools of spapi-emulator.")
    add_subcommands(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    result = run(parser.parse_args(argv))
    assert result is not None  # every subcommand here is one of ours
    return result


if __name__ == "__main__":
    sys.exit(main())
