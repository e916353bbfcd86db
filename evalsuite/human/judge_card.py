"""How far a VLM judge agrees with this prompt set's own raters: the judge card.

Per judge metric and the criterion it speaks to, on the videos both the judge and the raters scored:
- **pass decisions**: the judge passes a video at `value >= threshold` (the rubric's 4 of 5, a question
  score of 1/2, or as given); the raters' decision is their majority (a tie is left out and counted).
  Accuracy and Cohen's kappa of the two, each with a percentile bootstrap interval that resamples
  prompts (all videos of a prompt together, since a prompt's videos share its difficulty);
- **rank agreement**: Spearman's rho and Kendall's tau-b between the judge's value and the raters' mean
  (pass rate, or mean 1-5) per video, and between the per-system means (system level);
- **the judge against itself**: with a re-asked sample (the same videos asked again, e.g. with another
  seed), the kappa of its two pass decisions;
- **the ceiling**: the raters' own agreement in the same terms: each rating against the majority of the
  video's other ratings (videos with 3 or more ratings; ties left out), pooled accuracy and kappa. A
  judge near the ceiling agrees with the raters about as well as they agree with each other.

No torch here: pandas, scipy and statsmodels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.inter_rater import cohens_kappa

from evalsuite.human.ratings import Ratings

# The criterion each judge metric speaks to, and where it passes a video.
JUDGE_METRICS = {
    "judge_text_alignment": ("text_alignment", 4.0),
    "judge_motion_quality": ("motion_quality", 4.0),
    "judge_visual_quality": ("visual_quality", 4.0),
    "judge_questions": ("text_alignment", 0.5),
}


def kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa of two 0/1 decisions (statsmodels' on their 2×2 table); nan when undefined."""
    table = np.zeros((2, 2))
    np.add.at(table, (a.astype(int), b.astype(int)), 1)
    expected = (table.sum(1) @ table.sum(0)) / table.sum() ** 2 if table.sum() else 1.0
    if expected >= 1.0:  # both always say the same one thing: agreement beyond chance is undefined
        return float("nan")
    return float(cohens_kappa(table, return_results=False))


def _bootstrap(
    frame: pd.DataFrame, statistic, resamples: int, seed: int, confidence: float
) -> tuple[float, float]:
    """Percentile interval of `statistic(frame)` over prompts resampled with replacement."""
    if resamples < 1:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    groups = [g for _, g in frame.groupby("prompt_id", sort=True)]
    values = []
    for _ in range(resamples):
        picked = rng.integers(len(groups), size=len(groups))
        values.append(statistic(pd.concat([groups[i] for i in picked])))
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if not len(values):
        return float("nan"), float("nan")
    tail = 100 * (1 - confidence) / 2
    return float(np.percentile(values, tail)), float(np.percentile(values, 100 - tail))


def human_decisions(ratings: Ratings, criterion: str) -> pd.DataFrame:
    """Per video: the raters' mean (pass rate, or mean 1-5 on a Likert scale), their majority decision
    (nan on a tie) and how many rated it."""
    table = ratings.table[ratings.table["criterion"] == criterion]
    value = "value" if ratings.scale == "likert" else "passed"
    grouped = table.groupby(["prompt_id", "model"])
    out = pd.DataFrame(
        {
            "human_mean": grouped[value].mean().astype(float),
            "pass_rate": grouped["passed"].mean().astype(float),
            "raters": grouped.size(),
        }
    ).reset_index()
    out["human_pass"] = np.where(out["pass_rate"] > 0.5, 1.0, np.where(out["pass_rate"] < 0.5, 0.0, np.nan))
    return out


def rater_ceiling(ratings: Ratings, criterion: str) -> dict[str, float]:
    """Each rating against the majority of the same video's other ratings (3+ ratings, ties left out):
    pooled accuracy and kappa, and how many comparisons."""
    table = ratings.table[ratings.table["criterion"] == criterion]
    own, others = [], []
    for _, video in table.groupby(["prompt_id", "model"]):
        passed = video["passed"].to_numpy(dtype=float)
        if len(passed) < 3:
            continue
        for k in range(len(passed)):
            rest = np.delete(passed, k).mean()
            if rest != 0.5:
                own.append(passed[k])
                others.append(float(rest > 0.5))
    own_a, others_a = np.asarray(own), np.asarray(others)
    if not len(own_a):
        return {"ceiling_accuracy": float("nan"), "ceiling_kappa": float("nan"), "ceiling_n": 0}
    return {
        "ceiling_accuracy": float((own_a == others_a).mean()),
        "ceiling_kappa": kappa(own_a, others_a),
        "ceiling_n": len(own_a),
    }


def judge_card(
    scores: pd.DataFrame,
    ratings: Ratings,
    *,
    reasked: pd.DataFrame | None = None,
    thresholds: dict[str, float] | None = None,
    resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """One row per judge metric found in `scores` (an eval run's scores table: prompt_id, model, metric,
    value, status) whose criterion the raters rated; `reasked` is the same kind of table from asking the
    judge again. The columns are the module docstring's statistics."""
    thresholds = thresholds or {}
    ok = scores[scores["status"] == "ok"] if "status" in scores else scores
    rows = []
    for metric, (criterion, default) in JUDGE_METRICS.items():
        judged = ok[ok["metric"] == metric][["prompt_id", "model", "value"]]
        if judged.empty or criterion not in ratings.criteria:
            continue
        threshold = thresholds.get(metric, default)
        videos = judged.astype({"prompt_id": str}).merge(
            human_decisions(ratings, criterion), on=["prompt_id", "model"]
        )
        videos["judge_pass"] = (videos["value"] >= threshold).astype(float)
        decided = videos.dropna(subset=["human_pass"])

        def accuracy(f: pd.DataFrame) -> float:
            return float((f["judge_pass"] == f["human_pass"]).mean()) if len(f) else float("nan")

        def kappa_of(f: pd.DataFrame) -> float:
            return kappa(f["judge_pass"].to_numpy(), f["human_pass"].to_numpy()) if len(f) else float("nan")

        systems = videos.groupby("model")[["value", "human_mean"]].mean()
        row = {
            "metric": metric, "criterion": criterion, "threshold": threshold, "videos": len(videos),
            "ties_left_out": int(videos["human_pass"].isna().sum()), "prompts": videos["prompt_id"].nunique(),
            "accuracy": accuracy(decided), "kappa": kappa_of(decided),
        }  # fmt: skip
        row["accuracy_low"], row["accuracy_high"] = _bootstrap(decided, accuracy, resamples, seed, confidence)
        row["kappa_low"], row["kappa_high"] = _bootstrap(decided, kappa_of, resamples, seed, confidence)
        row["spearman_video"], row["kendall_video"] = _rank_agreement(videos["value"], videos["human_mean"])
        row["systems"] = len(systems)
        row["spearman_system"], row["kendall_system"] = _rank_agreement(
            systems["value"], systems["human_mean"]
        )
        row["self_kappa"], row["self_n"] = _self_agreement(judged, reasked, metric, threshold)
        row |= rater_ceiling(ratings, criterion)
        rows.append(row)
    return pd.DataFrame(rows)


def _rank_agreement(x: pd.Series, y: pd.Series) -> tuple[float, float]:
    """Spearman's rho and Kendall's tau-b (scipy's) of x and y; nan below 3 points."""
    if len(x) < 3:
        return float("nan"), float("nan")
    return float(stats.spearmanr(x, y).statistic), float(stats.kendalltau(x, y).statistic)


def _self_agreement(
    judged: pd.DataFrame, reasked: pd.DataFrame | None, metric: str, threshold: float
) -> tuple[float, int]:
    if reasked is None:
        return float("nan"), 0
    again = reasked[(reasked["metric"] == metric) & (reasked.get("status", "ok") == "ok")][
        ["prompt_id", "model", "value"]
    ]
    both = judged.merge(again, on=["prompt_id", "model"], suffixes=("", "_again"))
    if both.empty:
        return float("nan"), 0
    return kappa((both["value"] >= threshold).to_numpy(), (both["value_again"] >= threshold).to_numpy()), len(
        both
    )


JUDGE_CARD_NOTE = (
    "How far the VLM judge agrees with these raters: its pass decisions against their majority (accuracy, "
    "Cohen's kappa, prompt-bootstrap 95% intervals), rank correlations per video and per system, and beside "
    "them the raters' own agreement, the ceiling. Trust the judge on this prompt set only as far as its "
    "kappa approaches the raters'."
)


def card_lines(card: pd.DataFrame) -> list[str]:
    """The card as readable lines (the report's 'Judge card')."""
    lines = []
    for r in card.itertuples():
        lines.append(
            f"{r.metric} vs raters on {r.criterion} ({r.videos} videos, {r.prompts} prompts, pass at >= {r.threshold:g}): "
            f"accuracy {r.accuracy:.2f} [{r.accuracy_low:.2f}, {r.accuracy_high:.2f}], kappa {r.kappa:.2f} "
            f"[{r.kappa_low:.2f}, {r.kappa_high:.2f}]; raters among themselves: accuracy {r.ceiling_accuracy:.2f}, "
            f"kappa {r.ceiling_kappa:.2f}; Spearman {r.spearman_video:.2f} (videos), {r.spearman_system:.2f} "
            f"({r.systems} systems); the judge against itself: kappa {r.self_kappa:.2f} on {r.self_n} videos"
        )
    return lines


def card_view(card: pd.DataFrame) -> pd.DataFrame:
    """The card as a table to show: one row per judge metric (κ Cohen's kappa, ρ Spearman's)."""

    def f(value: float) -> str:
        return "–" if pd.isna(value) else f"{value:.2f}"

    return pd.DataFrame(
        {
            "judge metric": card["metric"],
            "criterion": card["criterion"],
            "videos": card["videos"],
            "accuracy [95% CI]": [
                f"{f(a)} [{f(lo)}, {f(hi)}]"
                for a, lo, hi in zip(
                    card["accuracy"], card["accuracy_low"], card["accuracy_high"], strict=True
                )
            ],
            "κ [95% CI]": [
                f"{f(k)} [{f(lo)}, {f(hi)}]"
                for k, lo, hi in zip(card["kappa"], card["kappa_low"], card["kappa_high"], strict=True)
            ],
            "raters' κ (ceiling)": card["ceiling_kappa"].map(f),
            "ρ videos": card["spearman_video"].map(f),
            "ρ systems": card["spearman_system"].map(f),
            "κ with itself": card["self_kappa"].map(f),
        }
    )
