"""The causal 3D VAE: equal to diffusers' AutoencoderKLHunyuanVideo (untiled and tiled), the release's
keys, shapes, causality, errors and weight loading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from diffusers import AutoencoderKLHunyuanVideo

from hyvideo.vae import PRESETS, AutoencoderKLCausal3D, TilingConfig, VAEConfig, load_vae
from hyvideo.vae.blocks import CausalConv3d
from hyvideo.weights import CheckpointError

TINY = PRESETS["tiny"]
# The convolutions run on oneDNN (see CausalConv3d) and diffusers' on torch's default kernel: equal up to
# float32 rounding, so the bound is relative to the outputs' magnitude.
TOLERANCE = 1e-5
SMALL_TILES = TilingConfig(sample_size=32, sample_stride=24, sample_frames=8, sample_stride_frames=4)


def diffusers_vae(cfg: VAEConfig) -> AutoencoderKLHunyuanVideo:
    return AutoencoderKLHunyuanVideo(
        block_out_channels=cfg.block_out_channels,
        layers_per_block=cfg.layers_per_block,
        norm_num_groups=cfg.norm_num_groups,
        latent_channels=cfg.latent_channels,
        scaling_factor=cfg.scaling_factor,
    )


@pytest.fixture(scope="module")
def pair():
    """(ours, diffusers') with the same random weights (norm gains around 1, everything else at 0.1)."""
    torch.manual_seed(0)
    theirs = diffusers_vae(TINY).eval()
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, param in theirs.named_parameters():
            noise = torch.randn(param.shape, generator=generator) * 0.1
            param.copy_(noise + 1 if "norm" in name and name.endswith("weight") else noise)
    ours = AutoencoderKLCausal3D(TINY).eval()
    ours.load_state_dict(theirs.state_dict(), strict=True)
    return ours, theirs


def assert_matches(ours: torch.Tensor, reference: torch.Tensor) -> None:
    scale = max(1.0, reference.abs().max().item())
    assert (ours - reference).abs().max().item() <= TOLERANCE * scale


def video(*shape: int, seed: int = 3) -> torch.Tensor:
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def untiled(ours, theirs):
    ours.tiling = None
    theirs.use_tiling = False
    theirs.use_framewise_encoding = theirs.use_framewise_decoding = False


@pytest.mark.parametrize("frames", [1, 5, 9, 17], ids=lambda t: f"{t}-frames")
def test_untiled_encode_and_decode_equal_diffusers(pair, frames: int) -> None:
    ours, theirs = pair
    untiled(ours, theirs)
    x = video(1, 3, frames, 32, 48)
    with torch.inference_mode():
        posterior = ours.encode(x)
        reference = theirs.encode(x).latent_dist
        assert posterior.mean.shape == (1, 16, (frames - 1) // 4 + 1, 4, 6)
        assert_matches(posterior.mean, reference.mean)
        assert_matches(posterior.std, reference.std)
        z = posterior.mode()
        decoded = ours.decode(z)
        assert decoded.shape == x.shape
        assert decoded.std() > 0.3
        assert_matches(decoded, theirs.decode(z).sample)


@pytest.mark.parametrize(
    "shape",
    [(1, 3, 5, 48, 64), (1, 3, 21, 40, 56), (2, 3, 17, 48, 64)],
    ids=["spatial", "space+time", "batch"],
)
def test_tiled_encode_and_decode_equal_diffusers_with_the_same_tiles(pair, shape) -> None:
    ours, theirs = pair
    ours.tiling = SMALL_TILES
    theirs.enable_tiling(
        tile_sample_min_height=32,
        tile_sample_min_width=32,
        tile_sample_min_num_frames=8,
        tile_sample_stride_height=24,
        tile_sample_stride_width=24,
        tile_sample_stride_num_frames=4,
    )
    theirs.use_framewise_encoding = theirs.use_framewise_decoding = True
    theirs.enable_slicing()  # we decode one video at a time; batched convs round differently
    x = video(*shape)
    with torch.inference_mode():
        latents = ours.encode(x).mean
        assert_matches(latents, theirs.encode(x).latent_dist.mean)
        z = torch.randn(latents.shape, generator=torch.Generator().manual_seed(4))
        decoded = ours.decode(z)
        assert decoded.shape[2:] == x.shape[2:]
        assert_matches(decoded, theirs.decode(z).sample)
    theirs.disable_slicing()


def test_a_single_tile_input_is_not_tiled(pair) -> None:
    ours, _ = pair
    x = video(1, 3, 5, 32, 32)
    with torch.inference_mode():
        ours.tiling = SMALL_TILES
        tiled = ours.encode(x).mean
        ours.tiling = None
        assert torch.equal(tiled, ours.encode(x).mean)


def test_full_size_keys_equal_the_release_and_diffusers() -> None:
    with torch.device("meta"):
        ours = AutoencoderKLCausal3D(PRESETS["884-16c-hy"])
        theirs = AutoencoderKLHunyuanVideo()
    mine = {k: tuple(v.shape) for k, v in ours.state_dict().items()}
    assert mine == {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    # a few of the release's names, written out
    assert mine["encoder.down_blocks.0.resnets.0.conv1.conv.weight"] == (128, 128, 3, 3, 3)
    assert mine["encoder.down_blocks.1.downsamplers.0.conv.conv.weight"] == (256, 256, 3, 3, 3)
    assert mine["encoder.mid_block.attentions.0.to_q.weight"] == (512, 512)
    assert mine["decoder.up_blocks.0.resnets.2.conv2.conv.weight"] == (512, 512, 3, 3, 3)
    assert mine["decoder.up_blocks.2.upsamplers.0.conv.conv.weight"] == (256, 256, 3, 3, 3)
    assert mine["encoder.down_blocks.1.resnets.0.conv_shortcut.conv.weight"] == (256, 128, 1, 1, 1)
    assert mine["quant_conv.weight"] == (32, 32, 1, 1, 1) and mine["post_quant_conv.weight"] == (
        16,
        16,
        1,
        1,
        1,
    )
    assert "encoder.down_blocks.3.downsamplers.0.conv.conv.weight" not in mine


def test_causal_conv_output_never_sees_later_frames() -> None:
    torch.manual_seed(0)
    conv = CausalConv3d(2, 3, 3)
    x = torch.randn(1, 2, 6, 5, 5)
    changed = x.clone()
    changed[:, :, 4:] = torch.randn(1, 2, 2, 5, 5)
    with torch.inference_mode():
        a, b = conv(x), conv(changed)
    assert torch.equal(a[:, :, :4], b[:, :, :4]) and not torch.equal(a[:, :, 4:], b[:, :, 4:])


def test_scaled_latents_round_trip_the_scaling_factor(pair) -> None:
    ours, _ = pair
    ours.tiling = None
    x = video(1, 3, 5, 16, 16)
    with torch.inference_mode():
        latents = ours.encode_latents(x)
        assert torch.allclose(latents, ours.encode(x).mode() * 0.476986)
        assert torch.allclose(ours.decode_latents(latents), ours.decode(latents / 0.476986))


def test_bad_inputs_give_one_clear_line(pair) -> None:
    ours, _ = pair
    with pytest.raises(ValueError, match=r"has 8 frames; the causal VAE takes 4k\+1 frames .* use 5 or 9"):
        ours.encode(video(1, 3, 8, 16, 16))
    with pytest.raises(ValueError, match="has 4 channels; this VAE encodes 3"):
        ours.encode(video(1, 4, 5, 16, 16))
    with pytest.raises(ValueError, match="20x16; height and width must be multiples of 8"):
        ours.encode(video(1, 3, 5, 20, 16))
    with pytest.raises(TypeError, match="scale uint8 frames to"):
        ours.encode(torch.zeros(1, 3, 5, 16, 16, dtype=torch.uint8))
    with pytest.raises(TypeError, match=r"use \.to\(torch.float32\)"):
        ours.decode(torch.zeros(1, 16, 2, 2, 2, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"latents must be \(B, 16, T, H, W\)"):
        ours.decode(torch.zeros(1, 4, 2, 2, 2))
    with pytest.raises(ValueError, match="not divisible by norm_num_groups"):
        VAEConfig(block_out_channels=(8, 16, 30, 30), norm_num_groups=4)


# The release's vae/config.json for "884-16c-hy" (its architecture fields).
RELEASE_CONFIG = {
    "_class_name": "AutoencoderKLCausal3D",
    "act_fn": "silu",
    "block_out_channels": [128, 256, 512, 512],
    "down_block_types": ["DownEncoderBlockCausal3D"] * 4,
    "in_channels": 3,
    "latent_channels": 16,
    "layers_per_block": 2,
    "norm_num_groups": 32,
    "out_channels": 3,
    "sample_size": 256,
    "sample_tsize": 64,
    "up_block_types": ["UpDecoderBlockCausal3D"] * 4,
    "scaling_factor": 0.476986,
    "time_compression_ratio": 4,
    "mid_block_add_attention": True,
}


def test_release_config_json_reads_as_the_preset(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps(RELEASE_CONFIG))
    assert VAEConfig.from_json(tmp_path / "config.json") == PRESETS["884-16c-hy"]


def test_release_vae_folder_with_prefixed_wrapped_weights(tmp_path: Path, pair) -> None:
    ours, _ = pair
    folder = tmp_path / "ckpts" / "hunyuan-video-t2v-720p" / "vae"
    folder.mkdir(parents=True)
    config = {
        **RELEASE_CONFIG,
        "block_out_channels": [8, 16, 32, 32],
        "layers_per_block": 1,
        "norm_num_groups": 4,
    }
    (folder / "config.json").write_text(json.dumps(config))
    torch.save(
        {"state_dict": {f"vae.{k}": v for k, v in ours.state_dict().items()}}, folder / "pytorch_model.pt"
    )
    loaded = load_vae(folder)
    assert loaded.config == TINY and not loaded.training
    assert all(
        torch.equal(a, b)
        for a, b in zip(loaded.state_dict().values(), ours.state_dict().values(), strict=True)
    )


def test_diffusers_vae_folder(tmp_path: Path, pair) -> None:
    ours, theirs = pair
    theirs.save_pretrained(tmp_path / "HunyuanVideo" / "vae")
    loaded = load_vae(tmp_path / "HunyuanVideo")
    assert loaded.config == TINY
    assert torch.equal(loaded.decoder.conv_out.conv.weight, ours.decoder.conv_out.conv.weight)


def test_weight_errors_name_the_file(tmp_path: Path, pair) -> None:
    with pytest.raises(
        CheckpointError, match="no such VAE weight file or folder; download the HunyuanVideo VAE"
    ):
        load_vae(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CheckpointError, match="no VAE weights"):
        load_vae(tmp_path / "empty")
    torch.save(pair[0].state_dict(), tmp_path / "tiny.pt")
    with pytest.raises(
        CheckpointError, match=r"tiny\.pt: does not fit the model \(.*mis-shaped: encoder\.conv_in"
    ):
        load_vae(tmp_path / "tiny.pt")  # no config.json beside it: the full-size preset
