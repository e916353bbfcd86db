"""`hyvideo-eval plan`: the campaign arithmetic, the calibration on the real scoring path, one-line errors."""

from __future__ import annotations

import re

import pytest

from evalsuite.cli import eval_main
from evalsuite.scale.plan import Campaign, GroupCost, render


def test_the_linear_fit_and_the_campaign_arithmetic() -> None:
    cost = GroupCost(["m"], ["net"], {6: 2.0, 12: 3.5})  # 0.25 s per frame, 0.5 s fixed
    assert cost.per_frame == pytest.approx(0.25) and cost.at(49) == pytest.approx(0.5 + 0.25 * 49)
    campaign = Campaign(prompts=10, systems=3, frames=49, height=480, width=848, fps=24)
    text = render(campaign, [cost], [], machines=[1, 7], threads=2, lengths=[6, 12])
    per_video = 0.5 + 0.25 * 49
    assert f"machine-hours: {30 * per_video / 3600:,.1f}" in text
    assert f"wall time on 7 machine(s): {5 * per_video:.0f} s" in text  # ceil(30 / 7) = 5 videos each


def test_plan_calibrates_the_configured_metrics(run_dir, capsys) -> None:
    argv = [
        "plan",
        "metrics=offline",
        "--size",
        "64x96",
        "--frames",
        "17",
        "--prompts",
        "24",
        "--systems",
        "2",
    ]
    assert eval_main([*argv, "--machines", "1,4"]) == 0
    out = capsys.readouterr().out
    assert "24 prompts × 2 systems = 48 videos of 17 frames at 64×96" in out
    assert (
        "feature_consistency_effnet_lite0 (efficientnet_lite0)" in out and "wall time on 4 machine(s)" in out
    )
    per_video = float(re.search(r"per video\s+([0-9.]+)", out).group(1))
    assert per_video > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "480"], "--size is HxW"),
        (["--calibration-frames", "6,6"], "two different lengths"),
        (["--frobnicate"], "unknown argument"),
    ],
)
def test_plan_errors_are_one_line(run_dir, capsys, args, message) -> None:
    assert eval_main(["plan", "metrics=offline", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_plan_counts_the_judges_requests_and_image_tokens(run_dir, capsys) -> None:
    """The judge's metrics are counted, not timed: requests per video (one rubric request shared by its
    three metrics, plus the question file's questions per prompt at most), image tokens at the stated
    patch size, and the time at the stated server throughput."""
    from pathlib import Path

    from evalsuite.judge.questions import load_questions

    argv = ["plan", "prompts=structured", "--prompts", "100", "--systems", "2", "--size", "480x848",
            "--frames", "17", "--calibration-frames", "3,5", "--judge-rps", "2",
            "metrics.names=[temporal_flickering,judge_questions,judge_text_alignment,judge_visual_quality]",
            "judge.max_side=448", "judge.frames=8"]  # fmt: skip
    assert eval_main(argv) == 0
    out = capsys.readouterr().out
    shipped = load_questions(
        Path(__file__).resolve().parents[2] / "prompts" / "structured_1533.questions.json"
    )
    per_prompt = sum(len(q.questions) for q in shipped.prompts.values()) / len(shipped.prompts)
    requests = 1 + per_prompt
    assert "8 frames of 254×448 per request, ~160 image tokens each" in out  # ceil(254/28) × ceil(448/28)
    assert f"per video: {requests:.1f} requests, {requests * 8 * 160:,.0f} image tokens" in out
    assert f"campaign: {requests * 200:,.0f} requests" in out
    assert "judge_questions is left out" not in out  # costed, not calibrated
