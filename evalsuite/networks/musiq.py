"""MUSIQ (Ke et al., ICCV 2021) as the `pyiqa` package implements it, which is the code VBench's imaging
quality runs (`from pyiqa.archs.musiq_arch import MUSIQ`).

pyiqa is optional: install it with `pip install --no-deps pyiqa==0.1.16` (its MUSIQ needs only torch,
torchvision, timm and huggingface_hub, which this suite has; its full dependency list is large). The
checkpoint is pyiqa's SPAQ-trained file, VBench's choice, loaded strictly after dropping a `module.`
prefix as pyiqa's loader does; the head has one output, the SPAQ MOS on a 0-100 scale.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch

PACKAGE = "pyiqa"
INSTALL = "pip install --no-deps pyiqa==0.1.16"


def package_missing() -> str | None:
    """None when pyiqa can be imported, else the one-line fix."""
    if importlib.util.find_spec(PACKAGE) is None:
        return f"needs the Python package pyiqa for MUSIQ (the code VBench runs); fix: `{INSTALL}`"
    return None


def build_musiq(**kwargs) -> torch.nn.Module:
    from pyiqa.archs.musiq_arch import MUSIQ

    return MUSIQ(pretrained=False, pretrained_model_path=None, **kwargs)


def load_musiq(path: Path | None) -> torch.nn.Module:
    model = build_musiq()
    if path is not None:
        state = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict({k.removeprefix("module."): v for k, v in state.items()})
    return model
