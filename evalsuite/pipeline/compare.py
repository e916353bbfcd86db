"""The comparison stage: several systems' scores -> statistics -> comparison report.

Two entry points that write the same tables for the same inputs:

* the joint job (`nox -s eval -- compare=<option>`), after scoring every system in one engine, writes
  `<run folder>/comparison/`;
* `hyvideo-eval compare RUN_DIR [RUN_DIR ...] --out DIR` reads finished runs and recomputes nothing.

Everything the statistics need is checked first (published file, ratings, names), so a bad input stops
with one line before anything is written; the runs' own files are never touched.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

from evalsuite.compare import ComparisonData, compare, load_runs
from evalsuite.config.schema import CompareConfig, EvalConfig, HumanConfig
from evalsuite.pipeline.inputs import RunInputs, comparison_ratings, read_published
from evalsuite.report.comparison import write_comparison

log = logging.getLogger(__name__)


def build_comparison(data: ComparisonData, options: CompareConfig, published=None, ratings=None):
    """The comparison of `data` under `options`, with the `published` rows (`read_published`) and the
    human `ratings` (`evalsuite.pipeline.inputs.comparison_ratings`), both read and checked first."""
    return compare(
        data, aggregation=options.aggregation, alpha=options.alpha, n_resamples=options.n_resamples,
        seed=options.seed, published=published, ratings=ratings,
    )  # fmt: skip


def run_comparison(
    cfg: EvalConfig, data: ComparisonData, out_dir: Path, inputs: RunInputs, distribution=None
) -> dict[str, Path]:
    """The joint job's last stage: compare the systems it scored (`inputs`: the published rows and
    ratings the job read and checked before making any video; `distribution`: the set-level metrics'
    table, when computed)."""
    comparison = build_comparison(data, cfg.compare, inputs.published, inputs.comparison_ratings)
    comparison.distribution = distribution
    files = write_comparison(comparison, out_dir, cfg.report.title)
    log.info("comparison of %d systems: %s", len(data.systems), out_dir / "comparison.md")
    return files


def compare_main(args: Sequence[str]) -> int:
    """`hyvideo-eval compare RUN_DIR [RUN_DIR ...]`: compare finished runs without recomputing."""
    parser = argparse.ArgumentParser(
        prog="hyvideo-eval compare",
        description="Compare the systems of finished eval runs over one prompt set (nothing is recomputed). "
        "Systems appear in the order of the run folders.",
    )
    parser.add_argument(
        "runs", nargs="+", help="run folders (reports/<run_id>) with scores.parquet and run.json"
    )
    parser.add_argument("--out", default="reports/comparison", help="where to write (default: %(default)s)")
    parser.add_argument("--title", default=None)
    parser.add_argument(
        "--published",
        default=None,
        help="CSV of published numbers: system, metric, value, aggregation[, source]",
    )
    parser.add_argument(
        "--published-systems", default=None, help="comma-separated systems of that file to show"
    )
    parser.add_argument("--aggregation", choices=("per_video", "vbench"), default="per_video")
    parser.add_argument("--ratings", default=None, help="human ratings of the same systems (long format)")
    parser.add_argument("--scale", choices=("binary", "likert"), default="binary")
    parser.add_argument("--pass-threshold", type=int, default=4)
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    ns = parser.parse_args(list(args))
    options = CompareConfig(
        run_name="compare", published=ns.published,
        published_systems=ns.published_systems.split(",") if ns.published_systems else None,
        aggregation=ns.aggregation, alpha=ns.alpha, n_resamples=ns.resamples, seed=ns.seed,
    )  # fmt: skip
    human = HumanConfig(ratings=ns.ratings, scale=ns.scale, pass_threshold=ns.pass_threshold, output_dir="")
    data = load_runs(ns.runs)
    published = read_published(options, data.systems)
    ratings = comparison_ratings(human) if human.ratings else None
    comparison = build_comparison(data, options, published, ratings)
    from evalsuite.pipeline.distribution import read_run_distributions  # imports torch: only here

    comparison.distribution, notes = read_run_distributions([Path(f).expanduser() for f in ns.runs])
    comparison.notes += notes
    files = write_comparison(comparison, Path(ns.out).expanduser(), ns.title)
    ranks = comparison.statistics.ranks
    for metric in comparison.metrics:
        order = ranks[ranks["metric"] == metric]
        print(f"{metric}: " + ", ".join(f"{r.system} {r.rank}" for r in order.itertuples(index=False)))
    print(f"comparison of {len(data.systems)} systems: {files['comparison.md'].parent}")
    return 0
