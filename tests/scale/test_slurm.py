"""Slurm job arrays through submitit's local executor: generation shards, eval shards and the merge
reproduce the single-process run; eval shards started by hand; their one-line errors."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from evalsuite.cli import eval_main
from evalsuite.config import compose
from evalsuite.errors import ConfigError
from evalsuite.metrics.cache import FeatureCache
from evalsuite.pipeline.run import run_eval
from evalsuite.pipeline.scoring import merge_cache_parts
from evalsuite.scale.shards import shard_positions

COMMON = [
    "prompts.limit=5",
    "runtime.progress=false",
    "runtime.threads=1",
    "metrics.names=[temporal_flickering,feature_consistency_effnet_lite0,sharpness]",
    "metrics.videos_per_batch=2",
]


@pytest.mark.parametrize(("n", "size", "count"), [(10, 3, 2), (7, 2, 3), (1, 4, 2), (0, 2, 2), (9, 4, 1)])
def test_shards_take_whole_chunks_and_cover_every_video_once(n: int, size: int, count: int) -> None:
    parts = [shard_positions(n, size, i, count) for i in range(count)]
    assert sorted(p for part in parts for p in part) == list(range(n))
    chunks = [list(range(s, min(s + size, n))) for s in range(0, n, size)]
    for i, part in enumerate(parts):
        assert part == [p for chunk in chunks[i::count] for p in chunk]


def scores_without_timing(folder: Path) -> pd.DataFrame:
    table = pd.read_parquet(folder / "scores.parquet")
    return table.drop(columns=["seconds"])


def report_text(folder: Path) -> str:
    return re.sub(r"config hash `[0-9a-f]+`", "config hash", (folder / "report.md").read_text())


def test_slurm_arrays_on_the_local_executor_equal_the_single_process_run(
    run_dir: Path, capsys, monkeypatch
) -> None:
    pytest.importorskip("submitit")
    monkeypatch.setattr("evalsuite.scale.slurm.POLL_SECONDS", 0.5)
    single = run_eval(compose([*COMMON, "runtime.output_dir=single"]))
    assert (
        eval_main(
            [
                "slurm",
                *COMMON,
                "runtime.output_dir=cluster",
                "runtime.slurm.executor=local",
                "runtime.slurm.generation_shards=2",
                "runtime.slurm.eval_shards=2",
            ]
        )
        == 0
    ), capsys.readouterr().err
    cluster = Path("cluster")
    # Each array task wrote its own part.
    assert sorted(p.name for p in cluster.glob("manifest.shard-*")) == [
        "manifest.shard-0-of-2.parquet",
        "manifest.shard-1-of-2.parquet",
    ]
    assert len(list(cluster.glob("scores.shard-*-of-2.parquet"))) == 2
    assert len(list((cluster / "cache-parts").glob("shard-*/features.sqlite"))) == 2
    # The videos are the same bytes; the scores and the report are the single process's.
    manifests = [
        pd.read_parquet(f / "manifest.parquet").sort_values("prompt_id") for f in (Path("single"), cluster)
    ]
    assert list(manifests[0]["sha256"]) == list(manifests[1]["sha256"])
    pd.testing.assert_frame_equal(
        scores_without_timing(cluster), scores_without_timing(single.paths.output_dir), check_exact=True
    )
    assert report_text(cluster) == report_text(single.paths.output_dir)


def test_an_eval_shard_by_hand_then_the_merge(run_dir: Path, capsys) -> None:
    run = ["model=synthetic_videos", "prompts.limit=6", *COMMON[1:]]
    single = run_eval(compose([*run, "runtime.output_dir=single"]))
    from evalsuite.pipeline.run import run_generation

    run_generation(compose([*run, "runtime.output_dir=sharded"]))
    for i in range(2):
        assert (
            eval_main(["score-shard", *run, "runtime.output_dir=sharded", f"runtime.eval_shard={i}/2"]) == 0
        )
    parts = [pd.read_parquet(f"sharded/scores.shard-{i}-of-2.parquet") for i in range(2)]
    assert [len(p) for p in parts] == [4 * 3, 2 * 3]  # chunks {0,1},{4,5} and {2,3} of 2 videos, 3 metrics
    merged = run_eval(compose([*run, "runtime.output_dir=sharded"]))
    # A rerun does not read the parts again (they are unchanged and already in this cache).
    cache = FeatureCache(compose().runtime.cache_dir)
    assert merge_cache_parts(cache, Path("sharded")) == 0
    cache.close()
    pd.testing.assert_frame_equal(
        merged.scores.drop(columns=["seconds"]), single.scores.drop(columns=["seconds"]), check_exact=True
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["runtime.eval_shard=2/2"], "need 0 <= i < n"),
        (["runtime.eval_shard=one"], "write it as i/n"),
        (["runtime.backend=spark"], "runtime.backend"),
        (["runtime.slurm.executor=pbs"], "runtime.slurm.executor"),
        (["runtime.threads=-1"], "runtime.threads"),
    ],
)
def test_bad_scale_settings_are_one_line(run_dir: Path, overrides: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        compose(overrides)


def test_eval_shard_errors_are_one_line(run_dir: Path, capsys) -> None:
    assert eval_main(["score-shard", "model=synthetic_videos", "runtime.eval_shard=0/2"]) == 2
    assert "manifest.parquet does not exist: make the videos first" in capsys.readouterr().err
    assert eval_main(["score-shard", "model=synthetic_videos"]) == 2
    assert "needs runtime.eval_shard=i/n" in capsys.readouterr().err
    assert eval_main(["model=synthetic_videos", "runtime.eval_shard=0/2"]) == 2
    assert "hyvideo-eval score-shard" in capsys.readouterr().err
    assert (
        eval_main(["score-shard", "model=synthetic_videos", "runtime.eval_shard=0/2", "metrics.cache=false"])
        == 2
    )
    assert "set metrics.cache=true" in capsys.readouterr().err


def test_the_sample_cluster_config_composes() -> None:
    slurm = compose(["runtime=slurm_example"]).runtime.slurm
    assert (slurm.executor, slurm.partition, slurm.gpus_per_task) == ("slurm", "gpu", 1)


def test_a_damaged_cache_part_is_one_line_naming_it(run_dir: Path, capsys) -> None:
    part = Path("run/cache-parts/shard-1-of-2/features.sqlite")
    part.parent.mkdir(parents=True)
    part.write_bytes(b"not a database" * 100)
    overrides = [
        "model=synthetic_videos",
        "prompts.limit=2",
        "runtime.output_dir=run",
        "runtime.progress=false",
    ]
    assert eval_main(overrides) == 2
    err = capsys.readouterr().err
    assert (
        "run/cache-parts/shard-1-of-2/features.sqlite: not a readable cache part" in err
        and "runtime.eval_shard=1/2" in err
        and len(err.strip().splitlines()) == 1
    )
