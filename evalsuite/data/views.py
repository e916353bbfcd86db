"""Frame views: what a metric sees of a decoded video (which frames, at what size).

A `FrameView` is declared by each metric and derived from the single decode of a video, so a file is
read once however many metrics need it. Resizing runs torchvision's own `resize` on uint8 tensors, as
VBench does (antialias off by default there), so a view matches VBench's preprocessing exactly rather
than approximately.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from evalsuite.data.video import Video

INTERPOLATIONS = ("nearest", "bilinear", "bicubic")
_ADDED_LATER = ("first_frames", "every")


@dataclass(frozen=True)
class FrameView:
    """How to derive a metric's input from a decoded video.

    Steps, in order: keep the first `first_frames` frames (a video with fewer is refused), keep every
    `every`-th frame from the first (the fast profile's subsampling of per-frame means), resample to
    `fps` (nearest earlier frame at each output timestamp), or keep every
    round(video fps / `stride_to_fps`)-th frame from the first (VBench's `extract_frame` with
    interval = round(fps / 8), which gives 7.5 fps for a 30 fps video where `fps=8` gives 8), then take
    `num_frames` evenly spaced frames, then resize (`size` = shorter side as an int, or exact (h, w)),
    or, with `max_side`, shrink frames whose longer side exceeds it to (int(s·H), int(s·W)),
    s = max_side / longer side (VBench's imaging-quality "longer" mode), then centre-crop to `crop` (an
    int for a square, or (h, w)). Unset steps are skipped, so the default view is the video as decoded.

    `as_float` resizes float32 copies of the 0-255 values and keeps the result unrounded: that is what
    VBench's network metrics do, because its `load_video` returns `torch.Tensor(frames)` (float32)
    before `clip_transform` / `dino_transform` resize them. Classic metrics keep uint8 views.
    """

    fps: float | None = None
    stride_to_fps: float | None = None
    num_frames: int | None = None
    size: int | tuple[int, int] | None = None
    interpolation: str = "bilinear"
    antialias: bool = False
    crop: int | tuple[int, int] | None = None
    as_float: bool = False
    max_side: int | None = None
    first_frames: int | None = None
    every: int | None = None

    def __repr__(self) -> str:
        # Cache keys hold this repr: a field added later is left out at its default, so adding it keeps
        # every cached value's key.
        shown = [
            f"{f.name}={getattr(self, f.name)!r}"
            for f in fields(self)
            if f.name not in _ADDED_LATER or getattr(self, f.name) is not None
        ]
        return f"FrameView({', '.join(shown)})"

    def __post_init__(self) -> None:
        if self.interpolation not in INTERPOLATIONS:
            raise ValueError(f"interpolation must be one of {INTERPOLATIONS}, got {self.interpolation!r}")
        if self.fps is not None and self.fps <= 0:
            raise ValueError(f"fps must be positive, got {self.fps}")
        if self.fps is not None and self.stride_to_fps is not None:
            raise ValueError("give fps or stride_to_fps, not both")
        if self.stride_to_fps is not None and self.stride_to_fps <= 0:
            raise ValueError(f"stride_to_fps must be positive, got {self.stride_to_fps}")
        if self.num_frames is not None and self.num_frames < 1:
            raise ValueError(f"num_frames must be >= 1, got {self.num_frames}")
        if self.every is not None and self.every < 1:
            raise ValueError(f"every must be >= 1, got {self.every}")
        if self.first_frames is not None and self.first_frames < 1:
            raise ValueError(f"first_frames must be >= 1, got {self.first_frames}")
        if self.max_side is not None and (self.max_side < 1 or self.size is not None):
            raise ValueError(
                f"max_side must be >= 1 and excludes size, got max_side={self.max_side}, size={self.size}"
            )


def resample_indices(num_frames: int, src_fps: float, dst_fps: float) -> np.ndarray:
    """Indices of the source frames shown at each tick of a `dst_fps` clock over the same duration."""
    duration = num_frames / src_fps
    ticks = np.arange(0.0, duration - 1e-9, 1.0 / dst_fps)
    return np.minimum(np.floor(ticks * src_fps + 1e-9).astype(np.int64), num_frames - 1)


def uniform_indices(num_frames: int, count: int) -> np.ndarray:
    """`count` evenly spaced indices from the first to the last frame (all frames if fewer exist)."""
    if count >= num_frames:
        return np.arange(num_frames)
    return np.round(np.linspace(0, num_frames - 1, count)).astype(np.int64)


def resize_frames(
    frames: np.ndarray, size: int | tuple[int, int], interpolation: str = "bilinear", antialias: bool = False
) -> np.ndarray:
    """Resize T×H×W×3 frames with torchvision's tensor resize (uint8 in, uint8 out; float in, float out)."""
    import torch
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms.v2 import functional as tvf

    mode = InterpolationMode(interpolation)
    tensor = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2)
    out = tvf.resize(
        tensor, list(size) if isinstance(size, tuple) else [size], interpolation=mode, antialias=antialias
    )
    return out.permute(0, 2, 3, 1).contiguous().numpy()


def center_crop_frames(frames: np.ndarray, crop: int | tuple[int, int]) -> np.ndarray:
    """Centre crop, with torchvision's rounding of the offsets."""
    crop_h, crop_w = (crop, crop) if isinstance(crop, int) else crop
    _, height, width, _ = frames.shape
    if crop_h > height or crop_w > width:
        raise ValueError(f"crop {crop_h}×{crop_w} is larger than the frames ({height}×{width})")
    top = round((height - crop_h) / 2.0)
    left = round((width - crop_w) / 2.0)
    return frames[:, top : top + crop_h, left : left + crop_w]


# Frames converted to float32 at a time before a float view's resize: the whole 49-frame 480p video as
# float32 is 0.22 GiB, 8 frames 36 MiB.
FLOAT_RESIZE_FRAMES = 8


def _float_resize(frames: np.ndarray, view: FrameView) -> np.ndarray:
    """float32 copies of the frames resized to `view.size`, `FLOAT_RESIZE_FRAMES` at a time: each frame
    is resized on its own values alone, so the result is the whole batch's, bit for bit (test), without
    a float32 copy of the whole video at full size."""
    parts = []
    for start in range(0, len(frames), FLOAT_RESIZE_FRAMES) or [0]:
        chunk = frames[start : start + FLOAT_RESIZE_FRAMES].astype(np.float32)
        parts.append(resize_frames(chunk, view.size, view.interpolation, view.antialias))
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


def apply_view(video: Video, view: FrameView) -> np.ndarray:
    """The frames a metric with this view sees, derived from an already decoded video."""
    frames = video.frames
    if view.first_frames is not None:
        if len(frames) < view.first_frames:
            raise ValueError(f"needs at least {view.first_frames} frames, the video has {len(frames)}")
        frames = frames[: view.first_frames]
    if view.every is not None:
        frames = frames[:: view.every]
    if view.fps is not None:
        frames = frames[resample_indices(len(frames), video.fps, view.fps)]
    if view.stride_to_fps is not None:
        frames = frames[:: max(1, round(video.fps / view.stride_to_fps))]
    if view.num_frames is not None:
        frames = frames[uniform_indices(len(frames), view.num_frames)]
    if view.as_float and view.size is not None:
        frames = _float_resize(frames, view)
    elif view.as_float:
        frames = frames.astype(np.float32)
    elif view.size is not None:
        frames = resize_frames(frames, view.size, view.interpolation, view.antialias)
    height, width = frames.shape[1:3]
    if view.max_side is not None and max(height, width) > view.max_side:
        scale = view.max_side / max(height, width)
        size = (int(scale * height), int(scale * width))
        frames = resize_frames(frames, size, view.interpolation, view.antialias)
    if view.crop is not None:
        frames = center_crop_frames(frames, view.crop)
    return frames
