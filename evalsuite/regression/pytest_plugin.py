"""The quality gate as a pytest fixture, for users' own test suites (registered as a pytest plugin when
hyvideo-eval is installed):

    def test_new_scheduler_is_no_worse(quality_gate):
        quality_gate("runs/baseline", "runs/candidate")                 # run folders or score tables
        quality_gate(base_df, cand_df, metrics=["clip_score_l14"], alpha=0.01, min_effect={"clip_score_l14": 1.0})

The test fails with the gate's Markdown summary when a metric degrades; otherwise the fixture returns
the `QualityResult`. Settings default to `conf/regression`'s `quality` section; keyword arguments
override them.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def quality_gate():
    import dataclasses

    import pandas as pd

    from evalsuite.config import compose
    from evalsuite.regression.cli import quality_gate as run_gate
    from evalsuite.regression.quality import load_scores

    defaults = compose().regression.quality

    def check(baseline, candidate, metrics: list[str] | None = None, **settings):
        cfg = dataclasses.replace(defaults, **settings)
        tables = [t if isinstance(t, pd.DataFrame) else load_scores(t) for t in (baseline, candidate)]
        result = run_gate(*tables, cfg, metrics=metrics)
        if not result.passed:
            pytest.fail(result.markdown(), pytrace=False)
        return result

    return check
