"""Scoring on a 2-worker local Ray cluster equals the single process bit for bit; a killed worker's unit is
retried and nothing is lost or scored twice; an interrupted driver resumes from the cache."""

from __future__ import annotations

import math
import re
import shutil
import threading
import time
import types
from pathlib import Path

import pandas as pd
import pytest
import torch

ray = pytest.importorskip("ray")
psutil = pytest.importorskip("psutil")

from metrics.networks import clip_test_videos, registry_with, write_tiny_weights  # noqa: E402
from metrics.test_engine import NAMES  # noqa: E402  (the engine tests' metrics: two networks, none)

from evalsuite.config import compose  # noqa: E402
from evalsuite.data import synthetic  # noqa: E402
from evalsuite.data.video import write_video  # noqa: E402
from evalsuite.errors import ConfigError  # noqa: E402
from evalsuite.metrics import METRICS  # noqa: E402
from evalsuite.metrics.cache import FeatureCache  # noqa: E402
from evalsuite.metrics.engine import MetricEngine, VideoJob, metric_groups  # noqa: E402
from evalsuite.metrics.features import NetworkPool  # noqa: E402
from evalsuite.pipeline.run import run_eval  # noqa: E402
from evalsuite.scale.backends import register  # noqa: E402
from evalsuite.scale.ray_runner import RayRunner, import_ray  # noqa: E402

register()  # runtime=ray below: the backend the hyvideo-eval commands register
from evalsuite.scale.units import PoolSpec  # noqa: E402
from evalsuite.weights import WeightsRegistry, sha256_of  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    """One local cluster of 2 one-CPU workers for the module (a runner joins it and leaves it running)."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


@pytest.fixture
def one_thread():
    """The driver-side reference runs with the workers' thread count: then values are bit-identical."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ray")
    registry = registry_with(write_tiny_weights(folder / "weights"), folder / "weights")
    videos = clip_test_videos(folder / "videos")
    for seed, make in enumerate(
        (synthetic.translate, synthetic.fade, synthetic.alternate, synthetic.moving_disk)
    ):
        path = folder / "videos" / f"{make.__name__}.mp4"
        write_video(path, make(6 + seed, 64, 112, seed=seed), fps=24)
        videos.append((path, f"a {make.__name__} pattern"))
    # 8 distinct videos, 3 chunks of 3. (A video listed twice in one run may take either copy's
    # value, which can differ in the last bits: its batch-mates differ; so may the single process's.)
    jobs = [VideoJob(str(p), sha256_of(p), prompt) for p, prompt in videos]
    return folder, registry, jobs


def engine(registry, cache=None, names=NAMES) -> MetricEngine:
    return MetricEngine(
        [METRICS[n]() for n in names],
        NetworkPool(registry),
        cache or FeatureCache(None),
        frame_batch=5,
        videos_per_batch=3,
    )


def values(pairs) -> dict[tuple[int, str], float]:
    return {(i, r.metric): r.value for i, results in pairs for r in results}


def test_metric_groups_join_metrics_that_share_a_network() -> None:
    metrics = [METRICS[n]() for n in [*NAMES, "clip_score_l14", "aesthetic_quality"]]
    groups = [[m.name for m in g] for g in metric_groups(metrics)]
    assert groups == [
        ["clip_score_b32", "background_consistency"],  # CLIP B/32
        ["feature_consistency_effnet_lite0"],
        ["temporal_flickering", "sharpness"],  # no network
        ["clip_score_l14", "aesthetic_quality"],  # CLIP L/14
    ]


def test_two_ray_workers_equal_the_single_process_bit_for_bit(cluster, one_thread, world, tmp_path) -> None:
    _, registry, jobs = world
    reference = values(enumerate(engine(registry).run(jobs)))
    cache = FeatureCache(tmp_path / "cache")
    runner = RayRunner(PoolSpec(registry.config), workers=2)
    got = values(runner.run(engine(registry, cache), jobs))
    assert all(math.isfinite(v) for v in reference.values())
    assert got == reference  # exact: the same batches, the same thread count
    assert len(runner.stats.worker_pids) == 2
    # The driver alone wrote the cache: every value once, and a rerun computes nothing.
    assert cache.count("value") == len(reference)
    rerun = RayRunner(PoolSpec(registry.config), workers=2)
    assert values(rerun.run(engine(registry, cache), jobs)) == reference
    assert rerun.stats.units == 0


def test_thread_count_changes_values_only_in_the_last_bits(world) -> None:
    _, registry, jobs = world
    before = torch.get_num_threads()
    try:
        runs = []
        for threads in (1, 2):
            torch.set_num_threads(threads)
            runs.append(values(enumerate(engine(registry).run(jobs))))
    finally:
        torch.set_num_threads(before)
    worst = max(abs(runs[0][k] - runs[1][k]) for k in runs[0])
    print(f"\nmax |1 thread - 2 threads| = {worst:.1e}")
    assert worst <= 1e-6


def slow_world(folder: Path) -> tuple[WeightsRegistry, list[VideoJob]]:
    """Units long enough to be caught running (seconds): DINO ViT-B/16 (random weights), 6-frame videos."""
    folder.mkdir(parents=True, exist_ok=True)
    jobs = []
    for seed in range(4):
        path = folder / f"v{seed}.mp4"
        frames = synthetic.smooth_texture(96, 128, seed=seed, cells=5)[None].repeat(6, 0)
        write_video(path, frames, fps=24)
        jobs.append(VideoJob(str(path), sha256_of(path)))
    return WeightsRegistry(compose().weights), jobs


def kill_first_unit_worker(found: list[int], stop: threading.Event) -> None:
    while not stop.is_set():
        for proc in psutil.process_iter(["pid", "cmdline"]):
            cmd = proc.info["cmdline"] or []
            if cmd and cmd[0].startswith("ray::score_unit"):
                proc.kill()
                found.append(proc.info["pid"])
                return
        time.sleep(0.01)


def test_a_killed_worker_is_retried_and_nothing_is_lost_or_scored_twice(
    cluster, one_thread, tmp_path
) -> None:
    registry, jobs = slow_world(tmp_path / "videos")
    names = ["subject_consistency", "temporal_flickering"]

    def dino_engine(cache=None):
        return MetricEngine(
            [METRICS[n]() for n in names],
            NetworkPool(registry, allow_random=True),
            cache or FeatureCache(None),
            frame_batch=8,
            videos_per_batch=2,
        )

    reference = values(enumerate(dino_engine().run(jobs)))
    killed: list[int] = []
    stop = threading.Event()
    killer = threading.Thread(target=kill_first_unit_worker, args=(killed, stop))
    killer.start()
    try:
        runner = RayRunner(PoolSpec(registry.config, allow_random=True), workers=2, max_retries=2)
        pairs = list(runner.run(dino_engine(FeatureCache(tmp_path / "cache")), jobs))
    finally:
        stop.set()
        killer.join()
    assert killed, "no work unit was caught running"
    assert sorted(i for i, _ in pairs) == list(range(len(jobs)))  # every video once
    assert values(pairs) == reference
    assert runner.stats.failed_units == 0


def test_a_unit_that_fails_for_its_own_reason_is_recorded_not_retried(cluster, world, monkeypatch) -> None:
    _, registry, jobs = world

    class OnlyOnTheDriver(METRICS["sharpness"]):
        name = "driver_only_metric"  # registered here, unknown to the workers: their unit raises

    monkeypatch.setitem(METRICS, "driver_only_metric", OnlyOnTheDriver)
    runner = RayRunner(PoolSpec(registry.config), workers=2)
    names = ["feature_consistency_effnet_lite0", "driver_only_metric"]  # two groups: one network, none
    got = dict(runner.run(engine(registry, names=names), jobs))
    assert runner.stats.failed_units == 3  # one unit per chunk, each failing once
    for results in got.values():
        assert results[0].ok  # the other metric's values are there
        assert not results[1].ok and math.isnan(results[1].value)
        assert "failed: KeyError: 'driver_only_metric'" in results[1].error


class InterruptAfter:
    """A runner that stops the driver (KeyboardInterrupt) after `n` videos came back."""

    def __init__(self, inner, n):
        self.inner, self.n = inner, n

    def run(self, engine, jobs):
        for count, pair in enumerate(self.inner.run(engine, jobs)):
            if count == self.n:
                raise KeyboardInterrupt
            yield pair


def test_eval_on_ray_equals_the_local_run_and_resumes_after_an_interrupted_driver(
    cluster, run_dir: Path, monkeypatch
) -> None:
    common = ["model=synthetic_videos", "prompts.limit=12", "runtime.progress=false", "metrics=offline"]
    common.append("runtime.threads=1")
    local = run_eval(compose([*common, "runtime.output_dir=local"]))
    # A driver killed half-way: what its units returned is in the cache, the rest is computed on rerun.
    from evalsuite.pipeline import scoring as run_module

    original = run_module.score_videos
    monkeypatch.setattr(
        run_module,
        "score_videos",
        lambda *a, runner, **k: original(*a, runner=InterruptAfter(runner, 4), **k),
    )
    shutil.rmtree(Path(compose().runtime.cache_dir))
    ray_overrides = [*common, "runtime=ray", "runtime.output_dir=on_ray"]
    with pytest.raises(KeyboardInterrupt):
        run_eval(compose(ray_overrides))
    cached = FeatureCache(compose().runtime.cache_dir)
    assert 0 < cached.count("value") < len(local.scores)
    cached.close()
    monkeypatch.setattr(run_module, "score_videos", original)
    on_ray = run_eval(compose(ray_overrides))
    columns = [c for c in local.scores.columns if c not in ("seconds", "run_id")]
    pd.testing.assert_frame_equal(on_ray.scores[columns], local.scores[columns], check_exact=True)
    assert report_text(Path("on_ray")) == report_text(Path("local"))


def report_text(folder: Path) -> str:
    """report.md without the config hash (the two runs' configs differ in runtime.* by design)."""
    return re.sub(r"config hash `[0-9a-f]+`", "config hash", (folder / "report.md").read_text())


def test_without_ray_installed_the_error_names_the_extra(monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ConfigError, match=r"hyvideo-eval\[ray\]"):
        import_ray()


@pytest.mark.parametrize(
    ("address", "message"), [("127.0.0.1:1", "nothing answers there"), ("nohost", "host:port")]
)
def test_an_unreachable_cluster_is_one_line_at_once(address: str, message: str) -> None:
    """Checked before ray.init, which would wait minutes (a fake Ray: the module's cluster is running)."""

    def init(**_):
        raise AssertionError("ray.init must not be reached")

    fake_ray = types.SimpleNamespace(is_initialized=lambda: False, init=init)
    runner = RayRunner(PoolSpec(compose().weights), address=address)
    with pytest.raises(ConfigError, match=message):
        runner._start(fake_ray)
