"""The LAION aesthetic predictor v1 (`sa_0_4_vit_l_14_linear.pth`): one linear layer, 768 -> 1, on
L2-normalised CLIP ViT-L/14 image embeddings; VBench's aesthetic quality divides its output by 10."""

from __future__ import annotations

from pathlib import Path

import torch

EMBED_DIM = 768


def load_aesthetic_head(path: Path | None, embed_dim: int = EMBED_DIM) -> torch.nn.Linear:
    if path is None:
        return torch.nn.Linear(embed_dim, 1).eval()
    state = torch.load(path, map_location="cpu", weights_only=True)
    head = torch.nn.Linear(state["weight"].shape[1], 1)  # sized by the file: a head for any CLIP width
    head.load_state_dict(state)
    return head.eval()
