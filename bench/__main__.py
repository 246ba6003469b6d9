"""`python -m bench [--seconds S] [--runs N]`: every benchmark, with ratios to its baseline."""

from __future__ import annotations

import argparse

from bench import (
    core,
    fba,
    inspector,
    living,
    reports,
    restart,
    shipping,
    startup,
    state,
    synth,
)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each load run")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median reported)")
    parser.add_argument("--only", choices=("core", "state", "reports", "synth", "fba",
                                           "shipping", "inspector", "living", "restart",
                                           "startup"),
                        help="run one group")
    args = parser.parse_args()
    if args.only in (None, "startup"):
        print("\n".join(startup.report(startup.measure(args.seconds, args.runs))), flush=True)
    if args.only in (None, "core"):
        print("\n".join(core.report(core.measure(args.seconds, args.runs))), flush=True)
    if args.only in (None, "state"):
        print("\n".join(state.report(state.measure(args.seconds, args.runs))), flush=True)
    if args.only in (None, "reports"):
        print("\n".join(reports.report(reports.measure(args.seconds, args.runs))), flush=True)
    if args.only in (None, "synth"):
        print("\n".join(synth.report(synth.measure())), flush=True)
    if args.only in (None, "fba"):
        print("\n".join(fba.report(fba.measure(args.seconds, args.runs))), flush=True)
    if args.only in (None, "shipping"):
        print("\n".join(shipping.report(shipping.measure(args.seconds, args.runs))), flush=True)
    if args.only in (None, "inspector"):
        print("\n".join(inspector.report(inspector.measure(args.seconds, args.runs))),
              flush=True)
    if args.only in (None, "living"):
        print("\n".join(living.report(living.measure(args.seconds, args.runs))), flush=True)
    if args.only in (None, "restart"):
        print("\n".join(restart.report(restart.measure(args.seconds, args.runs))), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
