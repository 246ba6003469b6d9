"""The `spapi-emulator` command (also `python -m emulator`).

    spapi-emulator [serve] [--host H] [--port P] [--mode emulate|sandbox] [--models DIR] [--seed N]
    spapi-emulator models [--dir DIR]      download Amazon's models at the pinned commit
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from emulator import __version__, modelsource
from emulator.config import MODES, Settings

COMMANDS = ("serve", "models")


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
    serve.add_argument("--log-level", default="warning",
                       choices=("critical", "error", "warning", "info", "debug"))
    serve.add_argument("--access-log", action="store_true", help="log every request")

    models = commands.add_parser("models", help="download Amazon's models at the pinned commit")
    models.add_argument("--dir", metavar="DIR", help=f"target (default {modelsource.cache_dir()})")
    models.add_argument("--force", action="store_true", help="download even if already cached")
    return parser


def _serve(args: argparse.Namespace) -> int:
    from emulator.server import serve  # imported late: `models` and `--help` stay instant

    try:
        models_dir = modelsource.locate(args.models)
    except modelsource.ModelsNotFound as error:
        print(f"spapi-emulator: {error}", file=sys.stderr)
        return 2
    settings = Settings(
        models_dir=models_dir,
        host=args.host,
        port=args.port,
        mode=args.mode,
        seed=args.seed,
        public_url=args.public_url,
    )
    return serve(settings, log_level=args.log_level, access_log=args.access_log)


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
    if args.command == "models":
        return _models(args)
    return _serve(args)
