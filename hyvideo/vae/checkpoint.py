"""Load VAE weights: the release's `vae/` folder (config.json + pytorch_model.pt), a diffusers `vae/`
folder (config.json + diffusion_pytorch_model.safetensors), or a single weight file.

The release's file may wrap the state dict in "state_dict" and prefix every key with "vae."; both are
undone. Diffusers' `AutoencoderKLHunyuanVideo` kept the release's parameter names, so its weights need
no renaming (a test pins this on the full-size config).
"""

from __future__ import annotations

from pathlib import Path

import torch

from hyvideo.precision import resolve_dtype
from hyvideo.vae.model import PRESETS, AutoencoderKLCausal3D, VAEConfig
from hyvideo.weights import (
    TORCH_SUFFIXES,
    CheckpointError,
    assign_weights,
    check_state_dict,
    read_safetensors,
    read_torch_file,
)

WEIGHT_NAMES = ("pytorch_model.pt", "diffusion_pytorch_model.safetensors", "model.safetensors")


def _weight_file(path: Path) -> Path:
    if path.is_file():
        return path
    for folder in (path, path / "vae"):
        for name in WEIGHT_NAMES:
            if (folder / name).is_file():
                return folder / name
    raise CheckpointError(
        f"{path}: no VAE weights ({' or '.join(WEIGHT_NAMES)}) in it or in its vae/ subfolder; "
        "download the HunyuanVideo VAE into ckpts/hunyuan-video-t2v-720p/vae/ (see README, 'Weights')"
    )


def read_vae_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """The VAE state dict at `path`, without the release's "state_dict" wrapper or "vae." prefix."""
    path = Path(path).expanduser()
    if not path.exists():
        raise CheckpointError(
            f"{path}: no such VAE weight file or folder; download the HunyuanVideo VAE into "
            "ckpts/hunyuan-video-t2v-720p/vae/ (see README, 'Weights')"
        )
    file = _weight_file(path)
    if file.suffix == ".safetensors":
        state = read_safetensors(file)
    elif file.suffix in TORCH_SUFFIXES:
        state = read_torch_file(file, load_key="state_dict")
    else:
        raise CheckpointError(f"{file}: unknown weight format; use .pt or .safetensors")
    if any(k.startswith("vae.") for k in state):
        state = {k.removeprefix("vae."): v for k, v in state.items() if k.startswith("vae.")}
    return state


def load_vae(
    path: str | Path,
    config: VAEConfig | None = None,
    dtype: str | torch.dtype = torch.float32,
    device: str | torch.device = "cpu",
) -> AutoencoderKLCausal3D:
    """Build the VAE on the meta device and assign the weights at `path` (eval mode, frozen).

    `config` defaults to the config.json beside the weights, else the release's "884-16c-hy".
    """
    dtype = resolve_dtype(dtype, device)
    path = Path(path).expanduser()
    state = read_vae_state_dict(path)
    if config is None:
        file = _weight_file(path)
        config_file = file.parent / "config.json"
        config = VAEConfig.from_json(config_file) if config_file.is_file() else PRESETS["884-16c-hy"]
    with torch.device("meta"):
        model = AutoencoderKLCausal3D(config)
    check_state_dict(model, state, str(path), "check that config.json matches these weights")
    return assign_weights(model, state, dtype, device)
