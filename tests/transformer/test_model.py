"""The transformer on its own: text padding invariance, 3D RoPE, presets, the release's signature, errors."""

from __future__ import annotations

import argparse
import math

import pytest
import torch

from hyvideo.precision import PrecisionError, resolve_dtype
from hyvideo.transformer import PRESETS, HYVideoDiffusionTransformer, get_nd_rotary_pos_embed, preset
from hyvideo.transformer.rope import apply_rotary_emb, rotary_pos_embed

from .peers import TINY, inputs


@pytest.fixture(scope="module")
def tiny() -> HYVideoDiffusionTransformer:
    torch.manual_seed(0)
    return HYVideoDiffusionTransformer.from_config(TINY).eval()


def _run(model, batch, **changes):
    with torch.inference_mode():
        return model(**{**batch, **changes})["x"]


def test_image_outputs_do_not_change_when_padding_is_appended(tiny) -> None:
    batch = inputs(TINY, text_len=6, valid=(3, 6))
    reference = _run(tiny, batch)
    for extra in (1, 9, 40):
        junk = torch.randn(2, extra, TINY.text_states_dim) * 100  # padding content must not matter
        padded = {
            "text_states": torch.cat((batch["text_states"], junk), dim=1),
            "text_mask": torch.cat((batch["text_mask"], torch.zeros(2, extra, dtype=torch.long)), dim=1),
        }
        assert torch.allclose(_run(tiny, batch, **padded), reference, atol=1e-6, rtol=0)


def test_a_padded_row_in_a_batch_equals_that_prompt_alone(tiny) -> None:
    """Row 0 has 3 valid tokens padded to 6 (masked, not cut, because row 1 is longer)."""
    batch = inputs(TINY, text_len=6, valid=(3, 6))
    batched = _run(tiny, batch)
    alone = {k: (v[:1] if v is not None else None) for k, v in batch.items()}
    alone["text_states"], alone["text_mask"] = alone["text_states"][:, :3], alone["text_mask"][:, :3]
    assert (_run(tiny, alone) - batched[:1]).abs().max().item() <= 1e-5
    assert (
        _run(tiny, batch, text_states=batch["text_states"] * 2) - batched
    ).abs().max() > 1e-3  # text matters


def test_rope_tables_follow_the_formula() -> None:
    dims, grid, theta = (4, 6, 6), (3, 4, 5), 256.0
    cos, sin = get_nd_rotary_pos_embed(list(dims), list(grid), theta=theta)
    assert cos.shape == sin.shape == (3 * 4 * 5, 16)
    for t, h, w in [(0, 0, 0), (2, 3, 4), (1, 0, 3)]:
        row = (t * 4 + h) * 5 + w
        expected = []
        for position, dim in zip((t, h, w), dims, strict=True):
            for i in range(dim // 2):
                angle = position * theta ** (-2 * i / dim)
                expected += [angle, angle]
        assert torch.allclose(cos[row], torch.cos(torch.tensor(expected)), atol=1e-6)
        assert torch.allclose(sin[row], torch.sin(torch.tensor(expected)), atol=1e-6)


def test_rope_equals_diffusers_tables() -> None:
    from diffusers.models.transformers.transformer_hunyuan_video import HunyuanVideoRotaryPosEmbed

    ours = get_nd_rotary_pos_embed([16, 56, 56], [5, 6, 10], theta=256.0)
    theirs = HunyuanVideoRotaryPosEmbed(2, 1, [16, 56, 56], 256.0)(torch.zeros(1, 16, 5, 12, 20))
    assert all(torch.equal(a, b) for a, b in zip(ours, theirs, strict=True))


def test_rope_scores_depend_on_relative_position_only() -> None:
    cos, sin = get_nd_rotary_pos_embed([4, 6, 6], [8, 1, 1], theta=256.0)  # 8 positions along t
    q, k = torch.randn(2, 1, 1, 16).unbind(0)
    rq = apply_rotary_emb(q.expand(1, 8, 1, 16), cos, sin)[0, :, 0]
    rk = apply_rotary_emb(k.expand(1, 8, 1, 16), cos, sin)[0, :, 0]
    assert math.isclose(float(rq[1] @ rk[4]), float(rq[3] @ rk[6]), rel_tol=1e-5)
    assert torch.allclose(rq.norm(dim=-1), q.norm().expand(8), rtol=1e-6)


def test_rope_is_built_once_per_grid(tiny) -> None:
    first = tiny.get_rotary_pos_embed((2, 3, 4))
    hits = rotary_pos_embed.cache_info().hits
    assert tiny.get_rotary_pos_embed((2, 3, 4)) is first
    tiny.get_rotary_pos_embed((2, 3, 5))
    assert rotary_pos_embed.cache_info().hits == hits  # the model's own cache answered
    batch = inputs(TINY)
    given = tiny.get_rotary_pos_embed((3, 4, 4))
    assert torch.equal(_run(tiny, batch), _run(tiny, batch, freqs_cos=given[0], freqs_sin=given[1]))


def test_rope_reaches_the_output(tiny) -> None:
    batch = inputs(TINY)
    cos, sin = tiny.get_rotary_pos_embed((3, 4, 4))
    no_rotation = _run(tiny, batch, freqs_cos=torch.ones_like(cos), freqs_sin=torch.zeros_like(sin))
    assert (no_rotation - _run(tiny, batch)).abs().max() > 1e-3


def test_presets_match_the_release() -> None:
    for name in ("HYVideo-T/2", "HYVideo-T/2-cfgdistill"):
        cfg = PRESETS[name]
        assert (cfg.hidden_size, cfg.heads_num, cfg.mm_double_blocks_depth, cfg.mm_single_blocks_depth) == (
            3072,
            24,
            20,
            40,
        )
        assert (cfg.mlp_width_ratio, cfg.in_channels, cfg.out_channels, cfg.patch_size) == (
            4.0,
            16,
            16,
            (1, 2, 2),
        )
        assert (cfg.rope_dim_list, cfg.rope_theta, cfg.text_states_dim, cfg.text_states_dim_2) == (
            (16, 56, 56),
            256.0,
            4096,
            768,
        )
    assert not PRESETS["HYVideo-T/2"].guidance_embed and PRESETS["HYVideo-T/2-cfgdistill"].guidance_embed
    with pytest.raises(ValueError, match="unknown transformer preset 'HYVideo-T/3'"):
        preset("HYVideo-T/3")


def test_release_constructor_and_forward_signature() -> None:
    """As the release builds it: HYVideoDiffusionTransformer(args, in_channels=..., **HUNYUAN_VIDEO_CONFIG[..])."""
    args = argparse.Namespace(text_states_dim=64, text_states_dim_2=32)
    torch.manual_seed(0)
    model = HYVideoDiffusionTransformer(
        args,
        in_channels=16,
        out_channels=16,
        mm_double_blocks_depth=2,
        mm_single_blocks_depth=2,
        rope_dim_list=[4, 6, 6],
        hidden_size=64,
        heads_num=4,
        mlp_width_ratio=4,
        guidance_embed=True,
    ).eval()
    assert model.config == TINY
    batch = inputs(TINY)
    with torch.inference_mode():
        out = model(
            batch["x"],
            batch["t"],
            batch["text_states"],
            batch["text_mask"],
            batch["text_states_2"],
            None,
            None,
            batch["guidance"],
            return_dict=False,
        )
    assert isinstance(out, torch.Tensor) and out.shape == batch["x"].shape


def test_a_scalar_timestep_applies_to_the_whole_batch(tiny) -> None:
    batch = inputs(TINY)
    assert torch.equal(_run(tiny, batch, t=torch.tensor(500.0)), _run(tiny, batch, t=torch.full((2,), 500.0)))


def test_float64_run_agrees_with_float32(tiny) -> None:
    batch = inputs(TINY)
    wide = HYVideoDiffusionTransformer.from_config(TINY, dtype=torch.float64).eval()
    wide.load_state_dict(tiny.state_dict())
    wide_batch = {k: (v.double() if v is not None and v.is_floating_point() else v) for k, v in batch.items()}
    out = _run(wide, wide_batch)
    assert out.dtype == torch.float64
    assert (out.float() - _run(tiny, batch)).abs().max() < 1e-4


def test_bad_inputs_give_one_clear_line(tiny) -> None:
    batch = inputs(TINY)
    with pytest.raises(ValueError, match=r"x must be \(B, 16, T, H, W\)"):
        _run(tiny, batch, x=batch["x"][:, :4])
    with pytest.raises(ValueError, match="not divisible by the patch size"):
        _run(tiny, batch, x=batch["x"][..., :7])
    with pytest.raises(ValueError, match="needs `guidance`"):
        _run(tiny, batch, guidance=None)
    with pytest.raises(ValueError, match="no valid token"):
        _run(tiny, batch, text_mask=torch.zeros_like(batch["text_mask"]))
    with pytest.raises(ValueError, match="must sum to the head dim 16"):
        TINY.replace(rope_dim_list=(4, 4, 4))


def test_bf16_is_refused_on_a_cpu_without_native_support(monkeypatch) -> None:
    import hyvideo.precision as precision

    monkeypatch.setattr(precision, "cpu_supports", lambda dtype: dtype == torch.float32)
    with pytest.raises(PrecisionError, match="use dtype=fp32 on the CPU"):
        resolve_dtype("bf16", "cpu")
    assert resolve_dtype("bf16", "cuda") == torch.bfloat16
    assert resolve_dtype("fp32") == torch.float32
    with pytest.raises(PrecisionError, match="unknown dtype 'fp8'"):
        resolve_dtype("fp8")


def test_13b_key_names_and_shapes_are_the_release_checkpoints() -> None:
    """The names of mp_rank_00_model_states.pt, written out (not derived from the diffusers converter)."""
    h, mlp, refiner_mlp = 3072, 4 * 3072, 4 * 3072

    def linear(name: str, out_features: int, in_features: int) -> dict[str, tuple[int, ...]]:
        return {f"{name}.weight": (out_features, in_features), f"{name}.bias": (out_features,)}

    expected = {
        **linear("img_in.proj", h, 0),
        **linear("txt_in.input_embedder", h, 4096),
        **linear("txt_in.t_embedder.mlp.0", h, 256),
        **linear("txt_in.t_embedder.mlp.2", h, h),
        **linear("txt_in.c_embedder.linear_1", h, 4096),
        **linear("txt_in.c_embedder.linear_2", h, h),
        **linear("time_in.mlp.0", h, 256),
        **linear("time_in.mlp.2", h, h),
        **linear("vector_in.in_layer", h, 768),
        **linear("vector_in.out_layer", h, h),
        **linear("guidance_in.mlp.0", h, 256),
        **linear("guidance_in.mlp.2", h, h),
        **linear("final_layer.linear", 1 * 2 * 2 * 16, h),
        **linear("final_layer.adaLN_modulation.1", 2 * h, h),
    }
    expected["img_in.proj.weight"] = (h, 16, 1, 2, 2)
    for i in range(2):
        r = f"txt_in.individual_token_refiner.blocks.{i}"
        expected.update(
            {
                f"{r}.norm1.weight": (h,),
                f"{r}.norm1.bias": (h,),
                f"{r}.norm2.weight": (h,),
                f"{r}.norm2.bias": (h,),
            }
        )
        expected.update({**linear(f"{r}.self_attn_qkv", 3 * h, h), **linear(f"{r}.self_attn_proj", h, h)})
        expected.update({**linear(f"{r}.mlp.fc1", refiner_mlp, h), **linear(f"{r}.mlp.fc2", h, refiner_mlp)})
        expected.update(linear(f"{r}.adaLN_modulation.1", 2 * h, h))
    for i in range(20):
        for s in ("img", "txt"):
            b = f"double_blocks.{i}.{s}"
            expected.update({**linear(f"{b}_mod.linear", 6 * h, h), **linear(f"{b}_attn_qkv", 3 * h, h)})
            expected.update({f"{b}_attn_q_norm.weight": (128,), f"{b}_attn_k_norm.weight": (128,)})
            expected.update({**linear(f"{b}_attn_proj", h, h), **linear(f"{b}_mlp.fc1", mlp, h)})
            expected.update(linear(f"{b}_mlp.fc2", h, mlp))
    for i in range(40):
        b = f"single_blocks.{i}"
        expected.update({**linear(f"{b}.linear1", 3 * h + mlp, h), **linear(f"{b}.linear2", h, h + mlp)})
        expected.update({f"{b}.q_norm.weight": (128,), f"{b}.k_norm.weight": (128,)})
        expected.update(linear(f"{b}.modulation.linear", 3 * h, h))
    with torch.device("meta"):
        model = HYVideoDiffusionTransformer.from_config(preset("HYVideo-T/2-cfgdistill"))
    assert {k: tuple(v.shape) for k, v in model.state_dict().items()} == expected
