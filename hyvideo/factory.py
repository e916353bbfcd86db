"""Build a HunyuanVideoPipeline: from the released weights on disk, or tiny with seeded random weights.

Nothing here downloads. `from_release` checks that every component is present before loading any
(loading the 13B transformer takes minutes, so a missing VAE should not be found after it) and names
the first missing path with the command that fetches it.
"""

from __future__ import annotations

from pathlib import Path

import torch

from hyvideo.pipeline import HunyuanVideoPipeline
from hyvideo.precision import resolve_dtype
from hyvideo.rewrite import PromptRewriter
from hyvideo.text_encoder import CLIP_HINT, LLM_HINT, load_text_encoders, tiny_text_encoders
from hyvideo.transformer import PRESETS as TRANSFORMER_PRESETS
from hyvideo.transformer import HYVideoDiffusionTransformer, load_transformer
from hyvideo.vae import PRESETS as VAE_PRESETS
from hyvideo.vae import AutoencoderKLCausal3D, load_vae
from hyvideo.weights import CheckpointError

WEIGHTS_HINT = (
    "on a machine with internet: `huggingface-cli download tencent/HunyuanVideo --local-dir ckpts`, "
    "then copy ckpts/ here (see the README, section Weights)"
)
HINTS = {
    "transformer": WEIGHTS_HINT,
    "vae": WEIGHTS_HINT,
    "text_encoder": LLM_HINT,
    "text_encoder_2": CLIP_HINT,
}


def release_paths(ckpts: str | Path, variant: str = "hunyuan-video-t2v-720p") -> dict[str, Path]:
    """Where each component lives in the release's `ckpts/` layout, or in diffusers' folder layout."""
    root = Path(ckpts).expanduser()
    if (root / "transformer" / "config.json").is_file():  # diffusers: hunyuanvideo-community/HunyuanVideo
        return {
            "transformer": root / "transformer",
            "vae": root / "vae",
            "text_encoder": root / "text_encoder",
            "text_encoder_2": root / "text_encoder_2",
        }
    return {
        "transformer": root / variant / "transformers" / "mp_rank_00_model_states.pt",
        "vae": root / variant / "vae",
        "text_encoder": root / "text_encoder",
        "text_encoder_2": root / "text_encoder_2",
    }


def from_release(
    ckpts: str | Path,
    *,
    preset: str = "HYVideo-T/2-cfgdistill",
    variant: str = "hunyuan-video-t2v-720p",
    dtype: str | torch.dtype = "fp32",
    device: str = "cpu",
    offload: bool = False,
    rewriter: PromptRewriter | None = None,
) -> HunyuanVideoPipeline:
    """The released model from `ckpts` (the release's layout, or a diffusers HunyuanVideo folder)."""
    torch_dtype = resolve_dtype(dtype, device)
    paths = release_paths(ckpts, variant)
    for name, path in paths.items():
        if not path.exists():
            raise CheckpointError(f"{path}: the {name} weights are missing; {HINTS[name]}")
    load_device = "cpu" if offload else device
    transformer_config = None if paths["transformer"].is_dir() else TRANSFORMER_PRESETS[preset]
    transformer = load_transformer(paths["transformer"], transformer_config, torch_dtype, load_device)
    vae = load_vae(paths["vae"], dtype=torch_dtype, device=load_device)
    encoders = load_text_encoders(
        paths["text_encoder"], paths["text_encoder_2"], dtype=torch_dtype, device=load_device
    )
    return HunyuanVideoPipeline(transformer, vae, encoders, device, torch_dtype, offload, rewriter)


def tiny_random(
    seed: int = 0,
    *,
    dtype: str | torch.dtype = "fp32",
    device: str = "cpu",
    rewriter: PromptRewriter | None = None,
) -> HunyuanVideoPipeline:
    """The `tiny` transformer and VAE presets and tiny text encoders, all with weights drawn from `seed`.

    It models nothing: its videos check the plumbing (generation, manifest, metrics, reports)."""
    torch_dtype = resolve_dtype(dtype, device)
    config = TRANSFORMER_PRESETS["tiny"]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        transformer = HYVideoDiffusionTransformer.from_config(config).eval().requires_grad_(False)
        vae = AutoencoderKLCausal3D(VAE_PRESETS["tiny"]).eval().requires_grad_(False)
    encoders = tiny_text_encoders(seed + 1, llm_dim=config.text_states_dim, clip_dim=config.text_states_dim_2)
    return HunyuanVideoPipeline(transformer, vae, encoders, device, torch_dtype, rewriter=rewriter)
