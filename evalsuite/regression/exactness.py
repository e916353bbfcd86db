"""The exactness layer: a seeded tiny-model run compared with a golden file committed in the repo.

The `tiny` HunyuanVideo preset with random weights from `model.weights_seed` generates every prompt of
the prompt set with its per-prompt seed, at the small size of `conf/regression`. Three things are kept
per prompt and compared with the golden file within the tolerances of the run's dtype:

    latents  the sampler's final latents (before the VAE): max |Δ| <= latents_atol
    frames   the decoded uint8 frames: max |Δ| <= frames_max_abs grey levels and at most
             frames_max_fraction of the pixels differing by more than frames_fraction_above
    metrics  each of `regression.metrics` (metrics without networks) on those frames:
             |Δ| <= metrics_atol + metrics_rtol · |golden value|

A change that only touches the VAE moves frames and metrics but not latents; a transformer or sampler
change moves all three; the report names each quantity that moved, in how many prompts, by how much.

A run is compared only with a golden file of its own dtype (`golden_path`): measured on the tiny model,
bf16 rounding alone moves the final latents by 0.11 against fp32 (2.8% RMS), more than switching RoPE
off does in fp32 (0.055, 0.9% RMS), so a bf16 run against the fp32 file could not tell a broken change
from rounding. Against a bf16 file written on the same kind of device it can (regression/README.md).
"""

from __future__ import annotations

import dataclasses
import json
import platform
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from evalsuite.config.schema import EvalConfig, HYVideoModelConfig, ToleranceConfig
from evalsuite.data.atomic import atomic_path
from evalsuite.errors import ConfigError, SuiteError


class GoldenError(SuiteError):
    """The golden file is missing or unreadable."""


@dataclass
class RunOutputs:
    """What the exactness layer keeps of one tiny-model run."""

    prompt_ids: list[str]
    latents: dict[str, np.ndarray]  # float32 (16, t, h, w)
    frames: dict[str, np.ndarray]  # uint8 (T, H, W, 3)
    metrics: pd.DataFrame  # prompt_id, metric, value
    meta: dict = field(default_factory=dict)


def regression_model(cfg: EvalConfig) -> HYVideoModelConfig:
    """The model config of the golden run: the tiny random model at the regression size."""
    model = cfg.model
    if not isinstance(model, HYVideoModelConfig) or model.weights != "random" or model.preset != "tiny":
        raise ConfigError(
            "the exactness layer runs the tiny preset with seeded random weights; use model=hyvideo_tiny "
            f"(got model.name={getattr(model, 'name', '?')})"
        )
    reg = cfg.regression
    return dataclasses.replace(
        model, height=reg.height, width=reg.width, num_frames=reg.num_frames, steps=reg.steps
    )


def generate_outputs(cfg: EvalConfig, pipeline=None) -> RunOutputs:
    """Run the golden configuration. `pipeline` replaces the one the config builds (tests pass a
    deliberately broken one)."""
    from evalsuite.data.video import Video
    from evalsuite.metrics import METRICS
    from evalsuite.metrics.base import VideoInputs
    from evalsuite.pipeline.generate import build_pipeline, prompt_seed, sampling_config
    from evalsuite.pipeline.prompts import load_prompts

    model = regression_model(cfg)
    prompts = load_prompts(cfg.prompts).table
    pipeline = pipeline if pipeline is not None else build_pipeline(model, cfg.runtime)
    sampling = sampling_config(model)
    metrics = [METRICS[name]() for name in cfg.regression.metrics]
    outputs = RunOutputs([], {}, {}, pd.DataFrame(), meta=_meta(cfg, model))
    rows = []
    items = list(zip(prompts["prompt_id"], prompts["prompt"], strict=True))
    for prompt_id, prompt in tqdm(
        items, desc="regression run", unit="video", disable=not cfg.runtime.progress
    ):
        result = pipeline(prompt, prompt_seed(model, prompt_id), sampling)
        outputs.prompt_ids.append(prompt_id)
        outputs.latents[prompt_id] = result.latents[0].float().numpy()
        outputs.frames[prompt_id] = result.frames
        inputs = VideoInputs(Video(result.frames, float(model.fps), prompt_id), prompt=prompt)
        rows += [(prompt_id, m.name, float(m.evaluate(inputs))) for m in metrics]
    outputs.metrics = pd.DataFrame(rows, columns=["prompt_id", "metric", "value"])
    return outputs


def _meta(cfg: EvalConfig, model: HYVideoModelConfig) -> dict:
    import torch

    from evalsuite.version import code_version

    return {
        "prompt_set": cfg.prompts.name,
        "model": {
            k: getattr(model, k)
            for k in ("preset", "weights_seed", "seed", "height", "width", "num_frames", "steps", "fps")
        },
        "dtype": cfg.runtime.dtype,
        "metrics": list(cfg.regression.metrics),
        "code": code_version(),
        "torch": torch.__version__,
        "machine": platform.processor() or platform.machine(),
    }


# ---- the golden file ----


def save_golden(path: str | Path, outputs: RunOutputs) -> None:
    """Write the golden file atomically (NumPy .npz, compressed)."""
    arrays = {
        "meta": np.array(json.dumps(outputs.meta, sort_keys=True)),
        "prompt_ids": np.array(outputs.prompt_ids),
        "metric_prompt_ids": outputs.metrics["prompt_id"].to_numpy(dtype=str),
        "metric_names": outputs.metrics["metric"].to_numpy(dtype=str),
        "metric_values": outputs.metrics["value"].to_numpy(dtype=np.float64),
    }
    for i, pid in enumerate(outputs.prompt_ids):
        arrays[f"latents_{i}"] = outputs.latents[pid].astype(np.float32)
        arrays[f"frames_{i}"] = outputs.frames[pid].astype(np.uint8)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez_compressed(handle, **arrays)


def update_command(dtype: str = "float32") -> str:
    dtype_override = "" if dtype == "float32" else f"runtime.dtype={dtype} "
    return f"`nox -s regression -- {dtype_override}--update-golden`"


def load_golden(path: str | Path, dtype: str = "float32") -> RunOutputs:
    path = Path(path)
    fix = f"run {update_command(dtype)} to write it from the current code"
    if not path.is_file():
        raise GoldenError(f"{path}: no golden file; {fix}")
    try:
        with np.load(path, allow_pickle=False) as data:
            ids = [str(p) for p in data["prompt_ids"]]
            return RunOutputs(
                ids,
                {pid: data[f"latents_{i}"] for i, pid in enumerate(ids)},
                {pid: data[f"frames_{i}"] for i, pid in enumerate(ids)},
                pd.DataFrame(
                    {
                        "prompt_id": data["metric_prompt_ids"].astype(str),
                        "metric": data["metric_names"].astype(str),
                        "value": data["metric_values"],
                    }
                ),
                json.loads(str(data["meta"])),
            )
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as err:
        raise GoldenError(f"{path}: unreadable golden file ({type(err).__name__}: {err}); {fix}") from None


# ---- comparison ----


@dataclass
class Comparison:
    rows: pd.DataFrame  # quantity, tolerance, prompts, moved, max_abs, worst_prompt
    missing: list[str]  # prompts in the golden file, not in this run
    added: list[str]  # prompts in this run, not in the golden file
    dtype: str

    @property
    def passed(self) -> bool:
        return not self.missing and not self.added and int(self.rows["moved"].sum()) == 0

    def moved(self) -> pd.DataFrame:
        return self.rows[self.rows["moved"] > 0]

    def summary_line(self) -> str:
        if self.passed:
            return f"exactness: PASSED, every quantity within the {self.dtype} tolerances"
        parts = [
            f"{r.quantity} ({r.moved}/{r.prompts} prompts, max |Δ| {r.max_abs:.4g} at {r.worst_prompt})"
            for r in self.moved().itertuples()
        ]
        if self.missing or self.added:
            parts.append(f"prompt set changed ({len(self.missing)} missing, {len(self.added)} new)")
        return f"exactness: FAILED, moved beyond the {self.dtype} tolerances: " + "; ".join(parts)

    def markdown(self) -> str:
        view = self.rows.assign(max_abs=self.rows["max_abs"].map(lambda v: f"{v:.4g}")).rename(
            columns={"max_abs": "max abs Δ", "worst_prompt": "worst prompt"}
        )
        lines = [f"## Exactness: {'PASSED' if self.passed else 'FAILED'}", "", self.summary_line(), ""]
        lines.append(view.to_markdown(index=False))
        if self.missing:
            lines.append(f"\nIn the golden file only: {', '.join(self.missing)}")
        if self.added:
            lines.append(f"\nIn this run only: {', '.join(self.added)}")
        return "\n".join(lines) + "\n"


def _row(quantity: str, tolerance: str, diffs: dict[str, tuple[float, bool]]) -> dict:
    worst = max(diffs, key=lambda p: diffs[p][0]) if diffs else None
    largest = diffs[worst][0] if worst is not None else 0.0
    return {
        "quantity": quantity,
        "tolerance": tolerance,
        "prompts": len(diffs),
        "moved": sum(moved for _, moved in diffs.values()),
        "max_abs": largest,
        "worst_prompt": worst if largest > 0 else "–",
    }


def _frame_diff(a: np.ndarray, b: np.ndarray, tol: ToleranceConfig) -> tuple[float, bool]:
    if a.shape != b.shape:
        return float("inf"), True
    diff = np.abs(a.astype(np.int16) - b.astype(np.int16))
    return float(diff.max()), bool(
        diff.max() > tol.frames_max_abs or np.mean(diff > tol.frames_fraction_above) > tol.frames_max_fraction
    )


def _array_diff(a: np.ndarray, b: np.ndarray, atol: float) -> tuple[float, bool]:
    if a.shape != b.shape:
        return float("inf"), True
    worst = float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))) if a.size else 0.0
    return worst, bool(worst > atol or not np.isfinite(worst))


def compare(golden: RunOutputs, current: RunOutputs, tolerance: ToleranceConfig, dtype: str) -> Comparison:
    in_golden, in_current = set(golden.prompt_ids), set(current.prompt_ids)
    shared = [p for p in golden.prompt_ids if p in in_current]
    rows = [
        _row(
            "latents",
            f"max abs Δ <= {tolerance.latents_atol:g}",
            {p: _array_diff(golden.latents[p], current.latents[p], tolerance.latents_atol) for p in shared},
        ),
        _row(
            "frames",
            f"max abs Δ <= {tolerance.frames_max_abs}, <= {tolerance.frames_max_fraction:.2%} of pixels differ"
            + (f" by more than {tolerance.frames_fraction_above}" if tolerance.frames_fraction_above else ""),
            {p: _frame_diff(golden.frames[p], current.frames[p], tolerance) for p in shared},
        ),
    ]
    old = golden.metrics.set_index(["metric", "prompt_id"])["value"]
    new = current.metrics.set_index(["metric", "prompt_id"])["value"]
    for name in dict.fromkeys([*golden.metrics["metric"], *current.metrics["metric"]]):
        diffs = {}
        for p in shared:
            a, b = old.get((name, p)), new.get((name, p))
            if a is None or b is None:
                diffs[p] = (float("inf"), True)
            else:
                allowed = tolerance.metrics_atol + tolerance.metrics_rtol * abs(a)
                diffs[p] = _array_diff(np.array([a]), np.array([b]), allowed)
        rows.append(
            _row(
                f"metric {name}",
                f"abs Δ <= {tolerance.metrics_atol:g} + {tolerance.metrics_rtol:g} × abs(golden)",
                diffs,
            )
        )
    return Comparison(
        pd.DataFrame(rows),
        [p for p in golden.prompt_ids if p not in in_current],
        [p for p in current.prompt_ids if p not in in_golden],
        dtype,
    )


def golden_path(cfg: EvalConfig) -> Path:
    """The golden file of the run's dtype: `regression.golden` for float32, else the same name with
    `.<dtype>` before `.npz` (e.g. hyvideo-tiny__embedded.bfloat16.npz)."""
    path = Path(cfg.regression.golden)
    dtype = cfg.runtime.dtype
    return path if dtype == "float32" else path.with_name(f"{path.stem}.{dtype}{path.suffix}")


def check_golden_dtype(golden: RunOutputs, dtype: str, path: Path) -> None:
    """Refuse to compare a run with a golden file written in another dtype (see the module docstring)."""
    written = golden.meta.get("dtype", "float32")
    if written != dtype:
        raise GoldenError(
            f"{path}: written in {written}, this run is {dtype}; rounding alone would move it beyond any "
            f"tolerance that still catches a broken change. Write a {dtype} golden on the kind of device "
            f"that runs the gate: {update_command(dtype)}, and commit it"
        )


def tolerance_for(cfg: EvalConfig) -> ToleranceConfig:
    dtype = cfg.runtime.dtype
    if dtype not in cfg.regression.tolerances:
        raise ConfigError(
            f"regression.tolerances has no entry for runtime.dtype={dtype}; add regression.tolerances.{dtype}"
        )
    return cfg.regression.tolerances[dtype]
