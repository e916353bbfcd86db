"""The FLOP count the network benchmarks divide by: equal to a ViT's FLOPs written out by hand, on the
code paths the metrics run (nn.MultiheadAttention's fused fast path in open_clip, CPU SDPA in DINO)."""

from __future__ import annotations

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from benchmarks.flops import MISSED_BY_THE_COUNTER, forward_flops
from evalsuite.networks.dino import DinoConfig, DinoViT


def vit_flops(tokens: int, patches: int, patch_pixels: int, dim: int, depth: int, mlp: int) -> int:
    """Patch embedding, then per block: QKV, QKᵀ and AV, output projection, two MLP layers."""
    block = 2 * tokens * dim * 3 * dim + 4 * tokens**2 * dim + 2 * tokens * dim * dim + 4 * tokens * dim * mlp
    return 2 * patches * patch_pixels * dim + depth * block


def test_clip_vit_b32_flops_include_the_fused_attention_the_counter_misses() -> None:
    open_clip = pytest.importorskip("open_clip")
    model = open_clip.create_model("ViT-B-32-quickgelu", pretrained=None).visual.eval()
    image = torch.rand(1, 3, 224, 224)
    expected = vit_flops(50, 49, 3 * 32 * 32, 768, 12, 3072) + 2 * 768 * 512  # + the CLS projection
    assert forward_flops(lambda: model(image)) == expected
    with torch.no_grad(), FlopCounterMode(display=False) as plain:
        model(image)
    assert plain.get_total_flops() < 0.7 * expected  # the fast path is invisible to the bare counter
    # With grad on, nn.MultiheadAttention takes its unfused path: linears + SDPA, the same total.
    with FlopCounterMode(display=False, custom_mapping=MISSED_BY_THE_COUNTER) as unfused:
        model(image)
    assert unfused.get_total_flops() == expected


def test_dino_flops_include_cpu_sdpa_at_a_non_square_view() -> None:
    model = DinoViT(DinoConfig(embed_dim=64, depth=2, num_heads=4)).eval()
    image = torch.rand(2, 3, 224, 398)  # the DINO view of a 16:9 frame: 14×24 patches
    patches = 14 * 24
    expected = 2 * vit_flops(patches + 1, patches, 3 * 16 * 16, 64, 2, 256)
    assert forward_flops(lambda: model(image)) == expected


class _Tiny(torch.nn.Module):
    """A network whose `embed_images` calls its own `forward`, as DINO's does."""

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(8, 4)

    def embed_images(self, images: torch.Tensor) -> torch.Tensor:
        return self(images)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.linear(images)


def test_the_network_clock_counts_outer_calls_once_and_their_flops_by_input_shape() -> None:
    from benchmarks.network_clock import NetworkClock
    from evalsuite.config import compose
    from evalsuite.metrics.features import NetworkPool
    from evalsuite.weights import WeightsRegistry

    pool = NetworkPool(WeightsRegistry(compose().weights), overrides={"tiny": _Tiny()})
    clock = NetworkClock(pool)
    network = pool.get("tiny")
    with torch.no_grad():
        network.embed_images(torch.rand(3, 8))
        network(torch.rand(2, 8))
        network.embed_images(torch.rand(3, 8))
    calls = {(method, signature[0][0][1]): entry[:2] for (_, method, signature), entry in clock.calls.items()}
    assert calls == {("embed_images", (3, 8)): [2, 6], ("forward", (2, 8)): [1, 2]}
    ((name, measured),) = clock.per_network(peak_gflops=1.0).items()
    assert name == "tiny" and measured["frames"] == 8
    assert measured["gflop"] * 1e9 == pytest.approx(2 * (2 * 3 * 8 * 4) + 2 * 2 * 8 * 4)  # 2·batch·in·out
