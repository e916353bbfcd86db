"""`hyvideo-eval regression`: the gate `nox -s regression` runs.

    hyvideo-eval regression [OVERRIDE ...]                   exactness layer against the golden file,
                                                             then the quality layer on its metric values
    hyvideo-eval regression --update-golden [OVERRIDE ...]   rewrite the golden file; print what moved
    hyvideo-eval regression --baseline RUN --candidate RUN   quality layer only, on two runs (run
                                                             folders with scores.parquet, or tables)

Exit status: 0 passed, 1 the gate failed, 2 a usage or input error. The Markdown summary is printed,
and appended to $GITHUB_STEP_SUMMARY when that is set (a CI job page), or written to --summary FILE.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from evalsuite.config import compose
from evalsuite.config.schema import QualityGateConfig
from evalsuite.errors import SuiteError


def higher_is_better(names) -> dict[str, bool]:
    from evalsuite.metrics import METRICS

    return {name: METRICS[name].higher_is_better for name in names if name in METRICS}


def quality_gate(baseline, candidate, cfg: QualityGateConfig, metrics: list[str] | None = None):
    """The quality layer with the settings of `regression.quality`, directions from the metric registry."""
    from evalsuite.regression.quality import compare_runs

    names = set(baseline["metric"]) | set(candidate["metric"])
    return compare_runs(
        baseline,
        candidate,
        higher_is_better(names),
        method=cfg.method,
        alpha=cfg.alpha,
        min_effect=cfg.min_effect,
        min_relative_effect=cfg.min_relative_effect,
        n_resamples=cfg.n_resamples,
        seed=cfg.seed,
        metrics=metrics,
    )


def _parse(args: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="hyvideo-eval regression", description=__doc__.split("\n\n")[0])
    parser.add_argument("--update-golden", action="store_true", help="rewrite the golden file from this code")
    parser.add_argument("--baseline", help="quality layer only: the baseline run (folder or score table)")
    parser.add_argument("--candidate", help="quality layer only: the candidate run (folder or score table)")
    parser.add_argument("--summary", help="also write the Markdown summary to this file")
    flags = [a for a in args if "=" not in a or a.startswith("--")]
    overrides = [a for a in args if "=" in a and not a.startswith("--")]

    def fail(message: str) -> None:
        raise SuiteError(f"regression: {message}; see `hyvideo-eval regression --help`")

    parser.error = fail  # one line instead of argparse's usage block
    options = parser.parse_args(flags)
    if (options.baseline is None) != (options.candidate is None):
        raise SuiteError("give both --baseline and --candidate, or neither (then the exactness layer runs)")
    if options.baseline and options.update_golden:
        raise SuiteError(
            "--update-golden rewrites the exactness golden file; it does not combine with --baseline"
        )
    return options, overrides


def _publish(markdown: str, summary: str | None) -> None:
    print(markdown)
    targets = [summary] if summary else []
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        targets.append(os.environ["GITHUB_STEP_SUMMARY"])
    for target in targets:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")


def regression_main(args: Sequence[str]) -> int:
    from evalsuite.metrics import check_names
    from evalsuite.regression import exactness
    from evalsuite.regression.quality import load_scores

    options, overrides = _parse(args)
    cfg = compose(["model=hyvideo_tiny", *overrides]) if not options.baseline else compose(overrides)
    check_names(cfg.regression.metrics, "regression.metrics", offline=True)
    if options.baseline:
        result = quality_gate(
            load_scores(options.baseline), load_scores(options.candidate), cfg.regression.quality
        )
        _publish(result.markdown(f"Quality gate: {options.candidate} vs {options.baseline}"), options.summary)
        return 0 if result.passed else 1

    golden_path = exactness.golden_path(cfg)
    tolerance = exactness.tolerance_for(cfg)
    # A missing, damaged or other-dtype golden file fails here, before the run.
    golden = None if options.update_golden else exactness.load_golden(golden_path, cfg.runtime.dtype)
    if golden is not None:
        exactness.check_golden_dtype(golden, cfg.runtime.dtype, golden_path)
    current = exactness.generate_outputs(cfg)
    if golden is None:
        if golden_path.is_file():
            moved = exactness.compare(
                exactness.load_golden(golden_path), current, tolerance, cfg.runtime.dtype
            )
            print(moved.markdown().replace("## Exactness", "## What moved since the old golden file", 1))
        else:
            print(f"no golden file at {golden_path} yet: writing the first one")
        exactness.save_golden(golden_path, current)
        print(
            f"golden file written: {golden_path} ({len(current.prompt_ids)} prompts); commit it with the change"
        )
        return 0
    comparison = exactness.compare(golden, current, tolerance, cfg.runtime.dtype)
    quality = quality_gate(golden.metrics, current.metrics, cfg.regression.quality)
    markdown = comparison.markdown() + "\n" + quality.markdown("Quality layer on the golden run's metrics")
    _publish(markdown, options.summary)
    print(comparison.summary_line(), file=sys.stderr)
    if not comparison.passed:
        print(
            f"if the change is intended: {exactness.update_command(cfg.runtime.dtype)} and commit the golden file",
            file=sys.stderr,
        )
    return 0 if comparison.passed and quality.passed else 1
