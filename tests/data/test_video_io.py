from __future__ import annotations

import fractions
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from evalsuite.data import synthetic
from evalsuite.data.prompt_sets import sha256_file
from evalsuite.data.video import Video, probe_video, read_video, write_video
from evalsuite.errors import VideoError


def _texture_video(frames: int = 9, height: int = 48, width: int = 64) -> np.ndarray:
    return synthetic.translate(frames, height, width, seed=3, px_per_frame=1)


def test_mp4_round_trip_keeps_shape_fps_and_content(tmp_path: Path) -> None:
    frames = _texture_video()
    path = write_video(tmp_path / "clip.mp4", frames, fps=24)
    video = read_video(path)
    assert video.frames.shape == frames.shape and video.frames.dtype == np.uint8
    assert video.fps == pytest.approx(24.0)
    info = probe_video(path)
    assert (info.frames, info.width, info.height) == (9, 64, 48) and info.fps == pytest.approx(24.0)


def test_colours_survive_encoding(tmp_path: Path) -> None:
    """Encode and decode use one colour matrix: a flat colour comes back within limited-range rounding."""
    flat = np.tile(np.array([200, 40, 90], np.uint8), (3, 32, 32, 1))
    decoded = read_video(write_video(tmp_path / "flat.mp4", flat)).frames
    assert np.abs(decoded.astype(int) - flat.astype(int)).max() <= 3
    # A textured clip at a size where 4:2:0 chroma subsampling costs little: small mean error.
    texture = synthetic.translate(5, 192, 256, seed=3)
    decoded = read_video(write_video(tmp_path / "texture.mp4", texture)).frames
    assert np.abs(decoded.astype(int) - texture.astype(int)).mean() < 3.0


def test_fractional_fps_is_kept(tmp_path: Path) -> None:
    path = write_video(tmp_path / "ntsc.mp4", _texture_video(), fps=30000 / 1001)
    assert read_video(path).fps == pytest.approx(29.97, abs=1e-3)


def test_same_frames_give_same_bytes(tmp_path: Path) -> None:
    frames = _texture_video()
    a = write_video(tmp_path / "a.mp4", frames).read_bytes()
    b = write_video(tmp_path / "b.mp4", frames).read_bytes()
    assert a == b


def test_decode_equals_opencv_bit_for_bit(tmp_path: Path) -> None:
    """VBench decodes with OpenCV; our PyAV rgb24 path must give the same pixels."""
    cv2 = pytest.importorskip("cv2")
    path = write_video(tmp_path / "clip.mp4", synthetic.noise(5, 32, 48, seed=1))
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame[..., ::-1])
    capture.release()
    np.testing.assert_array_equal(read_video(path).frames, np.stack(frames))


def _write_with_pyav(
    path: Path, codec: str, pix_fmt: str, frames: np.ndarray, fmt: str, rate: int = 10
) -> None:
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=fractions.Fraction(rate))
        stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], pix_fmt
        for array in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(array, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def test_reads_webm(tmp_path: Path) -> None:
    frames = _texture_video(6)
    _write_with_pyav(tmp_path / "clip.webm", "libvpx-vp9", "yuv420p", frames, "webm", rate=12)
    video = read_video(tmp_path / "clip.webm")
    assert video.frames.shape == frames.shape and video.fps == pytest.approx(12.0)
    assert probe_video(tmp_path / "clip.webm").frames == 6  # webm headers have no count: packets are counted


def test_reads_gif(tmp_path: Path) -> None:
    frames = synthetic.alternate(4, 16, 16)
    _write_with_pyav(tmp_path / "clip.gif", "gif", "rgb8", frames, "gif", rate=10)
    video = read_video(tmp_path / "clip.gif")
    assert video.frames.shape == (4, 16, 16, 3)
    assert video.fps == pytest.approx(10.0)
    # The gif encoder dithers into a 3-3-2-bit palette (white becomes 252/252/255, a few black pixels 36),
    # so compare the frames' brightness, not exact pixels.
    assert video.frames[0::2].mean() < 8
    assert video.frames[1::2].mean() > 245


def test_reads_folder_of_frames_with_given_fps(tmp_path: Path) -> None:
    frames = _texture_video(3)
    folder = tmp_path / "frames"
    folder.mkdir()
    for i, frame in enumerate(frames):
        Image.fromarray(frame).save(folder / f"{i:03d}.png")
    video = read_video(folder, frames_fps=8)
    np.testing.assert_array_equal(video.frames, frames)
    assert video.fps == 8
    assert probe_video(folder, frames_fps=8).frames == 3


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, "file not found"),
        (lambda p: p.write_bytes(b""), "file is empty"),
        (lambda p: p.write_bytes(np.random.default_rng(0).bytes(4096)), "not a readable video container"),
        (lambda p: p.write_text("definitely not a video\n" * 50), "not a readable video container"),
    ],
    ids=["missing", "empty", "random-bytes", "text"],
)
def test_unreadable_files_raise_one_line_naming_the_file(tmp_path: Path, make, message: str) -> None:
    path = tmp_path / "bad.mp4"
    make(path)
    for reader in (read_video, probe_video):
        with pytest.raises(VideoError, match=message) as info:
            reader(path)
        assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_truncated_mp4_is_reported(tmp_path: Path) -> None:
    good = write_video(tmp_path / "good.mp4", _texture_video())
    bad = tmp_path / "truncated.mp4"
    bad.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    with pytest.raises(VideoError, match=r"truncated.mp4") as info:
        read_video(bad)
    assert "corrupt" in str(info.value) or "truncated" in str(info.value)


def test_container_without_video_stream(tmp_path: Path) -> None:
    path = tmp_path / "audio.mp4"
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=8000)
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 1024), dtype=np.float32), format="fltp", layout="mono"
        )
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    with pytest.raises(VideoError, match="has no video stream"):
        read_video(path)


def test_frame_folder_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(VideoError, match="no frame images"):
        read_video(empty)
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(mixed / "0.png")
    Image.fromarray(np.zeros((8, 10, 3), np.uint8)).save(mixed / "1.png")
    with pytest.raises(VideoError, match="differ in size"):
        read_video(mixed)
    (mixed / "1.png").write_bytes(b"not a png")
    with pytest.raises(VideoError, match=r"1\.png: frame image cannot be read"):
        read_video(mixed)


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        (np.zeros((0, 8, 8, 3), np.uint8), "zero frames"),
        (np.zeros((2, 8, 8, 3), np.float32), "uint8"),
        (np.zeros((2, 8, 8), np.uint8), r"T×H×W×3"),
        (np.zeros((2, 9, 8, 3), np.uint8), "even width and height"),
    ],
)
def test_write_rejects_bad_frames_and_leaves_no_file(
    tmp_path: Path, frames: np.ndarray, message: str
) -> None:
    with pytest.raises(VideoError, match=message):
        write_video(tmp_path / "out.mp4", frames)
    assert list(tmp_path.iterdir()) == []


def test_write_error_mid_stream_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    original = av.VideoFrame.from_ndarray

    def failing(array, format):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("simulated crash mid-video")
        return original(array, format=format)

    monkeypatch.setattr(av.VideoFrame, "from_ndarray", failing)
    with pytest.raises(RuntimeError, match="simulated crash"):
        write_video(tmp_path / "out.mp4", _texture_video())
    assert list(tmp_path.iterdir()) == []


def test_video_validates_its_frames() -> None:
    with pytest.raises(VideoError, match="uint8"):
        Video(np.zeros((1, 2, 2, 3), np.int32), 24.0)


def test_x264_writes_the_same_bytes_whatever_the_file_name(tmp_path) -> None:
    """On CPUs with AVX-512, x264's AVX-512 code varied the bytes between writes (write_video caps it)."""
    clips = [synthetic.fade(17, 64, 96, seed=s) for s in (4, 10, 16, 22)] + [
        synthetic.noise(17, 64, 96, seed=s) for s in (5, 11)
    ]
    varied = 0
    for number, frames in enumerate(clips):
        digests = {sha256_file(write_video(tmp_path / f"{number}-{'x' * k}.mp4", frames)) for k in range(8)}
        varied += len(digests) > 1
    assert varied == 0
