"""Breakdowns by prompt axis: equal to pandas and statsmodels computed directly, present in every report
(run, comparison, human) when the prompt set has axes, and identical through the compare command."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from evalsuite.breakdown import MIN_CELL, rate_breakdown, score_breakdown
from evalsuite.cli import eval_main
from evalsuite.config import compose
from evalsuite.human.simulate import simulate_absolute
from evalsuite.pipeline.human import run_human
from evalsuite.pipeline.run import run_eval


def test_score_breakdown_equals_pandas() -> None:
    rng = np.random.default_rng(0)
    prompts = pd.DataFrame({"prompt_id": [f"p{k}" for k in range(40)],
                            "shape": rng.choice(["a", "b", "c"], 40), "speed": ["x"] * 35 + ["y"] * 5})  # fmt: skip
    scores = pd.DataFrame(
        [{"model": m, "prompt_id": p, "metric": "q", "value": rng.normal(), "status": "ok"}
         for m in ("m1", "m2") for p in prompts["prompt_id"]]
    )  # fmt: skip
    scores.loc[3, ["value", "status"]] = [np.nan, "failed"]
    table = score_breakdown(scores, prompts, ("shape", "speed"), n_resamples=300)
    ok = scores[scores["status"] == "ok"].merge(prompts, on="prompt_id")
    for axis in ("shape", "speed"):
        expected = ok.groupby(["model", axis])["value"].agg(["mean", "count"])
        got = table[table["axis"] == axis].set_index(["model", "value"])
        for (model, value), row in expected.iterrows():
            assert got.loc[(model, value), "mean"] == pytest.approx(row["mean"], abs=1e-12)
            assert got.loc[(model, value), "n"] == row["count"]
            assert got.loc[(model, value), "readable"] == (row["count"] >= MIN_CELL)
    assert (table["ci95_low"] <= table["mean"]).all() and (table["mean"] <= table["ci95_high"]).all()
    assert not table.set_index(["axis", "value"]).loc[("speed", "y"), "readable"].any()  # 5 prompts: too few


def test_rate_breakdown_equals_statsmodels() -> None:
    prompts = pd.DataFrame({"prompt_id": ["a", "b", "c", "d"], "style": ["x", "x", "y", "y"]})
    videos = pd.DataFrame({"prompt_id": list("abcd") * 2, "model": ["m"] * 4 + ["n"] * 4,
                           "criterion": "overall", "passed": [1, 0, 1, 1, 0, 0, 1, 0]})  # fmt: skip
    table = rate_breakdown(videos, prompts, ("style",)).set_index(["model", "value"])
    low, high = proportion_confint(1, 2, alpha=0.05, method="wilson")
    assert table.loc[("m", "x"), "rate"] == 0.5 and table.loc[("m", "x"), "wilson_low"] == pytest.approx(low)
    assert table.loc[("m", "y"), "rate"] == 1.0 and table.loc[("n", "x"), "rate"] == 0.0
    assert table.loc[("m", "x"), "wilson_high"] == pytest.approx(high)


def test_every_report_breaks_down_by_axis(run_dir: Path, capsys) -> None:
    overrides = ["compare=synthetic_flicker", "prompts=structured", "prompts.limit=12", "runtime.progress=false",
                 "metrics.names=[temporal_flickering]"]  # fmt: skip
    result = run_eval(compose(overrides))
    out = result.paths.output_dir
    run_axes = pd.read_csv(out / "by_axis.csv")
    assert set(run_axes["axis"]) == {"subject", "motion", "camera", "style", "complexity", "event"}
    assert "## Scores by prompt axis" in (out / "report.md").read_text()
    assert "Scores by prompt axis" in (out / "report.html").read_text()
    comparison = pd.read_csv(out / "comparison" / "by_axis.csv")
    assert set(comparison["system"]) == {
        "synthetic-test-videos",
        "synthetic-flicker-4",
        "synthetic-flicker-12",
    }
    assert "too few to read" in (out / "comparison" / "comparison.md").read_text()  # 12 prompts: small cells
    assert eval_main(["compare", str(out), "--out", "again"]) == 0, capsys.readouterr().err
    for name in ("by_axis.csv", "comparison.md", "comparison.csv"):
        assert Path("again", name).read_bytes() == (out / "comparison" / name).read_bytes(), name

    prompts = pd.read_csv(out / "prompts.csv", dtype=str, keep_default_na=False)
    rates = pd.DataFrame({c: [0.7, 0.5, 0.3] for c in ("text_alignment", "motion_quality", "visual_quality")},
                         index=["synthetic-test-videos", "synthetic-flicker-4", "synthetic-flicker-12"])  # fmt: skip
    ratings = simulate_absolute(rates, n_prompts=12, raters_per_video=3, n_raters=5, seed=0)
    ratings["prompt_id"] = ratings["prompt_id"].map(
        dict(zip(sorted(ratings["prompt_id"].unique()), prompts["prompt_id"], strict=True))
    )
    ratings.to_csv(run_dir / "ratings.csv", index=False)
    human = compose(
        ["human=ratings", f"human.ratings={run_dir / 'ratings.csv'}", f"human.output_dir={run_dir / 'h'}"]
    ).human
    axes = ("subject", "motion", "camera", "style", "complexity", "event")
    _, files = run_human(human, prompt_axes=(prompts, axes))
    by_axis = pd.read_csv(files["by_axis.csv"])
    assert set(by_axis["axis"]) == set(axes) and set(by_axis["criterion"]) >= {"overall", "text_alignment"}
    assert "Pass rates by prompt axis" in files["report.html"].read_text()
    assert (
        eval_main(["compare", str(out), "--out", "withpeople", "--ratings", str(run_dir / "ratings.csv")])
        == 0
    )
    assert "## Human pass rates by prompt axis" in Path("withpeople", "comparison.md").read_text()
