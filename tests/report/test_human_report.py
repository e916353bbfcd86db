from __future__ import annotations

import base64
import io
import re

import pandas as pd
import pytest
from PIL import Image

from evalsuite.human.analysis import analyse_campaign, load_published
from evalsuite.human.ratings import RatingsError, validate_absolute
from evalsuite.human.simulate import simulate_absolute
from evalsuite.report.human import paper_table, write_human_report
from tests.conftest import PUBLISHED_TABLE

CRITERIA = ["text_alignment", "motion_quality", "visual_quality"]
PAPER_COLUMNS = [
    "Model", "Open Source", "Duration", "Text Alignment", "Motion Quality", "Visual Quality", "Overall", "Ranking",
]  # fmt: skip
CATEGORIES = ["people", "animals", "scenery", "vehicles", "food", "abstract"]


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    if not PUBLISHED_TABLE.is_file():
        pytest.skip(f"{PUBLISHED_TABLE} not present (only on project machines)")
    return load_published(PUBLISHED_TABLE, [*CRITERIA, "overall"])


@pytest.fixture(scope="module")
def simulated(published: pd.DataFrame) -> pd.DataFrame:
    raw = simulate_absolute(published[CRITERIA], overall=published["overall"], noise=0.05, seed=7)
    return raw.assign(category=raw["prompt_id"].map(lambda p: CATEGORIES[int(p[1:]) % 6]))


@pytest.fixture(scope="module")
def report(simulated, published, tmp_path_factory):
    analysis = analyse_campaign(validate_absolute(simulated), published=published, n_resamples=200)
    out = tmp_path_factory.mktemp("human")
    return analysis, write_human_report(analysis, out)


def test_table_has_the_papers_layout_and_measured_figures(report, published) -> None:
    analysis, files = report
    table = pd.read_csv(files["comparison.csv"], dtype=str, keep_default_na=False)
    assert list(table.columns) == PAPER_COLUMNS
    assert sorted(table["Model"]) == sorted(published.index)
    rates = analysis.absolute.rates.set_index(["model", "criterion"])["rate"]
    for row in table.itertuples(index=False):
        assert row[3] == f"{rates[(row.Model, 'text_alignment')] * 100:.1f}%"
        assert row[6] == f"{rates[(row.Model, 'overall')] * 100:.1f}%"
        assert row[2] == f"{published.loc[row.Model, 'duration_s']:g}s"
    assert table.set_index("Model").loc["HunyuanVideo", "Open Source"] == "✔"
    markdown = files["comparison.md"].read_text()
    assert "| Model " in markdown and "| Ranking " in markdown and "SYNTHETIC" in markdown
    latex = files["comparison.tex"].read_text()
    assert latex.count(r"\\") == 1 + len(table) and r"\%" in latex and r"\toprule" in latex


def test_report_shows_luma_and_cntopc_statistically_tied(report) -> None:
    analysis, files = report
    ranking = pd.read_csv(files["comparison.csv"], dtype=str).set_index("Model")["Ranking"]
    luma, cntopc = (tuple(map(int, ranking[m].split("-"))) for m in ("Luma1.6 (API)", "CNTopC (Web)"))
    assert luma[0] <= cntopc[1] and cntopc[0] <= luma[1]  # overlapping rank ranges: a tie
    (note,) = analysis.notes
    assert "Luma1.6 (API) (24.8%) is ranked 6" in note and "statistically tied" in note
    assert "statistically tied" in files["report.html"].read_text()


def test_html_is_offline_with_four_readable_figures(report) -> None:
    _, files = report
    page = files["report.html"].read_text()
    assert "http://" not in page and "https://" not in page  # nothing fetched when opened offline
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 4  # criterion bars, rank plot, category heatmap, win-probability matrix
    for data in images:
        with Image.open(io.BytesIO(base64.b64decode(data))) as png:
            assert png.format == "PNG" and png.width > 400 and png.height > 200
    assert "Synthetic ratings" in page


def test_every_statistic_has_its_csv(report) -> None:
    _, files = report
    for name in ("rates.csv", "pairs.csv", "ranking.csv", "gsb.csv", "elo.csv", "win_probability.csv",
                 "agreement.csv", "raters.csv", "published_check.csv", "categories.csv"):  # fmt: skip
        assert not pd.read_csv(files[name]).empty, name


def test_published_only_models_are_marked(simulated, published, tmp_path) -> None:
    subset = simulated[simulated["model"] != "GEN-3 alpha (Web)"]
    analysis = analyse_campaign(validate_absolute(subset), published=published, n_resamples=0)
    table = paper_table(analysis).set_index("Model")
    row = table.loc["GEN-3 alpha (Web) (published)"]
    assert row["Overall"] == "27.4%" and row["Ranking"] == "4 (published)"
    assert table.index[-1] == "GEN-3 alpha (Web) (published)"  # measured models first


def test_without_a_published_table_metadata_columns_are_dropped(simulated) -> None:
    analysis = analyse_campaign(validate_absolute(simulated), n_resamples=0)
    assert list(paper_table(analysis).columns) == [
        c for c in PAPER_COLUMNS if c not in ("Open Source", "Duration")
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("model,text_alignment,motion_quality,visual_quality,overall\nA,41.3,60,90,30\n", "fractions in"),
        ("model,text_alignment,motion_quality,visual_quality\nA,0.4,0.6,0.9\n", "missing column"),
        (
            "model,text_alignment,motion_quality,visual_quality,overall\nA,.4,.6,.9,.3\nA,.4,.6,.9,.3\n",
            "appears twice",
        ),
    ],
)
def test_bad_published_tables_raise_one_line(tmp_path, content, message) -> None:
    path = tmp_path / "published.csv"
    path.write_text(content)
    with pytest.raises(RatingsError, match=message) as info:
        load_published(path, [*CRITERIA, "overall"])
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)
