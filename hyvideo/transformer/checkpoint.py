"""Load transformer weights: the release's file, safetensors, or a diffusers folder, without a second copy.

Accepted sources:
- the official torch file (`ckpts/hunyuan-video-t2v-720p/transformers/mp_rank_00_model_states.pt`), a
  dict holding the state dict under "module" (or the `load_key` asked for, e.g. "ema"), or a bare state dict;
- a `.safetensors` file in either naming;
- a diffusers folder (`config.json` + `diffusion_pytorch_model*.safetensors`, sharded or not), or its
  `transformer/` subfolder, converted to the release's names.

Torch files are read with `weights_only=True` and memory-mapped (`hyvideo.weights`); the model is built on
the meta device and the loaded tensors are assigned into it, so the 13B weights exist once in memory.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from hyvideo.precision import resolve_dtype
from hyvideo.transformer.diffusers_keys import diffusers_to_official, is_diffusers_state_dict
from hyvideo.transformer.model import HYVideoDiffusionTransformer, TransformerConfig
from hyvideo.weights import (
    TORCH_SUFFIXES,
    CheckpointError,
    assign_weights,
    check_state_dict,
    read_safetensors,
    read_torch_file,
)


def _diffusers_folder(path: Path) -> Path:
    for candidate in (path, path / "transformer"):
        if (candidate / "config.json").is_file() and any(
            candidate.glob("diffusion_pytorch_model*.safetensors")
        ):
            return candidate
    raise CheckpointError(
        f"{path}: a folder, but neither it nor its transformer/ subfolder holds config.json and "
        "diffusion_pytorch_model*.safetensors; point at the weight file or the diffusers model folder"
    )


def read_state_dict(path: str | Path, load_key: str = "module") -> dict[str, torch.Tensor]:
    """The state dict stored at `path`, in the release's naming (diffusers weights are converted)."""
    path = Path(path).expanduser()
    if not path.exists():
        raise CheckpointError(
            f"{path}: no such weight file; download the HunyuanVideo transformer into ckpts/ "
            "(see README, 'Weights'); or pass the path where it lies"
        )
    if path.is_dir():
        folder = _diffusers_folder(path)
        state: dict[str, torch.Tensor] = {}
        for shard in sorted(folder.glob("diffusion_pytorch_model*.safetensors")):
            state.update(read_safetensors(shard))
    elif path.suffix == ".safetensors":
        state = read_safetensors(path)
    elif path.suffix in TORCH_SUFFIXES:
        state = read_torch_file(path, load_key)
    else:
        raise CheckpointError(
            f"{path}: unknown weight format; use .pt/.pth/.bin, .safetensors or a diffusers folder"
        )
    return diffusers_to_official(state) if is_diffusers_state_dict(state) else state


def config_from_diffusers(path: str | Path) -> TransformerConfig:
    """Our config from a diffusers `config.json` (of `HunyuanVideoTransformer3DModel`)."""
    raw = json.loads((_diffusers_folder(Path(path)) / "config.json").read_text())
    if raw.get("image_condition_type"):
        raise CheckpointError(
            f"{path}: image-conditioned (I2V) transformers are not supported; use a T2V one"
        )
    heads, head_dim = raw.get("num_attention_heads", 24), raw.get("attention_head_dim", 128)
    patch, patch_t = raw.get("patch_size", 2), raw.get("patch_size_t", 1)
    return TransformerConfig(
        patch_size=(patch_t, patch, patch),
        in_channels=raw.get("in_channels", 16),
        out_channels=raw.get("out_channels") or raw.get("in_channels", 16),
        hidden_size=heads * head_dim,
        heads_num=heads,
        mlp_width_ratio=raw.get("mlp_ratio", 4.0),
        mm_double_blocks_depth=raw.get("num_layers", 20),
        mm_single_blocks_depth=raw.get("num_single_layers", 40),
        rope_dim_list=tuple(raw.get("rope_axes_dim", (16, 56, 56))),
        rope_theta=raw.get("rope_theta", 256.0),
        guidance_embed=raw.get("guidance_embeds", True),
        text_states_dim=raw.get("text_embed_dim", 4096),
        text_states_dim_2=raw.get("pooled_projection_dim", 768),
        refiner_depth=raw.get("num_refiner_layers", 2),
    )


def load_transformer(
    path: str | Path,
    config: TransformerConfig | None = None,
    dtype: str | torch.dtype = torch.float32,
    device: str | torch.device = "cpu",
    load_key: str = "module",
) -> HYVideoDiffusionTransformer:
    """Build the model on the meta device and assign the weights at `path` into it (eval mode, frozen;
    run it under `torch.inference_mode()`).

    `config` defaults to the folder's diffusers config.json, else the released HYVideo-T/2-cfgdistill.
    `dtype` is fp32 / bf16 / fp16 (or a torch dtype); bf16 and fp16 are refused on a CPU without
    native support for them.
    """
    dtype = resolve_dtype(dtype, device)
    path = Path(path).expanduser()
    if config is None:
        from hyvideo.transformer.model import PRESETS

        config = config_from_diffusers(path) if path.is_dir() else PRESETS["HYVideo-T/2-cfgdistill"]
    state = read_state_dict(path, load_key=load_key)
    with torch.device("meta"):
        model = HYVideoDiffusionTransformer.from_config(config)
    hint = "check that the config or preset matches these weights (e.g. HYVideo-T/2-cfgdistill for the released t2v checkpoint)"
    check_state_dict(model, state, str(path), hint)
    return assign_weights(model, state, dtype, device)
