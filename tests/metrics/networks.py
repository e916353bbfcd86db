"""Tiny random networks written in the official on-disk formats, and a registry that finds them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from evalsuite.config.schema import NetworkWeightsConfig, WeightsConfig
from evalsuite.data import synthetic
from evalsuite.data.video import write_video
from evalsuite.weights import WeightsRegistry


def tiny_openai_clip_state(seed: int = 0, embed_dim: int = 32) -> dict:
    """A CLIP with OpenAI's key names (what ViT-B-32.pt holds), 2+2 layers of width 64."""
    from open_clip.model import CLIP, CLIPTextCfg, CLIPVisionCfg

    torch.manual_seed(seed)
    model = CLIP(
        embed_dim=embed_dim,
        vision_cfg=CLIPVisionCfg(layers=2, width=64, patch_size=32, image_size=224),
        text_cfg=CLIPTextCfg(context_length=77, vocab_size=49408, width=64, heads=1, layers=2),
        quick_gelu=True,
    )
    for p in model.parameters():  # spread the weights so features differ between frames
        p.data.normal_(0, 0.05)
    return model.state_dict()


def write_tiny_weights(folder: Path, embed_dim: int = 32) -> dict[str, Path]:
    """Files for clip_vit_b32, clip_vit_l14 (tiny CLIPs) and laion_aesthetic_l14 (a head on embed_dim)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "clip_vit_b32": folder / "ViT-B-32.pt",
        "clip_vit_l14": folder / "ViT-L-14.pt",
        "laion_aesthetic_l14": folder / "sa_0_4_vit_l_14_linear.pth",
    }
    torch.save(tiny_openai_clip_state(1, embed_dim), paths["clip_vit_b32"])
    torch.save(tiny_openai_clip_state(2, embed_dim), paths["clip_vit_l14"])
    torch.manual_seed(3)
    head = torch.nn.Linear(embed_dim, 1)
    torch.save(head.state_dict(), paths["laion_aesthetic_l14"])
    return paths


def registry_with(paths: dict[str, Path], folder: Path) -> WeightsRegistry:
    """The shipped registry with the given networks pointed at local files (others as configured)."""
    from evalsuite.config import compose

    networks = dict(compose().weights.networks)
    for name, path in paths.items():
        networks[name] = NetworkWeightsConfig(file=path.name, path=str(path))
    return WeightsRegistry(WeightsConfig(dir=str(folder), networks=networks))


def clip_test_videos(folder: Path) -> list[tuple[Path, str]]:
    """Four short videos of different lengths and sizes, each with a prompt."""
    folder.mkdir(parents=True, exist_ok=True)
    specs = [
        ("disk", synthetic.moving_disk(9, 64, 96), "a red disk moves right"),
        ("static", synthetic.static(5, 64, 96), "a still picture"),
        ("pan", synthetic.smooth_texture(72, 120, seed=4, cells=6)[None].repeat(7, 0), "a texture"),
        ("noise", np.random.default_rng(0).integers(0, 256, (6, 72, 128, 3), dtype=np.uint8), "static noise"),
    ]
    out = []
    for name, frames, prompt in specs:
        path = folder / f"{name}.mp4"
        write_video(path, frames, fps=24)
        out.append((path, prompt))
    return out


def save_as_torchscript(state: dict, path: Path) -> None:
    """`state` as a TorchScript archive whose module tree has the state dict's key paths, as OpenAI's CLIP
    files are (their loading reads the archive's pickled module tree, not a state dict)."""
    import torch

    class Archive(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x

    root = Archive()
    for key, value in state.items():
        *parents, leaf = key.split(".")
        node = root
        for part in parents:
            if not hasattr(node, part):
                node.add_module(part, torch.nn.Module())
            node = getattr(node, part)
        node.register_parameter(leaf, torch.nn.Parameter(value, requires_grad=False))
    torch.jit.script(root).save(str(path))
