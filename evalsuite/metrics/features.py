"""Per-frame network features: each one computed once per video and frame view, shared by every metric
that reads it, and cached on disk (evalsuite/metrics/cache.py).

A `FeatureSpec` names a network of the weights registry, the frame view it sees (VBench's transforms,
reproduced in `FrameView` terms) and the normalisation applied before the network. `NetworkPool`
loads each network once per run: from its verified weight file, or, only when `weights.allow_random`
(or a test) asks, with seeded random weights, which every report then announces.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Protocol

import numpy as np
import torch

from evalsuite.data.views import FrameView
from evalsuite.machine import return_freed_memory
from evalsuite.metrics import clip_inputs
from evalsuite.metrics.precision import KEPT_IN_FP32, dtype_name
from evalsuite.networks import (
    aesthetic,
    amt,
    clip,
    dino,
    efficientnet,
    fid_inception,
    i3d,
    musiq,
    raft,
    videomae,
)
from evalsuite.weights import WeightsCorrupt, WeightsMissing, WeightsRegistry, fix_command

log = logging.getLogger(__name__)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# VBench's clip_transform(224): Resize(224, bicubic, antialias=False) on float frames, CenterCrop(224).
CLIP_VIEW = FrameView(size=224, interpolation="bicubic", antialias=False, crop=224, as_float=True)
# VBench's dino_transform(224): Resize(224, bilinear, antialias=False), no crop.
DINO_VIEW = FrameView(size=224, interpolation="bilinear", antialias=False, as_float=True)


# A clip network's view: its first frames as decoded; `prepare` does the reference code's resizing.
FIRST_16 = FrameView(first_frames=clip_inputs.CLIP_FRAMES)
NO_NORMALISATION = ((0.0, 0.0, 0.0), (1.0, 1.0, 1.0))
CLIP_NORMALISATION = (clip.CLIP_MEAN, clip.CLIP_STD)
# Activation memory one forward pass may take: frames per pass are as many as fit, at most the
# engine's `frame_batch`. At 128 MiB, CLIP L/14 runs 7 frames together (at 32 it took 0.5 GiB, for 4 %
# less time), DINO at 480p 11, CLIP B/32 32.
BATCH_BYTES = 128 * 2**20


@dataclass(frozen=True)
class FeatureSpec:
    """Per-frame features (the network's `embed_images` on normalised view frames), or, with
    `clip_frames`, one feature per video from its view's frames as one clip: `prepare` turns B×T×H×W×3
    uint8 clips into the network's input and `embed_clips` returns one row per clip."""

    name: str
    network: str  # a key of the weights registry
    view: FrameView
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    version: str = "1"
    clip_frames: int | None = None
    prepare: Callable[[np.ndarray], torch.Tensor] | None = None
    # Peak activation memory of one frame's forward pass per pixel of its view frame, measured (CPU,
    # fp32): bounds how many frames run together (`frames_per_pass`).
    activation_bytes_per_pixel: int = 128

    def rows(self, frames: int) -> int:
        """How many feature rows a video with `frames` view frames has."""
        return 1 if self.clip_frames else frames


FEATURES: dict[str, FeatureSpec] = {
    spec.name: spec
    for spec in (
        # Measured: 2.2 MiB per 224² frame (B/32), 16.5 MiB (L/14), 10.9 MiB per 224×395 frame (DINO).
        FeatureSpec(
            "clip_vit_b32_image",
            "clip_vit_b32",
            CLIP_VIEW,
            *CLIP_NORMALISATION,
            activation_bytes_per_pixel=48,
        ),
        FeatureSpec(
            "clip_vit_l14_image",
            "clip_vit_l14",
            CLIP_VIEW,
            *CLIP_NORMALISATION,
            activation_bytes_per_pixel=352,
        ),
        FeatureSpec(
            "dino_vitb16_cls",
            "dino_vitb16",
            DINO_VIEW,
            IMAGENET_MEAN,
            IMAGENET_STD,
            activation_bytes_per_pixel=136,
        ),
        # The same view as DINO's, so the offline consistency twin differs from it only in the network.
        FeatureSpec(
            "efficientnet_lite0_pool", "efficientnet_lite0", DINO_VIEW, efficientnet.MEAN, efficientnet.STD
        ),
        # Set-level metrics (evalsuite/distribution/): pytorch-fid's frames / 255 into FID's Inception,
        # which resizes to 299 itself; cd-fvd's clips into I3D and VideoMAE (evalsuite/metrics/clip_inputs.py).
        FeatureSpec("inception_pool3", "fid_inception", FrameView(), *NO_NORMALISATION),
        FeatureSpec(
            "i3d_logits",
            "i3d_400",
            FIRST_16,
            *NO_NORMALISATION,
            clip_frames=16,
            prepare=clip_inputs.i3d_input,
        ),
        FeatureSpec(
            "videomae_g_ssv2",
            "videomae_vitg_ssv2",
            FIRST_16,
            *NO_NORMALISATION,
            clip_frames=16,
            prepare=clip_inputs.videomae_input,
        ),
    )
}


def _load_dino(path: Path | None) -> torch.nn.Module:
    model = dino.DinoViT()
    if path is not None:
        dino.load_dino_state_dict(model, torch.load(path, map_location="cpu", weights_only=True))
    return model


def every_kth(name: str, every: int) -> str:
    """The feature `name` on one view frame in `every` from the first (a fast-profile twin's input,
    evalsuite/metrics/fast.py), registered on first use as `<name>_every<k>`; returns its name."""
    twin = f"{name}_every{every}"
    if twin not in FEATURES:
        spec = FEATURES[name]
        FEATURES[twin] = replace(spec, name=twin, view=replace(spec.view, every=every))
    return twin


#: How each registry network is built from its file (None: random weights). CLIPs (`clip.ARCHITECTURES`)
#: also take `text`: without it, the image tower alone.
LOADERS: dict[str, Callable[[Path | None], torch.nn.Module]] = {
    "clip_vit_b32": partial(clip.load_clip, network="clip_vit_b32"),
    "clip_vit_l14": partial(clip.load_clip, network="clip_vit_l14"),
    "dino_vitb16": _load_dino,
    "efficientnet_lite0": efficientnet.load_efficientnet_lite0,
    "laion_aesthetic_l14": aesthetic.load_aesthetic_head,
    "raft_large": raft.load_raft,
    "musiq_spaq": musiq.load_musiq,
    "amt_s": amt.load_amt_s,
    "fid_inception": fid_inception.load_fid_inception,
    "i3d_400": i3d.load_i3d,
    "videomae_vitg_ssv2": videomae.load_videomae,
}


class Service(Protocol):
    """Something a metric asks for by name besides a network: the VLM judge's endpoint, its question
    file. `identity` keys the values computed with it (as a network's file sha256 does) and goes into
    the run's provenance; `unavailable()` is None or the one-line reason with its fix."""

    identity: str

    def unavailable(self) -> str | None: ...


# The names services go by (evalsuite/metrics/judge.py asks for them).
SERVICE_NAMES = frozenset({"vlm_judge", "judge_questions_file"})


class NetworkPool:
    """Each network loaded at most once per run, on `device`, in fp32 and eval mode.

    `overrides` hands in ready-made modules by name (tests build tiny ones); their weights id is
    their `weights_id` attribute or "override". `services` hands in what metrics ask for besides
    networks (the VLM judge's endpoint and question file, `Service`): available when the service says
    so, keyed and recorded by its identity, never loaded, released or autocast.
    """

    def __init__(
        self,
        registry: WeightsRegistry,
        device: str = "cpu",
        allow_random: bool = False,
        seed: int = 0,
        overrides: dict[str, torch.nn.Module] | None = None,
        autocast: torch.dtype | None = None,
        services: dict[str, Service] | None = None,
    ):
        self.registry = registry
        self.device = torch.device(device)
        self.autocast_dtype = autocast  # the fast profile's (evalsuite/metrics/fast.py); None: fp32
        self.allow_random = allow_random
        self.seed = seed
        self._modules: dict[str, torch.nn.Module] = {}
        self._ids: dict[str, str] = {}
        self.random: list[str] = []
        # network -> the id of the weights it ran with (its file's sha256), for every network whose
        # features or values the run computed or read from the cache: the run's provenance (run.json)
        self.used: dict[str, str] = {}
        self._overrides = set(overrides or {})
        self.services: dict[str, Service] = dict(services or {})
        for name, module in (overrides or {}).items():
            self._modules[name] = module.to(self.device).eval()
            self._ids[name] = str(getattr(module, "weights_id", "override"))

    def available(self, name: str, text: bool = False) -> str | None:
        """None when `name` can be used, else the one-line reason with its fix. A file that is missing or
        fails its hash, or (checked by loading it once per file version, remembered beside the hashes)
        is truncated or not a checkpoint at all, makes only the metrics that need it unavailable; every
        other metric of the run still completes. A rerun from the cache loads nothing. A network that can
        be used is recorded in `used` with its weights' id."""
        if name in self._modules:
            self.used[name] = self._ids[name]
            return None
        if name in SERVICE_NAMES:
            service = self.services.get(name)
            reason = service.unavailable() if service else f"{name} is not configured for this run"
            if reason is None:
                self.used[name] = service.identity
            return reason
        try:
            resolved = self.registry.resolve(name)
        except WeightsMissing as err:
            if not self.allow_random:
                return str(err)
            self.weights_id(name)  # records the random weights' id
            return None
        except WeightsCorrupt as err:
            return str(err)
        if self.registry.loads(resolved):
            self.used[name] = resolved.sha256
            return None
        try:
            self.get(name, text=text)  # loaded as the run will use it, so the check's load is the run's
        except Exception as err:  # torch.load, pickle, zip and shape errors all mean: not this file
            spec = self.registry.spec(name)
            reason = " ".join(f"{type(err).__name__}: {err}".split())[:160]
            return (
                f"{resolved.path}: cannot be loaded as {name} ({reason}); the file is damaged or not "
                f"{spec.file}: delete it and {fix_command(name, spec).removeprefix('fix: ')}"
            )
        self.registry.mark_loads(resolved)
        return None

    def get(self, name: str, text: bool = False) -> torch.nn.Module:
        """The network, loaded once, or the service of that name (SERVICE_NAMES) as it was handed in. A
        CLIP is kept without its text tower unless `text` asks for it (metrics that embed text ask in
        `setup`); asking later reloads it whole."""
        if name in SERVICE_NAMES:
            return self.services[name]
        module = self._modules.get(name)
        if module is not None and text and not getattr(module, "has_text_tower", True):
            self.release(name)
            module = None
        if module is None:
            path, weights_id = self._locate(name)
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(self.seed)
                if name in clip.ARCHITECTURES:
                    dtype = self.autocast_dtype if self._autocasts(name) else None
                    module = LOADERS[name](path, text=text, autocast=dtype)
                else:
                    module = LOADERS[name](path)
            self._modules[name] = module.to(self.device).eval()
            self._ids[name] = weights_id
            self.used[name] = weights_id
            return_freed_memory()  # what loading held besides the network (a file's other tensors)
        return self._modules[name]

    def release(self, name: str) -> None:
        """Drop a loaded network (the next `get` loads it again); handed-in modules stay."""
        if name not in self._overrides and self._modules.pop(name, None) is not None:
            return_freed_memory()

    def weights_id(self, name: str) -> str:
        """The id that keys the network's features and values in the cache: its file's sha256, and under
        autocast the dtype too, so fast and exact values never share an entry."""
        if name in SERVICE_NAMES:
            self.used[name] = self.services[name].identity if name in self.services else "none"
            return self.used[name]
        if name not in self._ids:
            self._ids[name] = self._locate(name)[1]
        self.used[name] = self._ids[name]
        if self._autocasts(name):
            return f"{self._ids[name]}+autocast-{dtype_name(self.autocast_dtype)}"
        return self._ids[name]

    def autocast(self, *networks: str) -> contextlib.AbstractContextManager:
        """The context `networks` run in: autocast to the fast profile's dtype, or nothing (the exact
        profile, or a network the fast profile keeps in fp32). Its weight cache stays on: without it,
        small clips ran slower than exact (RAFT and AMT re-cast their weights at every call), and took
        more memory."""
        if self.autocast_dtype is None or not all(self._autocasts(name) for name in networks):
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.autocast_dtype)

    def _autocasts(self, name: str) -> bool:
        return self.autocast_dtype is not None and name not in KEPT_IN_FP32 and name not in SERVICE_NAMES

    def _locate(self, name: str) -> tuple[Path | None, str]:
        try:
            resolved = self.registry.resolve(name)
            return resolved.path, resolved.sha256
        except WeightsMissing:
            if not self.allow_random:
                raise
            if name not in self.random:
                log.warning(
                    "%s: weights missing; using RANDOM weights (seed %d) as weights.allow_random asks",
                    name,
                    self.seed,
                )
                self.random.append(name)
            return None, f"random-fp16-seed{self.seed}"  # fp16: CLIPs rounded as OpenAI's files


def normalise(frames: np.ndarray, spec: FeatureSpec, device: torch.device) -> torch.Tensor:
    """T×H×W×3 view frames (0-255) -> normalised T×3×H×W float32 tensor, as VBench's transforms do."""
    x = torch.from_numpy(np.ascontiguousarray(frames)).to(device).permute(0, 3, 1, 2).float().div(255.0)
    mean = torch.tensor(spec.mean, device=device).view(1, 3, 1, 1)
    std = torch.tensor(spec.std, device=device).view(1, 3, 1, 1)
    return (x - mean) / std


def frames_per_pass(spec: FeatureSpec, height: int, width: int, batch_size: int) -> int:
    """How many view frames of height × width one forward pass takes: as many as fit `BATCH_BYTES` of
    activations, at least 1, at most `batch_size`."""
    per_frame = spec.activation_bytes_per_pixel * height * width
    return max(1, min(batch_size, BATCH_BYTES // per_frame))


@torch.no_grad()
def extract(spec: FeatureSpec, network: torch.nn.Module, frames: np.ndarray, batch_size: int) -> np.ndarray:
    """Features (T×D float32) of view frames, `frames_per_pass` frames per forward pass (at most
    `batch_size`); for a clip feature, of the frames taken `clip_frames` at a time as clips (one row
    each), as many clips per pass as fit in `batch_size` frames."""
    device = next(network.parameters()).device
    out = []
    if spec.clip_frames:
        clips = frames.reshape(-1, spec.clip_frames, *frames.shape[1:])
        per_pass = max(1, batch_size // spec.clip_frames)
        for start in range(0, len(clips), per_pass):
            batch = spec.prepare(clips[start : start + per_pass]).to(device)
            out.append(network.embed_clips(batch).float().cpu())
        return torch.cat(out).numpy()
    per_pass = frames_per_pass(spec, frames.shape[1], frames.shape[2], batch_size)
    for start in range(0, len(frames), per_pass):
        batch = normalise(frames[start : start + per_pass], spec, device)
        out.append(network.embed_images(batch).float().cpu())
    return torch.cat(out).numpy()
