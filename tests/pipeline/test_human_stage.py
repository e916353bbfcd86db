"""The human stage from the command line and inside the eval job."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evalsuite.cli import eval_main
from evalsuite.config import compose
from evalsuite.data.synthetic import SYNTHETIC_MODEL_NAME
from evalsuite.human.simulate import simulate_absolute
from evalsuite.pipeline.prompts import load_prompts
from evalsuite.pipeline.run import run_eval

CRITERIA = ["text_alignment", "motion_quality", "visual_quality"]


def _campaign(
    path: Path, models: list[str], prompt_ids: list[str] | None = None, n_prompts: int = 60
) -> Path:
    rates = pd.DataFrame({c: [0.7, 0.5, 0.4][: len(models)] for c in CRITERIA}, index=models)
    raw = simulate_absolute(rates, n_prompts=n_prompts, raters_per_video=3, n_raters=9, seed=1)
    if prompt_ids is not None:  # rename the simulator's p00000... to a real prompt set's ids
        raw["prompt_id"] = raw["prompt_id"].map(
            dict(zip(sorted(raw["prompt_id"].unique()), prompt_ids, strict=True))
        )
    raw.to_csv(path, index=False)
    return path


def test_human_command_writes_the_report_folder(run_dir: Path, capsys: pytest.CaptureFixture) -> None:
    ratings = _campaign(run_dir / "ratings.csv", ["a", "b", "c"])
    out = run_dir / "human"
    code = eval_main(
        [
            "human",
            "human=ratings",
            f"human.ratings={ratings}",
            f"human.output_dir={out}",
            "human.n_resamples=50",
        ]
    )
    assert code == 0
    assert (out / "report.html").is_file() and (out / "comparison.tex").is_file()
    assert f"report: {out / 'report.html'}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["human"], "no ratings to aggregate: set human.ratings="),
        (["human", "human=ratings"], "human.ratings"),
        (["human", "human=ratings", "human.ratings=nowhere.csv"], "nowhere.csv: ratings file not found"),
        (["human", "human=ratings", "human.ratings=x.csv", "human.test=t"], "human.test"),
        (["human", "human=ratings", "human.ratings=x.csv", "human.primary=colour"], "human.primary"),
    ],
)
def test_human_command_errors_are_one_line(
    run_dir: Path, capsys: pytest.CaptureFixture, args, message
) -> None:
    assert eval_main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


def test_unknown_model_in_ratings_names_the_file(run_dir: Path, capsys: pytest.CaptureFixture) -> None:
    ratings = _campaign(run_dir / "ratings.csv", ["a", "b"])
    assert eval_main(["human", "human=ratings", f"human.ratings={ratings}", "human.models=[a]"]) == 2
    assert f"{ratings}: unknown model(s) ['b']" in capsys.readouterr().err


def test_eval_job_adds_human_report_with_correlations_and_categories(run_dir: Path) -> None:
    overrides = ["model=synthetic_videos", "runtime.progress=false", "human=ratings", "human.n_resamples=50"]
    prompt_ids = list(load_prompts(compose([*overrides, "human.ratings=x"]).prompts).table["prompt_id"])
    ratings = _campaign(run_dir / "ratings.csv", [SYNTHETIC_MODEL_NAME, "other"], prompt_ids, len(prompt_ids))
    result = run_eval(compose([*overrides, f"human.ratings={ratings}"]))
    human = result.paths.output_dir / "human"
    assert result.report_files["human/report.html"] == human / "report.html"
    correlations = pd.read_csv(human / "correlations.csv")
    video = correlations[
        (correlations["level"] == "video") & (correlations["metric"] == "temporal_flickering")
    ]
    assert set(video["criterion"]) == {*CRITERIA, "overall"} and (video["n"] == len(prompt_ids)).all()
    categories = pd.read_csv(human / "categories.csv")
    assert len(categories.columns) - 1 == 6  # the embedded set's six categories, from the prompt set


def test_simulate_ratings_and_power_commands(run_dir: Path, capsys: pytest.CaptureFixture) -> None:
    (run_dir / "true.csv").write_text(
        "model,text_alignment,motion_quality,visual_quality,overall\nA,0.6,0.6,0.9,0.4\nB,0.5,0.5,0.9,0.3\n"
    )
    args = ["simulate-ratings", "--true-rates", "true.csv", "--out", "sim.parquet", "--prompts", "40"]
    assert eval_main(args) == 0
    table = pd.read_parquet(run_dir / "sim.parquet")
    assert len(table) == 2 * 40 * 3 * 5 and table["synthetic"].all()
    assert eval_main(["power", "0.377", "0.375", "--raters-per-video", "5", "--correlation", "0"]) == 0
    assert "955,246" in capsys.readouterr().out
    (run_dir / "bad.csv").write_text("model,text_alignment,overall\nA,0.2,0.9\n")
    assert eval_main(["simulate-ratings", "--true-rates", "bad.csv", "--out", "x.csv"]) == 2
    assert "bad.csv: overall rate 0.900 is impossible" in capsys.readouterr().err


def test_scores_of_unrated_models_are_a_warning_not_silence(run_dir: Path) -> None:
    from evalsuite.pipeline.human import run_human

    ratings = _campaign(run_dir / "ratings.csv", ["a", "b"])
    cfg = compose(["human=ratings", f"human.ratings={ratings}", "human.n_resamples=0"]).human
    scores = pd.DataFrame(
        {"model": "zzz", "prompt_id": "p00000", "metric": "m", "value": [1.0], "status": "ok"}
    )
    analysis, files = run_human(cfg, scores=scores)
    assert any("share no (model, prompt_id)" in w for w in analysis.warnings)
    assert "share no (model, prompt_id)" in files["report.html"].read_text()
