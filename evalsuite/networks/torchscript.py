"""The tensors of a TorchScript archive, read lazily without running TorchScript.

OpenAI's CLIP files are TorchScript archives: `torch.jit.load` materialises every tensor (the text tower
too) and the compiled module before a state dict can be taken, a transient of the whole file beside
whatever is built from it. This reader unpickles the archive's `data.pkl` with PyTorch's own zip loader
(`torch.serialization._load`, the code behind `torch.load(mmap=True)`) over a memory map of the file:
every tensor is a view of the mapped file, so a tensor nobody touches (the text tower, when only the
image tower is built) costs no memory, and one that is touched costs its pages, once.

The pickle holds the module tree as objects of `__torch__.*` classes with their attributes; those become
plain attribute holders, and only PyTorch's tensor-rebuilding functions, storage types and OrderedDict
may be named by the pickle (anything else is refused, so an archive cannot run code on load). The names
are the attribute paths, which are the module's state-dict keys (plus any tensor held as a plain
attribute, which callers that load strictly into a known module leave out).
"""

from __future__ import annotations

import os
import pickle
import zipfile
from pathlib import Path

import torch

ALLOWED = {
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_parameter"),
    ("collections", "OrderedDict"),
}


class ScriptedObject:
    """A TorchScript module's pickled state: its attributes, nothing else."""

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if module.startswith("__torch__"):
            return ScriptedObject
        if (module, name) in ALLOWED or (module == "torch" and name.endswith("Storage")):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name}: not a tensor or module state; refused")


class _PickleModule:
    """What `torch.serialization._load` takes as its pickle module."""

    Unpickler = _Unpickler
    load = pickle.load


def is_torchscript(path: str | Path) -> bool:
    """A zip whose records include TorchScript's compiled code (`<archive>/code/`)."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any("/code/" in name for name in archive.namelist())


def _tensors(node: ScriptedObject, prefix: str = ""):
    for name, value in vars(node).items():
        if isinstance(value, torch.Tensor):
            yield prefix + name, value
        elif isinstance(value, ScriptedObject):
            yield from _tensors(value, f"{prefix}{name}.")


def torchscript_tensors(path: str | Path) -> dict[str, torch.Tensor]:
    """Every tensor of the archive's module tree by attribute path, each a view of the mapped file."""
    path = Path(path)
    mapped = torch.UntypedStorage.from_file(str(path), False, os.path.getsize(path))
    reader = torch._C.PyTorchFileReader(str(path))
    root = torch.serialization._load(reader, "cpu", _PickleModule, overall_storage=mapped)
    if not isinstance(root, ScriptedObject):
        raise ValueError(f"{path}: the archive's data.pkl holds no TorchScript module")
    return dict(_tensors(root))
