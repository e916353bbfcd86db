"""Our transformer equals diffusers' HunyuanVideoTransformer3DModel on the same (converted) weights, and
the 13B presets have exactly diffusers' parameters."""

from __future__ import annotations

import pytest
import torch
from diffusers import HunyuanVideoTransformer3DModel

from hyvideo.transformer import HYVideoDiffusionTransformer, preset
from hyvideo.transformer.diffusers_keys import diffusers_to_official, official_to_diffusers

from .peers import TINY, build_pair, inputs, run_diffusers, run_ours

# fp32. Without guidance the two agree bit for bit; with it they differ by rounding only, because the
# release sums time + text + guidance embeddings in that order and diffusers in another.
TOLERANCE = 1e-5


@pytest.mark.parametrize("guidance_embed", [True, False], ids=["guidance", "no-guidance"])
@pytest.mark.parametrize("valid", [(7, 7), (7, 4), (2, 5)], ids=["no-padding", "padding", "both-padded"])
def test_forward_equals_diffusers(guidance_embed: bool, valid: tuple[int, int]) -> None:
    cfg = TINY.replace(guidance_embed=guidance_embed)
    ours, theirs = build_pair(cfg)
    batch = inputs(cfg, valid=valid)
    with torch.inference_mode():
        a, b = run_ours(ours, batch), run_diffusers(theirs, batch)
    assert a.shape == b.shape == batch["x"].shape
    assert b.std() > 0.3  # the comparison is on outputs of order 1, not on near-zero ones
    assert (a - b).abs().max().item() <= TOLERANCE


def test_forward_equals_diffusers_on_a_non_square_multi_frame_grid() -> None:
    ours, theirs = build_pair(TINY, seed=5)
    batch = inputs(TINY, latent=(5, 6, 10), text_len=9, valid=(9, 3, 6))
    with torch.inference_mode():
        assert (run_ours(ours, batch) - run_diffusers(theirs, batch)).abs().max().item() <= TOLERANCE


@pytest.mark.parametrize("name", ["HYVideo-T/2-cfgdistill", "HYVideo-T/2"])
def test_13b_presets_have_exactly_diffusers_parameters(name: str) -> None:
    """diffusers' published 13B config (hunyuanvideo-community/HunyuanVideo, transformer/config.json,
    which is its class defaults) built on the meta device, converted to the release's names."""
    cfg = preset(name)
    with torch.device("meta"):
        ours = HYVideoDiffusionTransformer.from_config(cfg)
        theirs = HunyuanVideoTransformer3DModel(
            in_channels=16,
            out_channels=16,
            num_attention_heads=24,
            attention_head_dim=128,
            num_layers=20,
            num_single_layers=40,
            num_refiner_layers=2,
            mlp_ratio=4.0,
            patch_size=2,
            patch_size_t=1,
            qk_norm="rms_norm",
            guidance_embeds=cfg.guidance_embed,
            text_embed_dim=4096,
            pooled_projection_dim=768,
            rope_theta=256.0,
            rope_axes_dim=(16, 56, 56),
        )
    converted = diffusers_to_official(theirs.state_dict())
    mine = ours.state_dict()
    assert set(converted) == set(mine)
    assert {k: tuple(v.shape) for k, v in converted.items()} == {k: tuple(v.shape) for k, v in mine.items()}
    count = sum(p.numel() for p in ours.parameters())
    assert count == sum(p.numel() for p in theirs.parameters())
    guidance_in = (256 * 3072 + 3072) + (3072 * 3072 + 3072)  # two linears: 256 -> 3072 -> 3072
    assert count == 12_821_012_544 - (0 if cfg.guidance_embed else guidance_in)  # the released "13B"


def test_official_to_diffusers_to_official_is_the_identity() -> None:
    ours, _ = build_pair(TINY)
    state = ours.state_dict()
    back = diffusers_to_official(official_to_diffusers(state))
    assert list(back) == list(state)
    assert all(torch.equal(back[k], state[k]) for k in state)
    with torch.device("meta"):
        full = HYVideoDiffusionTransformer.from_config(preset("HYVideo-T/2-cfgdistill")).state_dict()
    assert list(diffusers_to_official(official_to_diffusers(full))) == list(full)


def test_diffusers_to_official_to_diffusers_is_the_identity() -> None:
    _, theirs = build_pair(TINY)
    state = theirs.state_dict()
    back = official_to_diffusers(diffusers_to_official(state))
    assert set(back) == set(state)
    assert all(torch.equal(back[k], state[k]) for k in state)


def test_converter_swaps_the_final_adaln_halves_and_splits_fused_projections() -> None:
    ours, _ = build_pair(TINY)
    official, converted = ours.state_dict(), official_to_diffusers(ours.state_dict())
    shift, scale = official["final_layer.adaLN_modulation.1.weight"].chunk(2)
    assert torch.equal(converted["norm_out.linear.weight"], torch.cat((scale, shift)))
    q, k, v, mlp = official["single_blocks.1.linear1.weight"].split([64, 64, 64, 256])
    for name, part in (("to_q", q), ("to_k", k), ("to_v", v)):
        assert torch.equal(converted[f"single_transformer_blocks.1.attn.{name}.weight"], part)
    assert torch.equal(converted["single_transformer_blocks.1.proj_mlp.weight"], mlp)
