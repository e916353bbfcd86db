"""VBench's normalisation and quality score (scripts/cal_final_score.py), on hand-computed values."""

from __future__ import annotations

import pandas as pd
import pytest

from evalsuite.metrics import METRICS, FrameMetric
from evalsuite.report.vbench_normalised import QUALITY_DIMENSIONS, missing_dimensions, normalised_table


@pytest.fixture
def vbench_stand_ins():
    """Stand-ins for the two VBench dimensions this suite does not reproduce, registered for one test."""
    added = {}
    for name, dimension in (
        ("_test_amt_smoothness", "motion smoothness"),
        ("_test_musiq", "imaging quality"),
    ):
        added[name] = type(name, (FrameMetric,), {"name": name, "vbench_dimension": dimension, "score": None})
    METRICS.update(added)
    yield
    for name in added:
        del METRICS[name]


def by_model(means: dict[str, float], model: str = "m") -> pd.DataFrame:
    return pd.DataFrame({"model": model, "metric": list(means), "mean": list(means.values())})


def test_all_seven_dimensions_give_vbench_quality_score(vbench_stand_ins) -> None:
    means = {
        "subject_consistency": 0.95,
        "background_consistency": 0.97,
        "temporal_flickering": 0.99,
        "_test_amt_smoothness": 0.98,
        "aesthetic_quality": 0.60,
        "_test_musiq": 0.65,
        "dynamic_degree_raft": 0.70,
        "sharpness": 123.0,  # not a VBench dimension: left out
    }
    table = normalised_table(by_model(means)).set_index("dimension")
    expected = {
        "subject consistency": (0.95 - 0.1462) / (1 - 0.1462),
        "background consistency": (0.97 - 0.2615) / (1 - 0.2615),
        "temporal flickering": (0.99 - 0.6293) / (1 - 0.6293),
        "motion smoothness": (0.98 - 0.706) / (0.9975 - 0.706),
        "aesthetic quality": 0.60,
        "imaging quality": 0.65,
        "dynamic degree": 0.70,
    }
    for dimension, value in expected.items():
        assert table.loc[dimension, "normalised"] == pytest.approx(value, abs=1e-12)
    quality = (sum(expected.values()) - 0.5 * expected["dynamic degree"]) / 6.5
    assert table.loc["quality score", "normalised"] == pytest.approx(quality, abs=1e-12)
    assert quality == pytest.approx(
        0.8329, abs=1e-4
    )  # by hand: (0.9414 + 0.9594 + 0.9730 + 0.9400 + 0.6 + 0.65 + 0.35) / 6.5
    assert "sharpness" not in set(table["metric"])
    assert missing_dimensions(table.reset_index()) == []


def test_missing_dimensions_are_named_and_the_score_is_labelled_partial() -> None:
    table = normalised_table(
        pd.concat(
            [
                by_model({"temporal_flickering": 1.0, "dynamic_degree_raft": 0.0}, "a"),
                by_model({"temporal_flickering": 0.6293}, "b"),
                by_model({"sharpness": 5.0}, "c"),  # no VBench dimension at all: no rows
            ]
        )
    )
    assert set(table["model"]) == {"a", "b"}
    quality = table[table["dimension"].str.startswith("quality score")].set_index("model")
    assert quality.loc["a", "dimension"] == "quality score (partial: 2 of 7 dimensions)"
    assert quality.loc["a", "normalised"] == pytest.approx((1.0 + 0.5 * 0.0) / 1.5)  # VBench would count 0s
    assert quality.loc["b", "normalised"] == pytest.approx(0.0)
    assert "motion smoothness" in missing_dimensions(
        table
    ) and "temporal flickering" not in missing_dimensions(table)
    assert len(table) == 2 * (len(QUALITY_DIMENSIONS) + 1)


def test_every_vbench_quality_dimension_has_a_metric() -> None:
    """With motion_smoothness_amt, a run of the default metrics (weights present) has all 7: not partial."""
    from evalsuite.config import compose
    from evalsuite.metrics import METRICS
    from evalsuite.metrics.vbench_scale import QUALITY_DIMENSIONS

    default = {METRICS[n].vbench_dimension for n in compose().metrics.names} - {None}
    assert default == set(QUALITY_DIMENSIONS)
