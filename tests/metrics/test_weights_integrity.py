"""A weight file that fails its hash, is truncated, or is not a checkpoint at all makes only the metrics
that need it unavailable, with one line naming the file and the fix; every other metric still runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from evalsuite.config import compose
from evalsuite.metrics.features import NetworkPool
from evalsuite.pipeline.run import run_eval
from evalsuite.weights import WeightsRegistry

NETWORKS = ["clip_vit_b32", "clip_vit_l14", "laion_aesthetic_l14", "dino_vitb16", "efficientnet_lite0",
            "musiq_spaq", "raft_large", "amt_s"]  # fmt: skip


def bad_files(folder: Path, name: str) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    garbage = folder / f"{name}-garbage.pth"
    garbage.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    whole = folder / f"{name}-whole.pth"
    torch.save({"weight": torch.randn(64, 64), "bias": torch.randn(64)}, whole)
    truncated = folder / f"{name}-truncated.pth"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    return {"garbage": garbage, "truncated": truncated}


@pytest.mark.parametrize("name", NETWORKS)
@pytest.mark.parametrize("kind", ["garbage", "truncated"])
def test_a_bad_file_is_one_line_naming_it_and_the_fix(tmp_path: Path, name: str, kind: str) -> None:
    path = bad_files(tmp_path, name)[kind]
    registry = WeightsRegistry(
        compose([f"weights.networks.{name}.path={path}", f"weights.dir={tmp_path}"]).weights
    )
    reason = NetworkPool(registry).available(name)
    assert reason is not None and len(reason.splitlines()) == 1
    assert str(path) in reason and f"weights fetch {name}" in reason
    spec = registry.spec(name)
    if spec.sha256 or spec.sha256_prefix:  # pinned: the hash catches it before any load
        assert "sha256" in reason
    else:
        assert "cannot be loaded" in reason


def test_other_metrics_of_the_run_complete(run_dir: Path, tmp_path: Path) -> None:
    garbage = bad_files(tmp_path, "dino")["garbage"]
    overrides = ["model=synthetic_videos", "runtime.progress=false", "prompts.limit=6",
                 "metrics.names=[temporal_flickering,subject_consistency]",
                 f"weights.networks.dino_vitb16.path={garbage}"]  # fmt: skip
    result = run_eval(compose(overrides))
    assert set(result.scores["metric"]) == {"temporal_flickering"}
    assert (result.scores["status"] == "ok").all()
    assert "subject_consistency" in result.score_run.unavailable
    assert "cannot be loaded as dino_vitb16" in result.score_run.unavailable["subject_consistency"]
    report = (result.paths.output_dir / "report.md").read_text()
    assert "## Unavailable metrics" in report and str(garbage) in report
    assert len(pd.read_parquet(result.paths.scores)) == 6


REAL_LAION = Path(__file__).resolve().parents[2].parent / "shared" / "weights" / "sa_0_4_vit_l_14_linear.pth"


def test_the_real_laion_head_passes_its_pin_and_loads(tmp_path: Path) -> None:
    """The LAION aesthetic head, as its repository ships it, matches the registry's sha256 pin, loads as
    VBench's 768 -> 1 linear head, and a run records its hash as the network's provenance."""
    if not REAL_LAION.is_file():
        pytest.skip(f"{REAL_LAION} not present (only on project machines)")
    registry = WeightsRegistry(
        compose(
            [f"weights.networks.laion_aesthetic_l14.path={REAL_LAION}", f"weights.dir={tmp_path}"]
        ).weights
    )
    resolved = registry.resolve("laion_aesthetic_l14")
    assert resolved.sha256 == registry.spec("laion_aesthetic_l14").sha256
    pool = NetworkPool(registry)
    assert pool.available("laion_aesthetic_l14") is None
    head = pool.get("laion_aesthetic_l14")
    assert tuple(head.weight.shape) == (1, 768)
    assert pool.used == {"laion_aesthetic_l14": resolved.sha256}
