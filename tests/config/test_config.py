from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from evalsuite.cli import eval_main, generate_main
from evalsuite.config import compose, config_groups
from evalsuite.errors import ConfigError


def test_default_config_composes_and_validates() -> None:
    cfg = compose()
    assert cfg.model.kind == "hyvideo" and cfg.model.preset == "tiny" and cfg.model.weights == "random"
    assert cfg.prompts.name == "embedded" and Path(cfg.prompts.path).is_file()
    assert "temporal_flickering" in cfg.metrics.names and "brisque" in cfg.metrics.names
    assert cfg.run_id == "hyvideo-tiny-random__embedded"
    assert cfg.runtime.output_dir == "reports/hyvideo-tiny-random__embedded"
    assert cfg.choices == {
        "model": "hyvideo_tiny",
        "prompts": "embedded",
        "metrics": "default",
        "human": "none",
        "report": "default",
        "runtime": "cpu",
        "weights": "default",
        "regression": "default",
        "compare": "none",
        "distribution": "none",
        "judge": "default",
    }
    assert [m.name for m in cfg.systems] == ["hyvideo-tiny-random"] and not cfg.is_comparison


def test_every_group_option_composes(tmp_path: Path) -> None:
    listed = tmp_path / "systems.yaml"
    listed.write_text("systems:\n  - {option: synthetic_videos}\n  - {option: hyvideo_tiny}\n")
    required = {
        "compare=file": [f"compare.systems_file={listed}", "compare.run_name=x"],
        "distribution=reference": ["distribution.reference.dir=/tmp"],
        "model=videos_dir": ["model.name=x", "model.dir=/tmp"],
        "model=hyvideo": ["model.weights=/ckpts"],
        "prompts=penguin": ["prompts.path=/p.csv"],
        "prompts=file": ["prompts.path=/p.csv"],
        **{
            f"prompts={suite}": ["prompts.path=/p"]
            for suite in ("vbench", "evalcrafter", "fetv", "t2v_compbench")
        },
    }
    for group, options in config_groups().items():
        assert options, f"config group {group} has no options"
        for option in options:
            choice = f"{group}={option}"
            compose([choice, *required.get(choice, [])])


def test_overrides_reach_the_typed_config() -> None:
    cfg = compose(["prompts.limit=6", "runtime=gpu", "run_id=my_run", "runtime.workers=2"])
    assert cfg.prompts.limit == 6 and cfg.runtime.device == "cuda" and cfg.runtime.dtype == "bfloat16"
    assert cfg.runtime.output_dir == "reports/my_run" and cfg.runtime.workers == 2


def test_cache_dir_honours_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYVIDEO_EVAL_CACHE", "/somewhere/cache")
    assert compose().runtime.cache_dir == "/somewhere/cache"
    monkeypatch.delenv("HYVIDEO_EVAL_CACHE")
    assert compose().runtime.cache_dir == "~/.cache/hyvideo-eval"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            ["model=nope"],
            r"unknown model option 'nope'; valid choices: hyvideo, hyvideo_tiny, synthetic_videos, videos_dir",
        ),
        (
            ["prompts=nope"],
            r"unknown prompts option 'nope'; valid choices: embedded, evalcrafter, fetv, file, penguin, structured, t2v_compbench, vbench",
        ),
        (["prompts.limt=3"], r"unknown config key 'prompts.limt'"),
        (["prompts.limit=three"], r"prompts.limit: Value 'three'"),
        (
            ["runtime.dtype=float8"],
            r"runtime.dtype='float8' is not valid; choose one of: float32, bfloat16, float16",
        ),
        (["runtime.device=tpu"], r"runtime.device='tpu' is not valid"),
        (["report.formats=[pdf]"], r"report.formats='pdf' is not valid"),
        (["regression.quality.method=ttest"], r"regression.quality.method='ttest' is not valid"),
        (["regression.quality.alpha=2"], r"regression.quality.alpha must be in \(0, 1\)"),
        (
            ["model=videos_dir"],
            r"model.name is required by conf/model/videos_dir.yaml: add model.name=<value>",
        ),
        (["model=videos_dir", "model.name=x"], r"model.dir is required"),
        (
            ["prompts=penguin"],
            r"prompts.path is required by conf/prompts/penguin.yaml.*Tencent-Hunyuan/HunyuanVideo",
        ),
        (["prompts.limit=0"], r"prompts.limit must be >= 1"),
        (["prompts.limit=="], r"cannot parse override"),
        (["run_id=a/b"], r"run_id='a/b' must be a plain folder name"),
        (
            ["model=hyvideo"],
            r"model.weights is required by conf/model/hyvideo.yaml.*docs/guide/weights.md",
        ),
        (["model=hyvideo", "model.weights=random"], r"model.weights=random is only for the tiny test preset"),
        (["model.weights=/ckpts"], r"the tiny preset has no released weights: use model.weights=random"),
        (
            ["model=hyvideo", "model.weights=/c", "model.preset=HYVideo-XL"],
            r"model.preset='HYVideo-XL' is not valid",
        ),
        (["model.shard=2/2"], r"model.shard='2/2': need 0 <= i < n"),
        (["model.shard=half"], r"model.shard='half': write it as i/n"),
        (
            ["model.rewrite.mode=poet"],
            r"model.rewrite.mode='poet' is not valid; choose one of: none, normal, master",
        ),
        (
            ["model.rewrite.mode=master"],
            r"model.rewrite.path is required by the transformers rewrite backend",
        ),
        (
            ["model.rewrite.mode=normal", "model.rewrite.backend=openai"],
            r"model.rewrite.url and model.rewrite.api_model are required",
        ),
    ],
)
def test_bad_overrides_give_one_clear_line(overrides: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        compose(overrides)
    assert "\n" not in str(info.value)


def test_cli_prints_one_line_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert eval_main(["model=nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err
        == "hyvideo-eval: error: unknown model option 'nope'; valid choices: hyvideo, hyvideo_tiny, synthetic_videos, videos_dir"
    )
    assert eval_main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err
    assert generate_main(["prompts=penguin"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_cli_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    assert eval_main(["config", "prompts.limit=3"]) == 0
    out = capsys.readouterr().out
    assert (
        "limit: 3" in out and "# available: model: hyvideo, hyvideo_tiny, synthetic_videos, videos_dir" in out
    )
    assert eval_main(["prompts"]) == 0
    assert "prompt set 'embedded': 24 prompts" in capsys.readouterr().out
    assert eval_main(["metrics"]) == 0
    listed = capsys.readouterr().out
    assert "temporal_flickering v1" in listed and "dynamic_degree_dis v1" in listed


def test_console_script_bad_override_in_a_real_process(tmp_path: Path) -> None:
    """What a user sees in a terminal: one line on stderr, no traceback, exit code 2."""
    result = subprocess.run(
        [sys.executable, "-m", "evalsuite.cli", "runtime.dtype=fp8"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "hyvideo-eval: error: runtime.dtype='fp8' is not valid; choose one of: float32, bfloat16, float16"
    ]
    assert list(tmp_path.iterdir()) == []  # nothing written for a run that never started


def test_generate_command_writes_only_the_manifest_stage(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate_main(["prompts.limit=2", "runtime.progress=false"]) == 0
    assert "manifest reports/hyvideo-tiny-random__embedded/manifest.parquet: ok 2" in capsys.readouterr().out
    out = run_dir / "reports" / "hyvideo-tiny-random__embedded"
    assert sorted(p.name for p in out.iterdir()) == ["config.yaml", "manifest.parquet", "videos"]
    assert len(list((out / "videos").iterdir())) == 2


def test_metric_names_are_checked_by_the_registry_before_any_work(run_dir, capsys) -> None:
    """The config layer does not know the metrics; the registry checks names when a job starts."""
    from evalsuite.cli import eval_main

    assert eval_main(["metrics.names=[nope]", "model=synthetic_videos"]) == 2
    err = capsys.readouterr().err
    assert "unknown metric(s) ['nope']; registered: aesthetic_quality, " in err and len(err.splitlines()) == 1
    assert not (run_dir / "reports").exists()  # nothing was made
    assert eval_main(["regression", "regression.metrics=[clip_score_l14]"]) == 2
    assert "clip_score_l14 needs network weights" in capsys.readouterr().err
