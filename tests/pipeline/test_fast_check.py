"""A fast run measures itself against exact on a sample of its own videos (metrics.fast_check): the
sample, the table's numbers (against values worked by hand and recomputed from the two score files),
and the report's section."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from metrics.networks import write_tiny_weights
from scipy.stats import spearmanr

from evalsuite.config import compose
from evalsuite.errors import ConfigError
from evalsuite.pipeline.fast_check import fast_against_exact, sample_rows
from evalsuite.pipeline.run import run_eval


def scores(values: dict[tuple[str, str, str], float], failed: tuple = ()) -> pd.DataFrame:
    rows = [
        {"model": m, "prompt_id": p, "metric": metric, "value": v, "status": "ok"}
        for (m, p, metric), v in values.items()
    ]
    rows += [
        {"model": m, "prompt_id": p, "metric": x, "value": np.nan, "status": "failed"} for m, p, x in failed
    ]
    return pd.DataFrame(rows)


def test_table_numbers_worked_by_hand() -> None:
    exact = {("a", f"p{i}", "aesthetic_quality"): v for i, v in enumerate([0.50, 0.40, 0.30, 0.20])}
    exact |= {("b", f"p{i}", "aesthetic_quality"): v for i, v in enumerate([0.45, 0.35, 0.25, 0.15])}
    # fast, under the twin's name: b's p0 drops below a's p1 (per-video ranks 2 and 3 of 8 swap)
    fast = {("a", p, "aesthetic_quality_fast"): v for (m, p, _), v in exact.items() if m == "a"}
    fast |= {("b", f"p{i}", "aesthetic_quality_fast"): v for i, v in enumerate([0.39, 0.35, 0.25, 0.15])}
    table = fast_against_exact(scores(fast, failed=[("a", "p9", "aesthetic_quality_fast")]), scores(exact))
    (row,) = table.to_dict("records")
    assert row["fast_metric"] == "aesthetic_quality_fast" and row["videos"] == 8 and row["systems"] == 2
    assert row["max_abs_diff"] == pytest.approx(0.06)
    # Spearman over 8 videos, one adjacent swap: 1 - 6 * (1 + 1) / (8 * 63)
    assert row["spearman"] == pytest.approx(1 - 12 / 504)
    assert row["order_unchanged"] is True  # a's mean 0.35 stays above b's 0.30
    assert row["within_targets"] is False  # 0.06 > 2e-3

    # the systems' order flips when b's fast mean (0.3975) passes a's (0.35)
    flipped = fast | {("b", "p3", "aesthetic_quality_fast"): 0.60}
    assert not fast_against_exact(scores(flipped), scores(exact))["order_unchanged"].item()


def test_equal_values_are_within_targets_and_a_constant_side_has_no_rho() -> None:
    exact = {("a", f"p{i}", "dynamic_degree_raft"): 1.0 for i in range(4)}
    same = fast_against_exact(scores(exact), scores(exact)).iloc[0]
    assert same["max_abs_diff"] == 0 and same["spearman"] == 1.0 and same["within_targets"]
    assert pd.isna(same["order_unchanged"])  # one system
    one_flag_flipped = exact | {("a", "p2", "dynamic_degree_raft"): 0.0}
    row = fast_against_exact(scores(one_flag_flipped), scores(exact)).iloc[0]
    assert row["max_abs_diff"] == 1.0 and np.isnan(row["spearman"]) and not row["within_targets"]


def test_sample_spreads_the_prompts_and_keeps_every_system() -> None:
    rows = pd.DataFrame([{"model": m, "prompt_id": f"p{i:02d}"} for m in ("a", "b") for i in range(10)])
    sample = sample_rows(rows, 3)
    assert sample["prompt_id"].unique().tolist() == ["p00", "p04", "p09"]  # linspace 0, 4.5, 9 rounded
    assert sample.groupby("model").size().tolist() == [3, 3]
    assert len(sample_rows(rows, 50)) == 20  # fewer prompts than asked: all of them


def test_fast_run_reports_itself_against_exact(run_dir: Path, tmp_path: Path) -> None:
    weights = write_tiny_weights(tmp_path / "weights")
    names = ["temporal_flickering", "background_consistency", "aesthetic_quality"]
    common = [
        "compare=synthetic_flicker",
        "runtime.progress=false",
        "prompts.limit=4",
        f"metrics.names=[{','.join(names)}]",
        *(f"weights.networks.{n}.path={p}" for n, p in weights.items()),
        *(f"weights.networks.{n}.sha256=null" for n in weights),
    ]
    result = run_eval(compose([*common, "metrics.profile=fast", "metrics.fast_check=2"]))
    out = result.paths.output_dir
    table = pd.read_csv(out / "fast_check.csv")
    exact = pd.read_parquet(out / "fast_check" / "exact_scores.parquet")
    assert table["metric"].tolist() == names
    assert table["fast_metric"].tolist() == [
        "temporal_flickering",
        "background_consistency",
        "aesthetic_quality_fast",
    ]
    assert exact["prompt_id"].nunique() == 2 and exact["model"].nunique() == 3
    assert (table["videos"] == 6).all() and (table["systems"] == 3).all()
    for row in table.itertuples():
        a = exact[exact["metric"] == row.metric].set_index(["model", "prompt_id"])["value"]
        b = result.scores[result.scores["metric"] == row.fast_metric].set_index(["model", "prompt_id"])[
            "value"
        ]
        b = b.loc[a.index]
        assert row.max_abs_diff == pytest.approx(np.abs(a - b).max(), abs=1e-12)
        if a.nunique() > 1 and b.nunique() > 1:
            assert row.spearman == pytest.approx(spearmanr(a, b).statistic)
    flicker = table.set_index("metric").loc["temporal_flickering"]
    assert flicker["max_abs_diff"] == 0 and flicker["order_unchanged"]  # no network, no subsampling

    # the exact side is the exact profile's own values: an exact run of the same videos agrees
    plain = run_eval(compose([*common, "compare.run_name=exact-only", "metrics.profile=exact"]))
    same = plain.scores.merge(exact, on=["model", "prompt_id", "metric"], suffixes=("", "_check"))
    assert len(same) == len(exact) and np.array_equal(same["value"], same["value_check"])

    report = (out / "report.md").read_text()
    assert "## Fast profile against exact" in report
    assert "aesthetic_quality (aesthetic_quality_fast)" in report
    assert "This run used the fast profile" in report  # the VBench-normalised table says so too
    assert "## Fast profile against exact" in (out / "report.html").read_text().replace(
        "<h2>", "## "
    ).replace("</h2>", "")


def test_fast_check_zero_skips_and_a_negative_count_is_refused(run_dir: Path) -> None:
    result = run_eval(
        compose(
            [
                "model=synthetic_videos",
                "runtime.progress=false",
                "prompts.limit=2",
                "metrics.names=[temporal_flickering]",
                "metrics.profile=fast",
                "metrics.fast_check=0",
            ]
        )
    )
    assert not (result.paths.output_dir / "fast_check.csv").exists()
    assert "Fast profile against exact" not in (result.paths.output_dir / "report.md").read_text()
    with pytest.raises(ConfigError, match=r"metrics\.fast_check must be >= 0"):
        compose(["metrics.fast_check=-1"])
