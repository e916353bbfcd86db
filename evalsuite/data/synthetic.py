"""Synthetic test videos: patterns with known answers, made by the suite itself.

They are not model output. The embedded default run ingests them (model name `synthetic-test-videos`)
so that `nox -s eval` exercises every stage on a fresh machine with no weights; tests use them because
each pattern has a known score (a static clip never flickers, alternating black and white frames
always do, a texture moving k px per frame has flow magnitude k).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from evalsuite.data.video import write_video

SYNTHETIC_MODEL_NAME = "synthetic-test-videos"


def smooth_texture(height: int, width: int, seed: int = 0, cells: int = 6) -> np.ndarray:
    """A smooth random RGB texture (bicubic upsampling of a coarse random grid), uint8 H×W×3."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, size=(cells, max(2, cells * width // height), 3), dtype=np.uint8)
    return np.asarray(Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC))


def static(num_frames: int, height: int, width: int, seed: int = 0) -> np.ndarray:
    """The same frame repeated: no motion, no flicker."""
    return np.repeat(smooth_texture(height, width, seed)[None], num_frames, axis=0)


def translate(num_frames: int, height: int, width: int, seed: int = 0, px_per_frame: int = 2) -> np.ndarray:
    """A periodic texture shifted `px_per_frame` pixels to the right every frame (wrapping around)."""
    texture = smooth_texture(height, width, seed)
    return np.stack([np.roll(texture, t * px_per_frame, axis=1) for t in range(num_frames)])


def alternate(num_frames: int, height: int, width: int, seed: int = 0) -> np.ndarray:
    """Black and white frames in turn: the worst possible flicker."""
    frames = np.zeros((num_frames, height, width, 3), dtype=np.uint8)
    frames[1::2] = 255
    return frames


def fade(num_frames: int, height: int, width: int, seed: int = 0) -> np.ndarray:
    """A texture fading in from black at a constant rate."""
    texture = smooth_texture(height, width, seed).astype(np.float32)
    gains = np.linspace(0.0, 1.0, num_frames, dtype=np.float32)
    return np.round(texture[None] * gains[:, None, None, None]).astype(np.uint8)


def noise(num_frames: int, height: int, width: int, seed: int = 0) -> np.ndarray:
    """Independent uniform noise every frame."""
    return np.random.default_rng(seed).integers(0, 256, size=(num_frames, height, width, 3), dtype=np.uint8)


def moving_disk(num_frames: int, height: int, width: int, seed: int = 0) -> np.ndarray:
    """A bright disk crossing a dark textured background from left to right."""
    background = (smooth_texture(height, width, seed) // 3).astype(np.uint8)
    yy, xx = np.mgrid[0:height, 0:width]
    radius = max(2, min(height, width) // 6)
    frames = np.repeat(background[None], num_frames, axis=0)
    for t in range(num_frames):
        cx = radius + (width - 2 * radius) * t / max(1, num_frames - 1)
        frames[t][(yy - height / 2) ** 2 + (xx - cx) ** 2 <= radius**2] = (240, 220, 60)
    return frames


def add_flicker(frames: np.ndarray, amplitude: float) -> np.ndarray:
    """Even frames darker and odd frames brighter by `amplitude` grey levels, clipped to 0-255.

    A degradation whose effect on VBench's temporal flickering is known in sign for every pattern:
    consecutive frames move apart, so the score drops, except where clipping leaves a frame as it was
    (the black-and-white `alternate` pattern, already at the worst score, is unchanged: a tie). A
    brightness offset survives video compression, where per-pixel noise is largely smoothed away."""
    signs = np.where(np.arange(len(frames)) % 2 == 1, 1.0, -1.0)[:, None, None, None]
    shifted = frames.astype(np.float32) + np.float32(amplitude) * signs
    return np.clip(np.round(shifted), 0, 255).astype(np.uint8)


PATTERNS: dict[str, Callable[..., np.ndarray]] = {
    "static": static,
    "translate": translate,
    "moving_disk": moving_disk,
    "fade": fade,
    "alternate": alternate,
    "noise": noise,
}


def synthesize_test_videos(
    prompt_ids: list[str],
    out_dir: str | Path,
    *,
    num_frames: int = 17,
    height: int = 64,
    width: int = 96,
    fps: float = 24.0,
    seed: int = 0,
    flicker: float = 0.0,
) -> dict[str, Path]:
    """Write one short pattern video per prompt id (`<prompt_id>.mp4`), cycling through `PATTERNS`.

    `flicker` > 0 darkens every even frame and brightens every odd one by that many grey levels
    (clipped to 0-255; see `add_flicker`): a copy degraded by a known amount. Existing files are kept
    (the videos are deterministic), so re-running costs nothing. Returns prompt_id -> path.
    """
    out_dir = Path(out_dir)
    names = list(PATTERNS)
    written = {}
    for index, prompt_id in enumerate(prompt_ids):
        path = out_dir / f"{prompt_id}.mp4"
        if not path.exists():
            pattern = PATTERNS[names[index % len(names)]]
            frames = pattern(num_frames, height, width, seed=seed + index)
            if flicker > 0:
                frames = add_flicker(frames, flicker)
            write_video(path, frames, fps)
        written[prompt_id] = path
    return written
