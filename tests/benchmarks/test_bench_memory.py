"""Peak resident memory and time of VBench's seven quality dimensions, all networks at once against one
network at a time (`metrics.one_network_at_a_time`), on one 49×480×848 video (HunyuanVideo's 480p) and
on a batch of 8 small videos. Each run is its own process, so the peak is that process's ru_maxrss.
Networks whose weights are missing run with random weights of the same architecture (same memory).

`nox -s bench -- -k memory -s` prints one line per run; each is also in `extra_info`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.machine import cpu_description

VBENCH_SEVEN = [
    "subject_consistency",
    "background_consistency",
    "temporal_flickering",
    "motion_smoothness_amt",
    "aesthetic_quality",
    "imaging_quality",
    "dynamic_degree_raft",
]
SIZES = {"480p": (1, 49, 480, 848), "small": (8, 17, 256, 448)}  # videos, frames, height, width

RUN = """
import json, os, resource, sys, time
os.environ.setdefault("HF_HUB_OFFLINE", "1")
from pathlib import Path
from evalsuite.config import compose
from evalsuite.data import synthetic
from evalsuite.data.video import write_video
from evalsuite.metrics import METRICS
from evalsuite.metrics.cache import FeatureCache
from evalsuite.metrics.engine import MetricEngine, VideoJob
from evalsuite.metrics.features import NetworkPool
from evalsuite.weights import WeightsRegistry, sha256_of
folder, names, videos, frames, height, width, lean = json.loads(sys.argv[1])
jobs = []
for i in range(videos):
    path = write_video(Path(folder) / f"clip{i}.mp4", synthetic.translate(frames, height, width, seed=i, px_per_frame=3))
    jobs.append(VideoJob(str(path), sha256_of(path), "a textured wall sliding to the right"))
pool = NetworkPool(WeightsRegistry(compose().weights), allow_random=True)
engine = MetricEngine([METRICS[n]() for n in names], pool, FeatureCache(None), one_network_at_a_time=lean)
start = time.perf_counter()
results = list(engine.run(jobs))
assert all(r.ok for rs in results for r in rs), [r.error for rs in results for r in rs if not r.ok]
print(json.dumps({"seconds": time.perf_counter() - start,
                  "peak_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}))
"""


@pytest.mark.parametrize("size", list(SIZES))
def test_peak_memory_of_vbench_seven(size: str, tmp_path: Path, benchmark) -> None:
    if benchmark.disabled:
        pytest.skip("minutes per run: run it with `nox -s bench`")
    videos, frames, height, width = SIZES[size]
    info = {"cpu": cpu_description(), "videos": f"{videos} × {frames}×{height}×{width}"}
    for lean in (False, True):
        args = json.dumps([str(tmp_path), VBENCH_SEVEN, videos, frames, height, width, lean])
        out = subprocess.run([sys.executable, "-c", RUN, args], check=True, capture_output=True, text=True)
        measured = json.loads(out.stdout.strip().splitlines()[-1])
        key = "one_network_at_a_time" if lean else "all_networks"
        info[f"{key}_peak_gib"] = round(measured["peak_gib"], 2)
        info[f"{key}_seconds"] = round(measured["seconds"], 1)
    benchmark.extra_info.update(info)
    print(f"\nVBench seven, peak memory ({size}): {info}")
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
