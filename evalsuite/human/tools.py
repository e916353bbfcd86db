"""Command-line tools of the human layer (argparse; called by `hyvideo-eval simulate-ratings | power`)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def simulate_ratings_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="hyvideo-eval simulate-ratings",
        description="Write a SYNTHETIC absolute-ratings campaign whose true pass rates you choose.",
    )
    parser.add_argument("--true-rates", required=True, help="CSV: model, one column per criterion[, overall]")
    parser.add_argument("--out", required=True, help="ratings file to write (.csv or .parquet)")
    parser.add_argument("--prompts", type=int, default=1533)
    parser.add_argument("--raters-per-video", type=int, default=5)
    parser.add_argument("--raters", type=int, default=60, help="size of the rater pool")
    parser.add_argument("--noise", type=float, default=0.1, help="probability a rater flips the true verdict")
    parser.add_argument("--bias-sd", type=float, default=0.0, help="rater leniency spread (log-odds)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(list(argv))

    from pathlib import Path

    import pandas as pd

    from evalsuite.data.atomic import atomic_path
    from evalsuite.human.ratings import RatingsError
    from evalsuite.human.simulate import simulate_absolute

    source = Path(args.true_rates)
    if not source.is_file():
        raise RatingsError(f"{source}: true-rates table not found")
    rates = pd.read_csv(source, dtype={"model": str}).set_index("model")
    overall = rates.pop("overall") if "overall" in rates.columns else None
    criteria = [c for c in rates.columns if pd.api.types.is_numeric_dtype(rates[c])]
    try:
        table = simulate_absolute(
            rates[criteria], overall=overall, n_prompts=args.prompts, raters_per_video=args.raters_per_video,
            n_raters=args.raters, noise=args.noise, bias_sd=args.bias_sd, seed=args.seed,
        )  # fmt: skip
    except ValueError as err:
        raise RatingsError(f"{source}: {err}") from err
    out = Path(args.out)
    with atomic_path(out) as tmp:
        table.to_parquet(tmp, index=False) if out.suffix == ".parquet" else table.to_csv(tmp, index=False)
    print(f"wrote {len(table):,} SYNTHETIC judgements ({len(rates)} models, criteria {criteria}) to {out}")
    return 0


def power_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="hyvideo-eval power",
        description="Prompts needed for McNemar's test to separate two pass rates (evalsuite/human/power.py).",
    )
    parser.add_argument("rate_a", type=float)
    parser.add_argument("rate_b", type=float)
    parser.add_argument("--raters-per-video", type=int, nargs="+", default=[1, 3, 5])
    parser.add_argument("--noise", type=float, default=0.1, help="probability a rater flips the true verdict")
    parser.add_argument("--correlation", type=float, nargs="+", default=[0.0, 0.3, 0.6],
                        help="correlation of the two models' verdicts on one prompt")  # fmt: skip
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--power", type=float, default=0.8)
    parser.add_argument(
        "--check", action="store_true", help="confirm r=0 rows by simulation (when n <= 50,000)"
    )
    args = parser.parse_args(list(argv))

    from evalsuite.human.power import prompts_needed, simulated_power

    print(
        f"prompts needed to tell {args.rate_a:.1%} from {args.rate_b:.1%} (McNemar, alpha {args.alpha}, "
        f"power {args.power:.0%}, rater noise {args.noise})"
    )
    print(f"{'raters/video':>12} {'verdict corr.':>13} {'prompts':>12} {'simulated power':>16}")
    for raters in args.raters_per_video:
        for correlation in args.correlation:
            n = prompts_needed(args.rate_a, args.rate_b, raters_per_video=raters, noise=args.noise,
                               correlation=correlation, alpha=args.alpha, power=args.power)  # fmt: skip
            check = ""
            if args.check and correlation == 0 and n <= 50_000:
                check = f"{simulated_power(args.rate_a, args.rate_b, n, raters_per_video=raters, noise=args.noise, alpha=args.alpha):.2f}"
            print(f"{raters:>12} {correlation:>13.2f} {n:>12,} {check:>16}")
    return 0
