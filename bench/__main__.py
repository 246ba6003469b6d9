"""`python -m bench [--seconds S] [--runs N]`: every benchmark, with ratios to its baseline."""

from __future__ import annotations

import argparse

from bench import core


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each load run")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median reported)")
    args = parser.parse_args()
    figures = core.measure(args.seconds, args.runs)
    print("\n".join(core.report(figures)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
