"""The diffusion transformer's forward against diffusers' HunyuanVideoTransformer3DModel on the same
weights: time ratio (ours / diffusers, goal <= 1.0), peak memory, and achieved GFLOP/s as a share of the
fp32 matmul peak measured in the same run.

`nox -s bench -- -k transformer -s` prints a line per case. Under `nox -s tests` (benchmarks disabled)
each case runs once and only checks that both models agree.
"""

from __future__ import annotations

import copy

import pytest
import torch
from tolerance import assert_fp32_agree
from torch.utils.flop_counter import FlopCounterMode
from transformer.peers import MID, TINY, build_pair, inputs, run_diffusers, run_ours

from .machine import (
    describe_versus_peer,
    paired_median_seconds,
    peak_matmul_gflops,
    peak_rss_growth,
    versus_peer,
)

# (config, latent T x H x W, text length, valid text tokens). A real prompt fills a few dozen of the
# 256 LLM tokens, so "padded" is the common case; "full" is the worst case for our text trimming.
CASES = {
    "tiny": (TINY, (3, 16, 16), 32, 12),
    "mid-full-text": (MID, (9, 32, 32), 256, 256),
    "mid-padded-text": (MID, (9, 32, 32), 256, 40),
}


def forward_flops(model, batch, cfg) -> int:
    """Dense FLOPs of one forward: torch's counter for the linears and the patch convolution, plus
    attention by formula (the counter does not see the CPU SDPA kernel): 4 * L_q * L_k * hidden each."""
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        run_ours(model, batch)
    latent = batch["x"].shape[2:]
    image_tokens = latent[0] * (latent[1] // 2) * (latent[2] // 2)
    text_tokens = int(batch["text_mask"].sum(dim=1).max())
    joint = image_tokens + text_tokens
    blocks = cfg.mm_double_blocks_depth + cfg.mm_single_blocks_depth
    attention = (
        4 * joint**2 * cfg.hidden_size * blocks + 4 * text_tokens**2 * cfg.hidden_size * cfg.refiner_depth
    )
    return counter.get_total_flops() + attention * batch["x"].shape[0]


@pytest.mark.parametrize("case", list(CASES))
def test_bench_transformer_forward_vs_diffusers(benchmark, case: str) -> None:
    cfg, latent, text_len, valid = CASES[case]
    ours, theirs = build_pair(cfg)
    batch = inputs(cfg, latent=latent, text_len=text_len, valid=(valid,))

    def run(fn, model):
        def call():
            with torch.inference_mode():
                return fn(model, batch)

        return call

    result = benchmark.pedantic(run(run_ours, ours), rounds=5, warmup_rounds=1)
    wide = copy.deepcopy(ours).double()  # measures our fp32 rounding error on this CPU: the bound's scale
    with torch.inference_mode():
        exact = run_ours(
            wide, {k: v.double() if v is not None and v.is_floating_point() else v for k, v in batch.items()}
        )
    assert_fp32_agree(result, run(run_diffusers, theirs)(), exact)
    if benchmark.disabled:
        return
    peak = peak_matmul_gflops()
    seconds = paired_median_seconds({"ours": run(run_ours, ours), "diffusers": run(run_diffusers, theirs)}, 5)
    memory = {
        name: peak_rss_growth(run(fn, m)) / 2**20
        for name, fn, m in [("ours", run_ours, ours), ("diffusers", run_diffusers, theirs)]
    }
    info = versus_peer(seconds, forward_flops(ours, batch, cfg) / 1e9, peak) | {"peak_memory_mib": memory}
    benchmark.extra_info.update(info)
    print(
        f"\n{case}: {describe_versus_peer(info)}; peak memory {memory['ours']:.1f} vs "
        f"{memory['diffusers']:.1f} MiB"
    )
