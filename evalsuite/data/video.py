"""Video files in and out: decode to uint8 T×H×W×3 RGB arrays, encode H.264 mp4, probe headers.

Decoding goes through PyAV (its wheel bundles FFmpeg). The RGB conversion is FFmpeg's swscale
`rgb24` path, which is the path OpenCV's `VideoCapture` takes for VBench; the test suite checks the two
agree bit for bit on H.264 input.

Every failure raises `VideoError` naming the file and what is wrong with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

from evalsuite.data.atomic import atomic_path
from evalsuite.errors import VideoError
from evalsuite.machine import cpu_flags

CONTAINER_SUFFIXES = (".mp4", ".webm", ".gif", ".mkv", ".mov", ".avi")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
DEFAULT_FPS = 24.0


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a video, without decoding it."""

    frames: int
    fps: float
    width: int
    height: int


@dataclass
class Video:
    """Decoded frames (uint8, T×H×W×3, RGB) with their frame rate and source."""

    frames: np.ndarray
    fps: float
    path: Path | None = None

    def __post_init__(self) -> None:
        check_frames(self.frames, self.path or "<array>")

    @property
    def num_frames(self) -> int:
        return int(self.frames.shape[0])

    @property
    def height(self) -> int:
        return int(self.frames.shape[1])

    @property
    def width(self) -> int:
        return int(self.frames.shape[2])


def check_frames(frames: np.ndarray, source: str | Path) -> None:
    if not isinstance(frames, np.ndarray) or frames.dtype != np.uint8:
        kind = getattr(frames, "dtype", type(frames).__name__)
        raise VideoError(source, f"frames must be a uint8 numpy array, got {kind}")
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise VideoError(source, f"frames must have shape T×H×W×3, got {tuple(frames.shape)}")
    if frames.shape[0] == 0:
        raise VideoError(source, "has zero frames")


def _check_file(path: Path) -> None:
    if not path.exists():
        raise VideoError(path, "file not found")
    if path.is_file() and path.stat().st_size == 0:
        raise VideoError(path, "file is empty (0 bytes): regenerate or re-copy it")


def _open(path: Path) -> av.container.InputContainer:
    try:
        return av.open(str(path))
    except av.FFmpegError as err:
        raise VideoError(
            path,
            f"not a readable video container ({_ffmpeg_reason(err)}): the file is corrupt, truncated or not a video",
        ) from err


def _ffmpeg_reason(err: Exception) -> str:
    return getattr(err, "strerror", None) or str(err).splitlines()[0]


def _stream_fps(stream: av.video.stream.VideoStream, frame_times: list[float] | None = None) -> float:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    if rate and float(rate) > 0:
        return float(rate)
    if frame_times and len(frame_times) > 1 and frame_times[-1] > frame_times[0]:
        return (len(frame_times) - 1) / (frame_times[-1] - frame_times[0])
    return DEFAULT_FPS


def read_video(path: str | Path, *, frames_fps: float = DEFAULT_FPS) -> Video:
    """Decode a video file (mp4, webm, gif, ...) or a folder of frame images into a `Video`.

    `frames_fps` is the frame rate given to a folder of frames, which has none of its own.
    """
    path = Path(path)
    _check_file(path)
    if path.is_dir():
        return _read_frame_folder(path, frames_fps)
    container = _open(path)
    with container:
        if not container.streams.video:
            raise VideoError(path, "has no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        frames: list[np.ndarray] = []
        times: list[float] = []
        try:
            for frame in container.decode(stream):
                frames.append(frame.to_ndarray(format="rgb24"))
                if frame.time is not None:
                    times.append(float(frame.time))
        except av.FFmpegError as err:
            raise VideoError(
                path,
                f"decoding failed after {len(frames)} frames ({_ffmpeg_reason(err)}): the file is corrupt or truncated",
            ) from err
        fps = _stream_fps(stream, times)
    if not frames:
        raise VideoError(
            path, "contains no decodable frames: the file is truncated or its video stream is empty"
        )
    shapes = {f.shape for f in frames}
    if len(shapes) > 1:
        raise VideoError(
            path, f"frame size changes mid-stream ({sorted(shapes)[:3]}): re-encode it at one size"
        )
    return Video(np.stack(frames), fps, path)


def _read_frame_folder(path: Path, fps: float) -> Video:
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise VideoError(path, f"folder holds no frame images ({', '.join(IMAGE_SUFFIXES)})")
    frames = []
    for file in files:
        try:
            with Image.open(file) as image:
                frames.append(np.asarray(image.convert("RGB")))
        except OSError as err:
            raise VideoError(file, f"frame image cannot be read ({err})") from err
    shapes = {f.shape for f in frames}
    if len(shapes) > 1:
        raise VideoError(
            path, f"frame images differ in size ({sorted(shapes)[:3]}): every frame must have one size"
        )
    return Video(np.stack(frames), float(fps), path)


def probe_video(path: str | Path, *, frames_fps: float = DEFAULT_FPS) -> VideoInfo:
    """Frame count, fps and size from the container, counting packets when the header has no count.

    Cheap (no decoding), so ingesting thousands of videos stays fast; a file that opens but does not
    decode is caught later, when a stage decodes it, and recorded against that video.
    """
    path = Path(path)
    _check_file(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise VideoError(path, f"folder holds no frame images ({', '.join(IMAGE_SUFFIXES)})")
        with Image.open(files[0]) as image:
            width, height = image.size
        return VideoInfo(len(files), float(frames_fps), width, height)
    container = _open(path)
    with container:
        if not container.streams.video:
            raise VideoError(path, "has no video stream")
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        count = stream.frames
        if not count:
            try:
                count = sum(1 for packet in container.demux(stream) if packet.size)
            except av.FFmpegError as err:
                raise VideoError(
                    path, f"demuxing failed ({_ffmpeg_reason(err)}): the file is corrupt or truncated"
                ) from err
        fps = _stream_fps(stream)
    if count == 0:
        raise VideoError(path, "contains no video frames")
    if not width or not height:
        raise VideoError(path, "video stream has no frame size: the file is corrupt")
    return VideoInfo(int(count), fps, int(width), int(height))


def _x264_params() -> dict[str, str]:
    """x264's AVX-512 code made different bytes from the same frames from one write to the next here
    (AMD EPYC with AVX-512: 4 of 8 fade and noise test clips, 2-5 versions in 8 writes under different
    file names; with its code capped at AVX2, or with no assembly, every write was the same). Capped at
    AVX2 on CPUs that have AVX-512 (they all have AVX2); elsewhere x264 picks its own code as before."""
    flags = cpu_flags()
    return {"x264-params": "asm=AVX2"} if {"avx512f", "avx2"} <= flags else {}


X264_PARAMS = _x264_params()


def write_video(
    path: str | Path, frames: np.ndarray, fps: float = DEFAULT_FPS, *, crf: int = 18, preset: str = "medium"
) -> Path:
    """Encode uint8 T×H×W×3 RGB frames as H.264 (yuv420p) mp4, atomically.

    The same frames and settings give the same bytes (nothing time-dependent is written into the
    container, and x264 runs without its AVX-512 code, see `X264_PARAMS`), which the generation
    stage's reproducibility checks and the byte-identical shards rely on.
    """
    path = Path(path)
    check_frames(frames, path)
    _, height, width, _ = frames.shape
    if height % 2 or width % 2:
        raise VideoError(
            path,
            f"H.264 yuv420p needs an even width and height, got {width}×{height}: crop or pad the frames",
        )
    if not (math.isfinite(fps) and fps > 0):
        raise VideoError(path, f"fps must be a positive number, got {fps}")
    with atomic_path(path) as tmp, av.open(str(tmp), mode="w", format="mp4") as container:
        rate = Fraction(fps).limit_denominator(1001)
        stream = container.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": str(crf), "preset": preset, **X264_PARAMS}
        for index, array in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(array), format="rgb24")
            frame.pts = index  # explicit timestamps: nothing left for the encoder to invent
            frame.time_base = 1 / rate
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
