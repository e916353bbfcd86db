"""CLIP score: text alignment of the video's frames with the prompt (Hessel et al., 2021, per frame).

    score = mean_t max(0, 100 · cos(E_image(frame_t), E_text(prompt)))

over every frame of the CLIP view (VBench's `clip_transform(224)`: bicubic resize of the shorter side
to 224 without antialiasing, centre crop 224, CLIP normalisation), with OpenAI's CLIP weights through
open_clip. The text is tokenised with CLIP's BPE to 77 tokens (longer prompts are truncated, as
open_clip does; OpenAI's `clip.tokenize` would raise). The prompt is the one the user wrote, not a
rewrite. The image features are shared with the other CLIP metrics of the run.
"""

from __future__ import annotations

import numpy as np
import torch

from evalsuite.metrics.base import Metric, VideoInputs, register_metric
from evalsuite.metrics.features import FEATURES


class _ClipScore(Metric):
    uses_prompt = True
    criterion = "text_alignment"

    def setup(self, pool) -> None:
        # The CLIP whose image features it reads, with its text tower.
        self._clip = pool.get(FEATURES[self.features[0]].network, text=True)
        self._texts: dict[str, np.ndarray] = {}

    def text_embedding(self, prompt: str) -> np.ndarray:
        if prompt not in self._texts:
            with torch.no_grad():
                self._texts[prompt] = self._clip.embed_texts([prompt]).float().cpu().numpy()[0]
        return self._texts[prompt]

    def evaluate(self, inputs: VideoInputs) -> float:
        if not inputs.prompt:
            raise ValueError("CLIP score needs the video's prompt; the manifest row has none")
        image = inputs.feature(self.features[0]).astype(np.float64)
        text = self.text_embedding(inputs.prompt).astype(np.float64)
        cosine = image @ text / (np.linalg.norm(image, axis=1) * np.linalg.norm(text))
        return float(np.mean(np.maximum(0.0, 100.0 * cosine)))


@register_metric
class ClipScoreB32(_ClipScore):
    name = "clip_score_b32"
    version = "1"
    features = ("clip_vit_b32_image",)
    text_networks = ("clip_vit_b32",)
    reference = "CLIPScore (Hessel et al., EMNLP 2021) per frame, OpenAI CLIP ViT-B/32"


@register_metric
class ClipScoreL14(_ClipScore):
    name = "clip_score_l14"
    version = "1"
    features = ("clip_vit_l14_image",)
    text_networks = ("clip_vit_l14",)
    reference = "CLIPScore (Hessel et al., EMNLP 2021) per frame, OpenAI CLIP ViT-L/14"
