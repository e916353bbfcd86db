"""report.html of an eval run: warnings first, every metric's numbers and figure, unavailable metrics
with their fix, failures; text from files and errors is escaped."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from evalsuite.data.prompt_sets import PromptSet
from evalsuite.report.run_report import write_report
from evalsuite.report.run_views import ReportInputs


def inputs() -> ReportInputs:
    rng = np.random.default_rng(0)
    prompts = pd.DataFrame(
        {
            "prompt_id": [f"p{i}" for i in range(8)],
            "prompt": [f"prompt {i}" for i in range(8)],
            "category": ["animals", "people"] * 4,
        }
    )
    rows = []
    for model in ("model-a", "model-b"):
        for metric in ("temporal_flickering", "sharpness"):
            for i, prompt in prompts.iterrows():
                failed = model == "model-b" and metric == "sharpness" and i == 0
                rows.append(
                    {
                        "model": model,
                        "prompt_id": prompt["prompt_id"],
                        "category": prompt["category"],
                        "metric": metric,
                        "value": np.nan if failed else float(rng.uniform(0.9, 1.0)),
                        "status": "failed" if failed else "ok",
                        "error": "decode error: <moov atom not found>" if failed else None,
                    }
                )
    manifest = pd.DataFrame({"model": ["model-a"] * 8 + ["model-b"] * 8, "status": "ok"})
    return ReportInputs(
        run_id="r1",
        title=None,
        prompt_set=PromptSet("tiny", prompts, sha256="ab" * 32),
        manifest=manifest,
        scores=pd.DataFrame(rows),
        code_version="0.1.0",
        config_hash="c0ffee",
        warnings=["The videos are synthetic test patterns: the numbers measure no model."],
        unavailable={
            "subject_consistency": "dino_vitb16 not found; fix: `hyvideo-eval weights fetch dino_vitb16`"
        },
    )


def test_report_html_has_warnings_first_numbers_figure_unavailable_and_failures(tmp_path: Path) -> None:
    written = write_report(inputs(), tmp_path, ["html"], vbench_normalised=True)
    assert set(written) == {"report.html"}
    page = (tmp_path / "report.html").read_text()
    body = page.split("<body>", 1)[1]
    assert body.lstrip().startswith('<div class="banner">⚠ The videos are synthetic test patterns')
    assert body.index("banner") < body.index("<h1>")
    # one row per model × metric with the mean and its interval, as summary.csv has them
    for model in ("model-a", "model-b"):
        for metric in ("temporal_flickering", "sharpness"):
            assert re.search(
                rf"<td>{model}</td>\s*<td>{metric}</td>\s*<td>\d\.\d{{4}} \[\d\.\d{{4}}, \d\.\d{{4}}\]</td>",
                page,
            )
    assert page.count('src="data:image/png;base64,') == 1  # the metric panels
    assert "<h2>VBench-normalised scores</h2>" in page  # temporal flickering is a VBench dimension
    assert "<code>subject_consistency</code>" in page and "hyvideo-eval weights fetch dino_vitb16" in page
    assert "&lt;moov atom not found&gt;" in page and "<moov" not in page
    assert "Mittal" not in page and "temporal_flickering.py" in page  # definitions of the metrics present


def test_markdown_and_html_from_the_same_run_agree_on_the_means(tmp_path: Path) -> None:
    write_report(inputs(), tmp_path, ["markdown", "html", "csv"])
    summary = pd.read_csv(tmp_path / "summary.csv")
    page = (tmp_path / "report.html").read_text()
    markdown = (tmp_path / "report.md").read_text()
    for mean in summary["mean"]:
        assert f"{mean:.4f} [" in page and f"{mean:.4f} [" in markdown
