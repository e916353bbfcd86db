"""Reading weight files safely, and checking a state dict against a model: shared by every hyvideo model.

Torch files are read with `weights_only=True` (no arbitrary unpickling) and memory-mapped; safetensors
are read lazily by design. Every failure is one `CheckpointError` line that names the file and the fix.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Mapping
from pathlib import Path

import torch

TORCH_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt")


class CheckpointError(ValueError):
    """A weight file that is missing, unreadable, or does not fit the model; the message names the file."""


def read_torch_file(path: Path, load_key: str | None) -> dict[str, torch.Tensor]:
    """A state dict from a torch file: bare, or the mapping under `load_key` when the file holds one."""
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except pickle.UnpicklingError as exc:
        found = re.search(r"GLOBAL ([\w.]+)", str(exc))
        what = f" ({found.group(1)})" if found else ""
        raise CheckpointError(
            f"{path}: holds a pickled object other than tensors{what}, refused under weights_only=True; "
            "re-save only the state dict (torch.save(model.state_dict(), ...)) or as safetensors"
        ) from None
    except (RuntimeError, OSError, EOFError) as exc:
        raise CheckpointError(f"{path}: not a readable torch file ({exc}); re-download it") from None
    if isinstance(obj, Mapping) and load_key in obj and isinstance(obj[load_key], Mapping):
        obj = obj[load_key]
    if not isinstance(obj, Mapping) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        keys = list(obj)[:5] if isinstance(obj, Mapping) else type(obj).__name__
        raise CheckpointError(
            f"{path}: expected a state dict or a dict with one under {load_key!r}; found {keys}; "
            "pass load_key= to pick the entry that holds the weights"
        )
    return dict(obj)


def read_safetensors(path: Path) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        return load_file(path, device="cpu")
    except (SafetensorError, OSError) as exc:
        raise CheckpointError(f"{path}: not a readable safetensors file ({exc}); re-download it") from None


def check_state_dict(
    model: torch.nn.Module, state_dict: Mapping[str, torch.Tensor], source: str, hint: str, shown: int = 5
) -> None:
    """One error listing the first few missing, unexpected and mis-shaped keys, or nothing."""
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    missing = [k for k in expected if k not in state_dict]
    unexpected = [k for k in state_dict if k not in expected]
    misshaped = [
        f"{k} {tuple(state_dict[k].shape)} != {shape}"
        for k, shape in expected.items()
        if k in state_dict and tuple(state_dict[k].shape) != shape
    ]
    problems = [
        f"{len(items)} {what}: {', '.join(items[:shown])}{', ...' if len(items) > shown else ''}"
        for what, items in (("missing", missing), ("unexpected", unexpected), ("mis-shaped", misshaped))
        if items
    ]
    if problems:
        raise CheckpointError(f"{source}: does not fit the model ({'; '.join(problems)}); {hint}")


def assign_weights(
    model: torch.nn.Module, state_dict: Mapping[str, torch.Tensor], dtype: torch.dtype, device
) -> torch.nn.Module:
    """Move the loaded tensors into a meta-device model (no second copy), then eval mode, frozen."""
    state = {k: v.to(device=device, dtype=dtype) for k, v in state_dict.items()}
    model.load_state_dict(state, strict=True, assign=True)
    return model.eval().requires_grad_(False)
