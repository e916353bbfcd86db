"""`hyvideo-eval plan`: what a campaign's scoring costs, from a short calibration on this machine.

For each group of metrics that share a network (the work units' groups, evalsuite/scale/units.py) the
calibration times the real scoring path (decode, views, network, metric) on a synthetic moving clip of
the campaign's size at two lengths, after one untimed run that loads the networks, and fits
seconds = fixed + per_frame · frames. Per video, the groups add up (each unit decodes its video, as on
Ray or Slurm); the campaign costs videos × that; on k machines like this one, each running one worker
with this process's threads, the wall time is ceil(videos / k) videos' worth.

Networks whose weights are missing here are timed with random weights of the same architecture (the
time of a forward pass does not depend on the weight values), and the output says which. The fit is
linear in frames: metrics that sample frames (dynamic degree takes every round(fps/8)-th) follow it only
roughly between the calibration lengths; time a longer pair with --calibration-frames when it matters.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evalsuite.errors import ConfigError
from evalsuite.machine import cpu_flags, cpu_name


@dataclass
class GroupCost:
    metrics: list[str]
    networks: list[str]
    seconds: dict[int, float]  # frames -> seconds per video, decode included

    @property
    def per_frame(self) -> float:
        (f0, s0), (f1, s1) = sorted(self.seconds.items())[:2]
        return max(0.0, (s1 - s0) / (f1 - f0))

    def at(self, frames: int) -> float:
        f0, s0 = min(self.seconds.items())
        return max(0.0, s0 + self.per_frame * (frames - f0))


@dataclass
class Campaign:
    prompts: int
    systems: int
    frames: int
    height: int
    width: int
    fps: float

    @property
    def videos(self) -> int:
        return self.prompts * self.systems


def cpu_kind() -> str:
    """The CPU's name and its widest vector units."""
    flags = cpu_flags()
    units = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    bf16 = " + AVX-512 BF16" if "avx512_bf16" in flags else ""
    return f"{cpu_name()} ({units}{bf16})"


def calibrate(cfg, campaign: Campaign, lengths: Sequence[int]) -> tuple[list[GroupCost], list[str]]:
    """Time each metric group on synthetic clips of `lengths` frames; returns the costs and notes."""
    from evalsuite.data import synthetic
    from evalsuite.data.video import write_video
    from evalsuite.metrics import METRICS
    from evalsuite.metrics.cache import FeatureCache
    from evalsuite.metrics.engine import MetricEngine, VideoJob
    from evalsuite.metrics.features import SERVICE_NAMES, NetworkPool
    from evalsuite.pipeline.generate import resolve_device
    from evalsuite.pipeline.scoring import metrics_profile
    from evalsuite.scale.units import metric_groups
    from evalsuite.weights import WeightsRegistry, sha256_of

    profile = metrics_profile(cfg)  # the plan times what the run will run
    pool = NetworkPool(
        WeightsRegistry(cfg.weights),
        resolve_device(cfg.runtime),
        allow_random=True,
        autocast=profile.autocast,
    )
    notes: list[str] = []
    costs: list[GroupCost] = []
    with tempfile.TemporaryDirectory() as folder:
        clips = {}
        for frames in sorted(set(lengths)):
            path = Path(folder) / f"clip-{frames}.mp4"
            pattern = synthetic.translate(frames, campaign.height, campaign.width, seed=0, px_per_frame=4)
            write_video(path, pattern, campaign.fps)
            clips[frames] = VideoJob(str(path), sha256_of(path), "a calibration clip", campaign.fps)
        # the judge's metrics cost requests to its server, not time here: `judge_cost` counts them
        metrics = [METRICS[n]() for n in profile.names if not SERVICE_NAMES & set(METRICS[n].networks())]
        probe = MetricEngine(metrics, pool, FeatureCache(None))
        for name, reason in probe.unavailable.items():
            notes.append(f"{name} is left out: {reason}")
        for group in metric_groups(probe.metrics):

            def run(job, group=group):
                engine = MetricEngine(group, pool, FeatureCache(None), frame_batch=cfg.metrics.frame_batch)
                start = time.perf_counter()
                list(engine.run([job]))
                return time.perf_counter() - start

            run(clips[min(clips)])  # loads the networks; not timed
            seconds = {frames: run(job) for frames, job in clips.items()}
            networks = list(dict.fromkeys(n for m in group for n in m.networks()))
            costs.append(GroupCost([m.name for m in group], networks, seconds))
    if pool.random:
        notes.append(
            f"timed with random weights of the same architecture (weights missing here): {', '.join(pool.random)}"
        )
    return costs, notes


def _duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def render(
    campaign: Campaign,
    costs: list[GroupCost],
    notes: list[str],
    machines: Sequence[int],
    threads: int,
    lengths,
) -> str:
    per_video = sum(c.at(campaign.frames) for c in costs)
    lines = [
        f"campaign: {campaign.prompts} prompts × {campaign.systems} systems = {campaign.videos} videos of "
        f"{campaign.frames} frames at {campaign.height}×{campaign.width}, {campaign.fps:g} fps; "
        f"{sum(len(c.metrics) for c in costs)} metrics in {len(costs)} network groups",
        f"machine: {cpu_kind()}, {threads} torch thread(s); calibrated on {' and '.join(map(str, sorted(set(lengths))))}-frame clips",
        "",
        f"{'metric group (networks)':<64} {'s/frame':>9} {'s/video':>9} {'share':>6}",
    ]
    for cost in costs:
        label = f"{', '.join(cost.metrics)} ({', '.join(cost.networks) or 'no network'})"
        if len(label) > 63:
            label = label[:60] + "..."
        at = cost.at(campaign.frames)
        lines.append(
            f"{label:<64} {cost.per_frame:>9.3f} {at:>9.1f} {at / per_video if per_video else 0:>6.1%}"
        )
    total = per_video * campaign.videos
    lines += [
        f"{'per video':<64} {'':>9} {per_video:>9.1f}",
        "",
        f"machine-hours: {total / 3600:,.1f} ({_duration(total)} on one machine like this one)",
    ]
    for k in machines:
        wall = math.ceil(campaign.videos / k) * per_video
        lines.append(f"wall time on {k} machine(s): {_duration(wall)}")
    lines += [f"note: {note}" for note in notes]
    return "\n".join(lines)


def plan_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="hyvideo-eval plan",
        description="A campaign's scoring cost from a short calibration on this machine. Other arguments "
        "(key=value) are Hydra overrides: metrics=..., prompts=..., weights.*",
    )
    parser.add_argument("--prompts", type=int, help="prompts (default: the configured prompt set's size)")
    parser.add_argument("--systems", type=int, help="systems (default: the configured ones)")
    parser.add_argument("--frames", type=int, help="frames per video (default: the model's, else 49)")
    parser.add_argument("--size", help="HxW (default: the model's, else 480x848)")
    parser.add_argument("--fps", type=float, default=24.0)
    parser.add_argument("--machines", default="1,100", help="comma-separated machine counts")
    parser.add_argument("--calibration-frames", default="6,12", help="two clip lengths to time")
    parser.add_argument("--judge-rps", type=float, default=1.0, help="the judge server's requests per second")
    parser.add_argument(
        "--judge-patch", type=int, default=28, help="pixels per image token side (Qwen2.5-VL: 28)"
    )
    args, overrides = parser.parse_known_args(list(argv))
    bad = [o for o in overrides if "=" not in o or o.startswith("-")]
    if bad:
        raise ConfigError(f"plan: unknown argument(s) {bad}; see `hyvideo-eval plan --help`")
    from evalsuite.config import compose

    cfg = compose(overrides)
    model = cfg.systems[0]
    try:
        height, width = (
            int(x)
            for x in (args.size or f"{getattr(model, 'height', 480)}x{getattr(model, 'width', 848)}")
            .lower()
            .split("x")
        )
        lengths = [int(x) for x in args.calibration_frames.split(",")]
        machines = [int(x) for x in args.machines.split(",")]
    except ValueError:
        raise ConfigError(
            "plan: --size is HxW (e.g. 480x848); --calibration-frames and --machines are integers separated by commas"
        ) from None
    if len(set(lengths)) != 2 or min(lengths) < 2 or min(machines) < 1:
        raise ConfigError(
            "plan: --calibration-frames needs two different lengths >= 2 and --machines counts >= 1"
        )
    if args.prompts is None:
        from evalsuite.pipeline.prompts import load_prompts

        args.prompts = len(load_prompts(cfg.prompts).table)
    frames = args.frames or getattr(model, "num_frames", 49)
    campaign = Campaign(args.prompts, args.systems or len(cfg.systems), frames, height, width, args.fps)
    import torch

    if cfg.runtime.threads:
        torch.set_num_threads(cfg.runtime.threads)
    costs, notes = calibrate(cfg, campaign, lengths)
    print(render(campaign, costs, notes, machines, torch.get_num_threads(), lengths))
    judged = [n for n in cfg.metrics.names if n.startswith("judge_")]
    if judged:
        print("\n".join(judge_cost(cfg, campaign, judged, args.judge_rps, args.judge_patch)))
    return 0


def judge_cost(cfg, campaign: Campaign, names: list[str], rps: float, patch: int) -> list[str]:
    """What the VLM judge's metrics send: requests and image tokens per video, and the time at the
    server's stated throughput (requests per second). Questions are counted at most (every child asked,
    as when every parent is answered yes); the rubric's three metrics share one request."""
    from evalsuite.judge.questions import load_questions, question_file

    j = cfg.judge
    scale = min(1.0, j.max_side / max(campaign.height, campaign.width))
    h, w = round(campaign.height * scale), round(campaign.width * scale)
    image_tokens = math.ceil(h / patch) * math.ceil(w / patch)
    requests = 1.0 if any(n != "judge_questions" for n in names) else 0.0
    lines = ["", f"judge ({j.model or 'no model named'}): {j.frames} frames of {h}×{w} per request, "
             f"~{image_tokens} image tokens each at {patch}-pixel patches"]  # fmt: skip
    if "judge_questions" in names:
        path = question_file(j.questions, cfg.prompts.path)
        if path is None:
            lines.append("judge_questions: no question file (judge.questions) to count questions from")
        else:
            per_prompt = [len(item.questions) for item in load_questions(path).prompts.values()]
            asked = sum(per_prompt) / len(per_prompt)
            requests += asked
            lines.append(f"judge_questions: {asked:.1f} questions per prompt at most ({path.name})")
    per_video = requests * j.frames * image_tokens
    total = requests * campaign.videos
    lines += [
        f"per video: {requests:.1f} requests, {per_video:,.0f} image tokens, {_duration(requests / rps)} at {rps:g} requests/s",
        f"campaign: {total:,.0f} requests, {per_video * campaign.videos / 1e6:,.1f} M image tokens, "
        f"{_duration(total / rps)} at {rps:g} requests/s (judge.concurrency requests in flight)",
    ]
    return lines
