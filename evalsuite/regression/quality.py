"""The quality layer: did a candidate run get worse than a baseline run, beyond chance and beyond a
minimum effect?

For each metric, the videos of both runs are paired by prompt id (only prompts scored "ok" in both).
With d_i the per-prompt degradation (baseline - candidate when higher is better, else the reverse):

    wilcoxon   one-sided Wilcoxon signed-rank test of H0: d is symmetric about 0 vs d shifted > 0
               (scipy.stats.wilcoxon, zero differences dropped); the degradation it reports is the
               test's own estimate, Hodges–Lehmann's (median of the Walsh averages), with its
               distribution-free 95% interval (evalsuite/paired.py)
    bootstrap  one-sided percentile bootstrap of the mean of d: p = share of resampled means <= 0
               (scipy.stats.bootstrap, prompts resampled in pairs); the degradation is the mean of d
               with the same bootstrap's 95% interval

Each method's verdict is stated with the estimate that belongs to its test, so a metric is never called
worse with a degradation of the other sign: with skewed differences (most prompts a little better, a few
much worse) the signed-rank test and the mean can point opposite ways. `mean_degradation` is always
reported beside it.

The p-values of all metrics are Holm-corrected (evalsuite/multitest.py), so `alpha` bounds the chance that any
metric is flagged when nothing changed. A metric fails the gate when its corrected p ≤ alpha AND its
degradation (the test's estimate) is at least its minimum effect (`min_effect`, or `min_relative_effect`
x |baseline mean|): a significant but negligible drop over many prompts does not fail a build. Every
degradation gets a 95% interval. No torch here: this runs in a second on any machine.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from evalsuite.errors import SuiteError
from evalsuite.multitest import holm
from evalsuite.paired import hodges_lehmann, rejects, wilcoxon_p


class RunTableError(SuiteError):
    """A run's score table cannot be read or compared."""


SCORE_COLUMNS = ("prompt_id", "metric", "value", "status")
ESTIMATES = {"wilcoxon": "Hodges–Lehmann", "bootstrap": "mean"}


def load_scores(path: str | Path) -> pd.DataFrame:
    """A run's per-video metric table: a run folder (its scores.parquet) or a .parquet / .csv file."""
    path = Path(path).expanduser()
    if path.is_dir():
        path = path / "scores.parquet"
    if not path.is_file():
        raise RunTableError(
            f"{path}: no such score table; give a run folder (with scores.parquet) or a .parquet/.csv file"
        )
    try:
        table = pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
    except Exception as err:
        raise RunTableError(f"{path}: cannot read the score table ({type(err).__name__}: {err})") from None
    missing = [c for c in ("prompt_id", "metric", "value") if c not in table.columns]
    if missing:
        raise RunTableError(
            f"{path}: missing column(s) {missing}; a score table has {', '.join(SCORE_COLUMNS)}"
        )
    return table


def _ok_values(table: pd.DataFrame, which: str) -> pd.DataFrame:
    status = table["status"] if "status" in table.columns else pd.Series("ok", index=table.index)
    ok = table[status == "ok"]
    bad = ok[~np.isfinite(ok["value"].to_numpy(dtype=float))]
    if len(bad):
        first = bad.iloc[0]
        raise RunTableError(
            f"{which} run: {len(bad)} NaN or infinite value(s) marked ok, e.g. ({first['prompt_id']}, "
            f"{first['metric']}); a video a metric could not score must have status other than ok"
        )
    dupes = ok.duplicated(["prompt_id", "metric"])
    if dupes.any():
        first = ok[dupes].iloc[0]
        raise RunTableError(
            f"{which} run: {int(dupes.sum())} duplicate (prompt_id, metric) rows, e.g. "
            f"({first['prompt_id']}, {first['metric']}); a run scores each prompt once per metric"
        )
    return ok.set_index(["metric", "prompt_id"])["value"].astype(float)


@dataclass
class QualityResult:
    table: pd.DataFrame  # one row per metric
    alpha: float
    method: str

    @property
    def passed(self) -> bool:
        return not (self.table["verdict"] == "degraded").any()

    @property
    def degraded(self) -> list[str]:
        return self.table.loc[self.table["verdict"] == "degraded", "metric"].tolist()

    def markdown(self, title: str = "Quality gate") -> str:
        status = "PASSED" if self.passed else f"FAILED: {', '.join(self.degraded)} degraded"
        t = self.table
        view = pd.DataFrame(
            {
                "metric": t["metric"].map(lambda m: f"`{m}`"),
                "pairs": t["n_pairs"],
                "baseline": t["baseline_mean"].map(lambda v: f"{v:.4g}"),
                "candidate": t["candidate_mean"].map(lambda v: f"{v:.4g}"),
                f"degradation ({ESTIMATES[self.method]}) [95% CI]": [
                    f"{d:+.4g} [{lo:+.4g}, {hi:+.4g}]"
                    for d, lo, hi in zip(t["degradation"], t["ci95_low"], t["ci95_high"], strict=True)
                ],
                "min effect": t["min_effect"].map(lambda v: f"{v:.4g}"),
                "p": t["p_value"].map(lambda v: f"{v:.3g}"),
                "p (Holm)": t["p_holm"].map(lambda v: f"{v:.3g}"),
                "verdict": t["verdict"],
            }
        )
        lines = [
            f"## {title}: {status}",
            "",
            f"Paired per-prompt {'Wilcoxon signed-rank' if self.method == 'wilcoxon' else 'bootstrap'} test per "
            f"metric, one-sided (worse), Holm-corrected, significant when p (Holm) ≤ {self.alpha}; a metric "
            f"fails when its degradation ({ESTIMATES[self.method]}, the test's own estimate) is significant, "
            "positive and at least its minimum effect. Degradation is in the metric's "
            "units, positive = worse.",
            "",
            view.to_markdown(index=False),
        ]
        unpaired = t[(t["only_baseline"] > 0) | (t["only_candidate"] > 0)]
        for row in unpaired.itertuples():
            lines.append(
                f"\n`{row.metric}`: {row.only_baseline} prompt(s) only in the baseline and "
                f"{row.only_candidate} only in the candidate were left out (failed or missing videos)."
            )
        return "\n".join(lines) + "\n"


def _bootstrap_means(d: np.ndarray, n_resamples: int, rng: np.random.Generator):
    """The paired percentile bootstrap of the mean degradation; None when d is empty or constant (then
    every resample has the same mean)."""
    if len(d) < 2 or np.all(d == d[0]):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        return stats.bootstrap((d,), np.mean, n_resamples=n_resamples, method="percentile", rng=rng)


def _p_value(d: np.ndarray, method: str, boot, n_resamples: int) -> float:
    if len(d) == 0 or np.all(d == 0):
        return 1.0
    if method == "wilcoxon":
        return wilcoxon_p(d, alternative="greater")
    if boot is None:  # every prompt moved by the same amount: the bootstrap distribution is a point
        return 0.0 if d[0] > 0 else 1.0
    return float(max(np.mean(boot.bootstrap_distribution <= 0), 1.0 / (n_resamples + 1)))


def _interval(d: np.ndarray, boot) -> tuple[float, float]:
    if boot is None:
        value = float(d[0]) if len(d) else np.nan
        return value, value
    return float(boot.confidence_interval.low), float(boot.confidence_interval.high)


def compare_runs(
    baseline: pd.DataFrame,
    candidate: pd.DataFrame,
    higher_is_better: Mapping[str, bool],
    *,
    method: str = "wilcoxon",
    alpha: float = 0.05,
    min_effect: Mapping[str, float] | None = None,
    min_relative_effect: float = 0.01,
    n_resamples: int = 2000,
    seed: int = 0,
    metrics: list[str] | None = None,
    intervals: bool = True,
) -> QualityResult:
    """The quality gate on two score tables (columns prompt_id, metric, value[, status]).

    `intervals=False` skips the bootstrap intervals (which do not enter the verdict), for simulations."""
    base = _ok_values(baseline, "baseline")
    cand = _ok_values(candidate, "candidate")
    shared = sorted(set(base.index.get_level_values(0)) & set(cand.index.get_level_values(0)))
    names = metrics if metrics is not None else shared
    for name in names:
        if name not in shared:
            raise RunTableError(
                f"metric {name!r} is not scored in both runs (both have: {', '.join(shared) or 'none'})"
            )
        if name not in higher_is_better:
            raise RunTableError(f"metric {name!r}: its direction is unknown; pass higher_is_better[{name!r}]")
    if not names:
        raise RunTableError("the two runs share no scored metric")
    rows = []
    for i, name in enumerate(names):
        b, c = base.loc[name], cand.loc[name]
        prompts = b.index.intersection(c.index)
        sign = 1.0 if higher_is_better[name] else -1.0
        d = sign * (b[prompts].to_numpy() - c[prompts].to_numpy())
        rng = np.random.default_rng([seed, i])
        if method == "wilcoxon":
            hl = hodges_lehmann(d) if len(d) else None
            estimate = hl.estimate if hl else np.nan
            low, high = (hl.low, hl.high) if hl and intervals else (np.nan, np.nan)
        else:  # one bootstrap serves both the interval and the p-value
            boot = _bootstrap_means(d, n_resamples, rng)
            estimate = float(d.mean()) if len(d) else np.nan
            low, high = _interval(d, boot) if intervals else (np.nan, np.nan)
        threshold = (min_effect or {}).get(
            name, min_relative_effect * abs(float(b[prompts].mean())) if len(prompts) else 0.0
        )
        rows.append(
            {
                "metric": name,
                "n_pairs": len(prompts),
                "only_baseline": len(b.index.difference(c.index)),
                "only_candidate": len(c.index.difference(b.index)),
                "baseline_mean": float(b[prompts].mean()) if len(prompts) else np.nan,
                "candidate_mean": float(c[prompts].mean()) if len(prompts) else np.nan,
                "degradation": estimate,
                "mean_degradation": float(d.mean()) if len(d) else np.nan,
                "ci95_low": low,
                "ci95_high": high,
                "min_effect": float(threshold),
                "p_value": _p_value(d, method, None if method == "wilcoxon" else boot, n_resamples),
            }
        )
    table = pd.DataFrame(rows)
    p_holm = holm(table["p_value"].to_numpy())
    reject = rejects(p_holm, alpha)
    table["p_holm"] = p_holm
    worse = reject & (table["degradation"] > 0)  # never "worse" against the test's own estimate
    degraded = worse & (table["degradation"] >= table["min_effect"])
    table["verdict"] = np.where(degraded, "degraded", np.where(worse, "worse, below min effect", "ok"))
    return QualityResult(table, alpha, method)
