"""What every rendering of a run's report reads: its inputs, the tables computed once from its scores,
and the views (identity card, formatted tables, notes) that the Markdown (markdown.py) and the HTML
page (run_html.py) both show. No rendering here; run_report.py writes the files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from evalsuite.breakdown import MIN_CELL, breakdown_view, compact, score_breakdown
from evalsuite.data.prompt_sets import PromptSet
from evalsuite.report.aggregate import summarise
from evalsuite.report.vbench_normalised import missing_dimensions, normalised_table

MAX_FAILURES_SHOWN = 50  # in a report; failures.csv has them all


@dataclass
class ReportInputs:
    run_id: str
    title: str | None
    prompt_set: PromptSet
    manifest: pd.DataFrame
    scores: pd.DataFrame
    code_version: str
    config_hash: str
    warnings: list[str]
    unavailable: dict[str, str] = field(default_factory=dict)  # metric -> why, with the fix
    distribution: pd.DataFrame | None = None  # set-level metrics (evalsuite/distribution/score.py)
    fast_profile: bool = False  # metrics.profile=fast: values near VBench's definitions, not equal
    fast_check: pd.DataFrame | None = None  # fast profile against exact (evalsuite/pipeline/fast_check.py)
    networks: dict[str, str] = field(default_factory=dict)  # network -> sha256 of the file it ran with
    parts: pd.DataFrame | None = None  # what metrics with parts counted (evalsuite/pipeline/score.py)
    judge_card: pd.DataFrame | None = None  # the VLM judge against the run's raters (human/judge_card.py)


@dataclass
class ReportTables:
    """What every rendering of a run's report shows, computed once from its scores."""

    by_model: pd.DataFrame
    by_category: pd.DataFrame
    failures: pd.DataFrame
    normalised: pd.DataFrame  # empty when not asked for or no VBench dimension was scored
    by_axis: pd.DataFrame  # per prompt-set axis value (evalsuite/breakdown.py); empty without axes

    @classmethod
    def of(
        cls, scores: pd.DataFrame, vbench_normalised: bool, prompt_set: PromptSet | None = None
    ) -> ReportTables:
        by_model = summarise(scores, ["model", "metric"])
        axes = prompt_set.axes if prompt_set is not None else ()
        return cls(
            by_model=by_model,
            by_category=summarise(scores, ["model", "metric", "category"]),
            failures=scores.loc[
                scores["status"] != "ok", ["model", "prompt_id", "metric", "status", "error"]
            ],
            normalised=normalised_table(by_model) if vbench_normalised else pd.DataFrame(),
            by_axis=score_breakdown(scores, prompt_set.table, axes) if axes else pd.DataFrame(),
        )


PARTS_NOTE = (
    "The share counted over all of a model's videos, with the count and what it is out of "
    "(judge_questions: a question counts when it and all its parents are answered yes)."
)


def parts_views(
    parts: pd.DataFrame | None, models: list[str] | None = None
) -> list[tuple[str, pd.DataFrame]]:
    """Per metric with parts: a heading and a table of models (in `models` order, else sorted) × parts,
    each cell the share counted over all the model's videos with the count beside it (e.g.
    judge_questions by question type)."""
    from evalsuite.metrics import METRICS

    if parts is None or parts.empty:
        return []
    views = []
    for metric, table in parts.groupby("metric", sort=True):
        sums = table.groupby(["model", "part"])[["count", "of"]].sum()
        cells = (
            (sums["count"] / sums["of"]).map("{:.3f}".format)
            + " ("
            + sums["count"].astype(str)
            + "/"
            + sums["of"].astype(str)
            + ")"
        )
        order = table.groupby("part")["of"].sum().sort_values(ascending=False, kind="stable").index
        view = cells.unstack("part")[list(order)].fillna("–")
        if models is not None:  # a comparison's order of systems
            view = view.reindex([m for m in models if m in view.index])
        view = view.reset_index()
        view.columns.name = None
        label = METRICS[metric].parts_label if metric in METRICS else "part"
        views.append((f"{metric} by {label}", view))
    return views


def report_title(inputs: ReportInputs) -> str:
    return inputs.title or f"Evaluation report: {inputs.run_id}"


def _fmt(value: float, digits: int = 4) -> str:
    return "–" if pd.isna(value) else f"{value:.{digits}f}"


def score_table(summary: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    view = summary[keys].copy()
    view["mean [95% CI]"] = [
        f"{_fmt(m)} [{_fmt(lo)}, {_fmt(hi)}]"
        for m, lo, hi in zip(summary["mean"], summary["ci95_low"], summary["ci95_high"], strict=True)
    ]
    view["std"] = summary["std"].map(_fmt)
    view["n ok"] = summary["n_ok"]
    view["n failed"] = summary["n_failed"]
    return view


def _rewrite_fact(manifest: pd.DataFrame) -> list[tuple[str, str]]:
    """How the prompt rewrite went, when one ran: fallbacks used the original prompt."""
    if "rewrite_status" not in manifest.columns or manifest["rewrite_status"].isna().all():
        return []
    counts = manifest["rewrite_status"].value_counts()
    fallback = int(counts.get("fallback", 0))
    done = int(counts.get("rewritten", 0) + counts.get("cached", 0))
    return [
        ("prompt rewrite", f"{done} rewritten, {fallback} fell back to the original prompt (see the log)")
    ]


def run_facts(inputs: ReportInputs, code=lambda text: f"`{text}`") -> list[tuple[str, str]]:
    """The run's identity card, (label, text) rows; `code` formats identifiers (Markdown by default)."""
    manifest, prompt_set = inputs.manifest, inputs.prompt_set
    status_counts = manifest["status"].value_counts().to_dict() if not manifest.empty else {}
    models = ", ".join(code(m) for m in sorted(manifest["model"].unique())) if not manifest.empty else "–"
    return [
        ("run", code(inputs.run_id)),
        ("models", models),
        (
            "prompt set",
            f"{code(prompt_set.name)}: {len(prompt_set)} prompts, file sha256 {code((prompt_set.sha256 or '–')[:16] + '…')}",
        ),
        ("videos", ", ".join(f"{k} {v}" for k, v in sorted(status_counts.items())) or "none"),
        *_rewrite_fact(manifest),
        ("code", f"{code(inputs.code_version)}, config hash {code(inputs.config_hash)}"),
        *([("networks", networks_text(inputs.networks, code))] if inputs.networks else []),
    ]


def networks_text(networks: dict[str, str], code=lambda text: f"`{text}`") -> str:
    """Each network with the first 12 hex digits of its weight file's sha256 (run.json has them whole);
    a service's identity (the VLM judge's model@settings) whole."""
    return ", ".join(f"{name} {code(_short(sha))}" for name, sha in networks.items())


def _short(identity: str) -> str:
    return (
        identity[:12] if len(identity) == 64 and all(c in "0123456789abcdef" for c in identity) else identity
    )


def normalised_view(normalised: pd.DataFrame) -> pd.DataFrame:
    """The VBench-normalised table as a reader sees it (formatted strings)."""
    return pd.DataFrame(
        {
            "model": normalised["model"],
            "VBench dimension": normalised["dimension"],
            "metric": normalised["metric"].map(lambda m: "–" if pd.isna(m) else m),
            "mean": normalised["mean"].map(_fmt),
            "VBench min–max": [
                "" if pd.isna(lo) else f"{lo:g}–{hi:g}"
                for lo, hi in zip(normalised["vbench_min"], normalised["vbench_max"], strict=True)
            ],
            "weight": normalised["weight"].map(lambda w: "" if pd.isna(w) else f"{w:g}"),
            "normalised": normalised["normalised"].map(_fmt),
        }
    )


def normalised_note(normalised: pd.DataFrame, fast_profile: bool = False) -> str:
    missing = missing_dimensions(normalised)
    return (
        "VBench's normalisation, not a measurement of its own: each mean rescaled by VBench's published "
        "per-dimension min and max, and VBench's quality score, the weighted mean of its 7 quality "
        "dimensions, over the ones this run has. Only metrics that reproduce VBench's code and "
        "networks enter. "
        + (
            "This run used the fast profile: the networks of those metrics ran under autocast where the "
            "report's first lines say so, so their values are near VBench's, not equal to them. "
            if fast_profile
            else ""
        )
        + (
            f"Missing here: {', '.join(missing)}; so the quality score is partial and not comparable "
            "with VBench's leaderboard."
            if missing
            else ""
        )
    )


def axis_note() -> str:
    return (
        "Each metric per value of every axis of the prompt set: mean over the prompts with that value, "
        f"bootstrap 95% interval, n prompts; cells with fewer than {MIN_CELL} prompts are marked too few "
        "to read. by_axis.csv has the numbers."
    )


def axis_view(by_axis: pd.DataFrame, column: str, order: list[str] | None = None) -> pd.DataFrame:
    return breakdown_view(by_axis, "metric", column, "mean", "ci95_low", "ci95_high", compact, order)
