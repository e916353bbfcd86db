"""VBench 0.1.5's own code as a test peer, imported without the package's __init__ (which needs decord,
easydict and more): a stand-in `vbench` package whose path is the installed one, so only the modules a
test names are imported. nox installs vbench==0.1.5 --no-deps; without it the tests skip. Also the RAFT
authors' key names (VBench's raft-things.pth) turned into torchvision's, to load one set of weights into
both."""

from __future__ import annotations

import importlib.util
import re
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def vbench_package() -> Iterator[Path]:
    """Within the block, `import vbench.<module>` loads VBench's file; yields the package folder."""
    spec = importlib.util.find_spec("vbench")
    if spec is None:
        pytest.skip("vbench is not installed (nox installs vbench==0.1.5 --no-deps as a test peer)")
    root = Path(spec.submodule_search_locations[0])
    saved = {k: v for k, v in sys.modules.items() if k == "vbench" or k.startswith("vbench.")}
    package = types.ModuleType("vbench")
    package.__path__ = [str(root)]
    utils = types.ModuleType("vbench.utils")
    utils.load_dimension_info = None  # modules import it; the score paths never call it
    sys.modules.update({"vbench": package, "vbench.utils": utils})
    try:
        yield root
    finally:
        for key in [k for k in sys.modules if k == "vbench" or k.startswith("vbench.")]:
            del sys.modules[key]
        sys.modules.update(saved)


def authors_to_torchvision(state: dict) -> dict:
    """The RAFT authors' key names (raft-things.pth, VBench's file) as torchvision's raft_large names them.
    The authors' residual blocks register their downsample norm twice (`norm3` and `downsample.1`):
    the duplicate is dropped."""
    rules = [
        (r"^module\.", ""),
        (r"^fnet\.", "feature_encoder."),
        (r"^cnet\.", "context_encoder."),
        (r"^(\w+_encoder)\.conv1\.", r"\1.convnormrelu.0."),
        (r"^(\w+_encoder)\.norm1\.", r"\1.convnormrelu.1."),
        (r"^(\w+_encoder)\.conv2\.", r"\1.conv."),
        (r"(layer\d\.\d)\.conv(\d)\.", r"\1.convnormrelu\2.0."),
        (r"(layer\d\.\d)\.norm(\d)\.", r"\1.convnormrelu\2.1."),
        (r"update_block\.encoder\.convc(\d)\.", r"update_block.motion_encoder.convcorr\1.0."),
        (r"update_block\.encoder\.convf(\d)\.", r"update_block.motion_encoder.convflow\1.0."),
        (r"update_block\.encoder\.conv\.", "update_block.motion_encoder.conv.0."),
        (r"update_block\.gru\.conv([zrq])(\d)\.", r"update_block.recurrent_block.convgru\2.conv\1."),
        (r"^update_block\.mask\.0\.", "mask_predictor.convrelu.0."),
        (r"^update_block\.mask\.2\.", "mask_predictor.conv."),
    ]
    converted = {}
    for key, value in state.items():
        if re.search(r"layer\d\.\d\.norm3\.", key):
            continue
        for pattern, replacement in rules:
            key = re.sub(pattern, replacement, key)
        converted[key] = value
    return converted
