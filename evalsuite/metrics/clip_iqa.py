"""CLIP-IQA (Wang, Chan & Loy, AAAI 2023): image quality as CLIP's preference between two antonym prompts.

    score = mean_t softmax(100 · [cos(E(frame_t), E("Good photo.")), cos(E(frame_t), E("Bad photo."))])[0]

in [0, 1], higher is better. It runs on the OpenAI CLIP ViT-L/14 features the run already computes
(VBench's CLIP view). Deviation from the paper: CLIP-IQA uses a ResNet-50 CLIP with the positional
embedding removed, on full-resolution images; this is the same protocol on the ViT-L/14 the suite
loads for aesthetic quality, so its values are on its own scale.
"""

from __future__ import annotations

import numpy as np
import torch

from evalsuite.metrics.base import Metric, VideoInputs, register_metric
from evalsuite.metrics.features import FEATURES

ANTONYMS = ("Good photo.", "Bad photo.")


@register_metric
class ClipIQA(Metric):
    name = "clip_iqa_l14"
    version = "1"
    features = ("clip_vit_l14_image",)
    text_networks = ("clip_vit_l14",)
    criterion = "visual_quality"
    reference = "CLIP-IQA (Wang et al., AAAI 2023), antonym prompts on OpenAI CLIP ViT-L/14"

    def setup(self, pool) -> None:
        with torch.no_grad():
            texts = (
                pool.get(FEATURES[self.features[0]].network, text=True)
                .embed_texts(list(ANTONYMS))
                .float()
                .cpu()
                .numpy()
            )
        self._texts = texts / np.linalg.norm(texts, axis=1, keepdims=True)

    def evaluate(self, inputs: VideoInputs) -> float:
        image = inputs.feature("clip_vit_l14_image").astype(np.float64)
        image = image / np.linalg.norm(image, axis=1, keepdims=True)
        logits = 100.0 * image @ self._texts.T
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return float(np.mean(probs[:, 0]))
