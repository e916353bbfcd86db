"""State-dict conversion between the release's names and diffusers' `HunyuanVideoTransformer3DModel`.

One table drives both directions, so official -> diffusers -> official is the identity by construction
(and tested). Besides renames, three kinds of tensor differ:
- fused QKV (`img_attn_qkv`, `txt_attn_qkv`, the refiner's `self_attn_qkv`) is three projections in
  diffusers (to_q/to_k/to_v, or add_q/k/v_proj for text);
- a single-stream block's `linear1` is [q | k | v | mlp-in]: diffusers' to_q, to_k, to_v and proj_mlp;
- the final layer's adaLN emits (shift, scale) in the release and (scale, shift) in diffusers.
Keys no rule knows pass through unchanged, so the loader reports them as unexpected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import torch

_REFINER = "txt_in.individual_token_refiner.blocks.{i}"
_D_REFINER = "context_embedder.token_refiner.refiner_blocks.{i}"
_DOUBLE, _D_DOUBLE = "double_blocks.{i}", "transformer_blocks.{i}"
_SINGLE, _D_SINGLE = "single_blocks.{i}", "single_transformer_blocks.{i}"

# (official module, diffusers module(s), how the tensor changes)
RULES: list[tuple[str, tuple[str, ...], str]] = [
    ("img_in.proj", ("x_embedder.proj",), "same"),
    ("time_in.mlp.0", ("time_text_embed.timestep_embedder.linear_1",), "same"),
    ("time_in.mlp.2", ("time_text_embed.timestep_embedder.linear_2",), "same"),
    ("vector_in.in_layer", ("time_text_embed.text_embedder.linear_1",), "same"),
    ("vector_in.out_layer", ("time_text_embed.text_embedder.linear_2",), "same"),
    ("guidance_in.mlp.0", ("time_text_embed.guidance_embedder.linear_1",), "same"),
    ("guidance_in.mlp.2", ("time_text_embed.guidance_embedder.linear_2",), "same"),
    ("txt_in.input_embedder", ("context_embedder.proj_in",), "same"),
    ("txt_in.t_embedder.mlp.0", ("context_embedder.time_text_embed.timestep_embedder.linear_1",), "same"),
    ("txt_in.t_embedder.mlp.2", ("context_embedder.time_text_embed.timestep_embedder.linear_2",), "same"),
    ("txt_in.c_embedder.linear_1", ("context_embedder.time_text_embed.text_embedder.linear_1",), "same"),
    ("txt_in.c_embedder.linear_2", ("context_embedder.time_text_embed.text_embedder.linear_2",), "same"),
    (f"{_REFINER}.norm1", (f"{_D_REFINER}.norm1",), "same"),
    (
        f"{_REFINER}.self_attn_qkv",
        (f"{_D_REFINER}.attn.to_q", f"{_D_REFINER}.attn.to_k", f"{_D_REFINER}.attn.to_v"),
        "split",
    ),
    (f"{_REFINER}.self_attn_proj", (f"{_D_REFINER}.attn.to_out.0",), "same"),
    (f"{_REFINER}.norm2", (f"{_D_REFINER}.norm2",), "same"),
    (f"{_REFINER}.mlp.fc1", (f"{_D_REFINER}.ff.net.0.proj",), "same"),
    (f"{_REFINER}.mlp.fc2", (f"{_D_REFINER}.ff.net.2",), "same"),
    (f"{_REFINER}.adaLN_modulation.1", (f"{_D_REFINER}.norm_out.linear",), "same"),
    (f"{_DOUBLE}.img_mod.linear", (f"{_D_DOUBLE}.norm1.linear",), "same"),
    (
        f"{_DOUBLE}.img_attn_qkv",
        (f"{_D_DOUBLE}.attn.to_q", f"{_D_DOUBLE}.attn.to_k", f"{_D_DOUBLE}.attn.to_v"),
        "split",
    ),
    (f"{_DOUBLE}.img_attn_q_norm", (f"{_D_DOUBLE}.attn.norm_q",), "same"),
    (f"{_DOUBLE}.img_attn_k_norm", (f"{_D_DOUBLE}.attn.norm_k",), "same"),
    (f"{_DOUBLE}.img_attn_proj", (f"{_D_DOUBLE}.attn.to_out.0",), "same"),
    (f"{_DOUBLE}.img_mlp.fc1", (f"{_D_DOUBLE}.ff.net.0.proj",), "same"),
    (f"{_DOUBLE}.img_mlp.fc2", (f"{_D_DOUBLE}.ff.net.2",), "same"),
    (f"{_DOUBLE}.txt_mod.linear", (f"{_D_DOUBLE}.norm1_context.linear",), "same"),
    (
        f"{_DOUBLE}.txt_attn_qkv",
        (f"{_D_DOUBLE}.attn.add_q_proj", f"{_D_DOUBLE}.attn.add_k_proj", f"{_D_DOUBLE}.attn.add_v_proj"),
        "split",
    ),
    (f"{_DOUBLE}.txt_attn_q_norm", (f"{_D_DOUBLE}.attn.norm_added_q",), "same"),
    (f"{_DOUBLE}.txt_attn_k_norm", (f"{_D_DOUBLE}.attn.norm_added_k",), "same"),
    (f"{_DOUBLE}.txt_attn_proj", (f"{_D_DOUBLE}.attn.to_add_out",), "same"),
    (f"{_DOUBLE}.txt_mlp.fc1", (f"{_D_DOUBLE}.ff_context.net.0.proj",), "same"),
    (f"{_DOUBLE}.txt_mlp.fc2", (f"{_D_DOUBLE}.ff_context.net.2",), "same"),
    (
        f"{_SINGLE}.linear1",
        (
            f"{_D_SINGLE}.attn.to_q",
            f"{_D_SINGLE}.attn.to_k",
            f"{_D_SINGLE}.attn.to_v",
            f"{_D_SINGLE}.proj_mlp",
        ),
        "split",
    ),
    (f"{_SINGLE}.linear2", (f"{_D_SINGLE}.proj_out",), "same"),
    (f"{_SINGLE}.q_norm", (f"{_D_SINGLE}.attn.norm_q",), "same"),
    (f"{_SINGLE}.k_norm", (f"{_D_SINGLE}.attn.norm_k",), "same"),
    (f"{_SINGLE}.modulation.linear", (f"{_D_SINGLE}.norm.linear",), "same"),
    ("final_layer.linear", ("proj_out",), "same"),
    ("final_layer.adaLN_modulation.1", ("norm_out.linear",), "swap_halves"),
]

_BLOCK_INDEX = re.compile(r"(blocks)\.(\d+)\.")
_BY_OFFICIAL = {official: (diffusers, kind) for official, diffusers, kind in RULES}
_BY_DIFFUSERS = {diffusers[0]: (official, diffusers, kind) for official, diffusers, kind in RULES}
_LATER_SPLIT_PARTS = {part for _, diffusers, kind in RULES if kind == "split" for part in diffusers[1:]}


def _template(key: str) -> tuple[str, str, str | None]:
    """'double_blocks.3.img_mod.linear.weight' -> ('double_blocks.{i}.img_mod.linear', 'weight', '3')."""
    module, _, param = key.rpartition(".")
    match = _BLOCK_INDEX.search(module + ".")
    index = match.group(2) if match else None
    return _BLOCK_INDEX.sub(r"\1.{i}.", module + ".", count=1)[:-1], param, index


def _name(template: str, index: str | None, param: str) -> str:
    return f"{template.replace('{i}', index or '')}.{param}"


def _swap_halves(t: torch.Tensor) -> torch.Tensor:
    first, second = t.chunk(2, dim=0)
    return torch.cat((second, first), dim=0)


def _hidden_size(state_dict: Mapping[str, torch.Tensor], patch_key: str) -> int:
    if patch_key not in state_dict:
        raise KeyError(f"state dict has no {patch_key!r}; cannot tell the hidden size")
    return state_dict[patch_key].shape[0]


def is_diffusers_state_dict(state_dict: Mapping[str, torch.Tensor]) -> bool:
    return any(k.startswith(("x_embedder.", "context_embedder.", "transformer_blocks.")) for k in state_dict)


def official_to_diffusers(state_dict: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    hidden = _hidden_size(state_dict, "img_in.proj.weight")
    out: dict[str, torch.Tensor] = {}
    for key, tensor in state_dict.items():
        template, param, index = _template(key)
        if template not in _BY_OFFICIAL:
            out[key] = tensor
            continue
        targets, kind = _BY_OFFICIAL[template]
        if kind == "split":
            sizes = [hidden] * 3 + ([tensor.shape[0] - 3 * hidden] if len(targets) == 4 else [])
            for target, part in zip(targets, torch.split(tensor, sizes, dim=0), strict=True):
                out[_name(target, index, param)] = part
        else:
            out[_name(targets[0], index, param)] = _swap_halves(tensor) if kind == "swap_halves" else tensor
    return out


def diffusers_to_official(state_dict: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out: dict[str, torch.Tensor] = {}
    consumed: set[str] = set()
    for key, tensor in state_dict.items():
        if key in consumed:
            continue
        template, param, index = _template(key)
        if template not in _BY_DIFFUSERS:
            if template not in _LATER_SPLIT_PARTS:  # those are fused when their first part comes
                out[key] = tensor
            continue
        official, parts, kind = _BY_DIFFUSERS[template]
        if kind == "split":
            names = [_name(p, index, param) for p in parts]
            missing = [n for n in names if n not in state_dict]
            if missing:
                raise KeyError(f"diffusers state dict has {key!r} but not {missing[0]!r}")
            out[_name(official, index, param)] = torch.cat([state_dict[n] for n in names], dim=0)
            consumed.update(names)
        else:
            out[_name(official, index, param)] = _swap_halves(tensor) if kind == "swap_halves" else tensor
    return out
