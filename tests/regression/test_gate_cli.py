"""`hyvideo-eval regression` end to end (golden update, pass, failure naming what moved, quality-only
mode, CI job summary) and the `quality_gate` pytest fixture in a user's own test suite."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from evalsuite.cli import eval_main

SMALL = ["runtime.progress=false", "prompts.limit=3"]


def flicker_table(drop: float, n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = rng.uniform(0.9, 0.99, n)
    return pd.DataFrame(
        {
            "prompt_id": [f"p{i}" for i in range(n)],
            "metric": "temporal_flickering",
            "value": base - drop,
            "status": "ok",
        }
    )


def test_update_pass_and_a_broken_vae_fail_naming_frames(tmp_path, monkeypatch, capsys) -> None:
    golden = tmp_path / "golden.npz"
    args = [*SMALL, f"regression.golden={golden}"]
    assert eval_main(["regression", *args]) == 2  # no golden file yet: one-line error, before any run
    assert "no golden file; run `nox -s regression -- --update-golden`" in capsys.readouterr().err
    assert eval_main(["regression", "--update-golden", *args]) == 0
    assert "writing the first one" in capsys.readouterr().out and golden.is_file()

    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "job.md"))
    assert eval_main(["regression", "--summary", str(summary), *args]) == 0
    assert "## Exactness: PASSED" in summary.read_text() and "PASSED" in (tmp_path / "job.md").read_text()
    capsys.readouterr()

    import evalsuite.pipeline.generate as generate

    original = generate.build_pipeline

    def with_wrong_vae_scale(model, runtime):
        pipeline = original(model, runtime)
        pipeline.vae.config = dataclasses.replace(pipeline.vae.config, scaling_factor=0.5)
        return pipeline

    monkeypatch.setattr(generate, "build_pipeline", with_wrong_vae_scale)
    assert eval_main(["regression", *args]) == 1
    out, err = capsys.readouterr()
    assert "exactness: FAILED, moved beyond the float32 tolerances: frames (3/3 prompts" in err
    assert "latents (" not in err.splitlines()[0] and "--update-golden" in err
    assert "## Exactness: FAILED" in out

    assert eval_main(["regression", "--update-golden", *args]) == 0  # intended: accept, and see what moved
    out = capsys.readouterr().out
    assert "## What moved since the old golden file: FAILED" in out and "| frames " in out
    assert eval_main(["regression", *args]) == 0


def test_quality_only_mode_on_two_runs(tmp_path, capsys) -> None:
    flicker_table(0.0).to_csv(tmp_path / "base.csv", index=False)
    flicker_table(0.02).to_csv(tmp_path / "worse.csv", index=False)
    flicker_table(-0.01).to_csv(tmp_path / "better.csv", index=False)
    base = str(tmp_path / "base.csv")
    assert eval_main(["regression", "--baseline", base, "--candidate", str(tmp_path / "worse.csv")]) == 1
    assert "FAILED: temporal_flickering degraded" in capsys.readouterr().out
    assert eval_main(["regression", "--baseline", base, "--candidate", str(tmp_path / "better.csv")]) == 0
    assert eval_main(["regression", "--baseline", base]) == 2
    assert "give both --baseline and --candidate" in capsys.readouterr().err
    assert eval_main(["regression", "--baseline", base, "--candidate", str(tmp_path / "none.csv")]) == 2
    assert "none.csv: no such score table" in capsys.readouterr().err


def test_quality_gate_fixture_in_a_users_test_suite(tmp_path) -> None:
    flicker_table(0.0).to_parquet(tmp_path / "base.parquet")
    flicker_table(0.02).to_parquet(tmp_path / "worse.parquet")
    flicker_table(0.0, seed=0).to_parquet(tmp_path / "same.parquet")
    (tmp_path / "test_user_gate.py").write_text(
        textwrap.dedent(
            f"""
            def test_same_model_passes(quality_gate):
                result = quality_gate({str(tmp_path / "base.parquet")!r}, {str(tmp_path / "same.parquet")!r})
                assert result.passed

            def test_worse_model_fails(quality_gate):
                quality_gate({str(tmp_path / "base.parquet")!r}, {str(tmp_path / "worse.parquet")!r}, alpha=0.01)
            """
        )
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 failed, 1 passed" in run.stdout
    assert "Quality gate: FAILED: temporal_flickering degraded" in run.stdout


@pytest.mark.parametrize("bad", [["--nope"], ["--update-golden", "--baseline", "a", "--candidate", "b"]])
def test_bad_arguments_are_one_line_errors(bad, capsys) -> None:
    assert eval_main(["regression", *bad]) == 2
    assert capsys.readouterr().err.startswith("hyvideo-eval: error: ")
