"""The registry of set-level metrics, addressable by name from `distribution.names`.

| name   | feature (evalsuite/metrics/features.py)      | statistic                        | reference code    |
| ------ | -------------------------------------------- | -------------------------------- | ----------------- |
| fvd    | I3D Kinetics-400 logits, first 16 frames      | Fréchet, covariance / n          | cd-fvd, StyleGAN-V |
| cd_fvd | VideoMAE v2 ViT-g SSv2 features, 16 frames    | Fréchet, covariance / n          | cd-fvd            |
| fid    | Inception-v3 pool3 of every frame             | Fréchet, covariance / (n − 1)    | pytorch-fid       |
| kid    | Inception-v3 pool3 of every frame             | unbiased cubic-kernel MMD²       | torch-fidelity    |

All are lower-is-better distances (0 for a set against itself, KID up to its subset noise).
"""

from __future__ import annotations

from dataclasses import dataclass

from evalsuite.errors import ConfigError


@dataclass(frozen=True)
class SetMetric:
    name: str
    label: str
    feature: str
    statistic: str  # "frechet" or "kid"
    reference: str
    ddof: int = 0  # the covariance's divisor n − ddof (Fréchet only)
    # The set size at which the references report the metric (videos for FVD, frames for FID): smaller
    # sets get a bias warning with the measured bias. None: the estimator is unbiased (KID).
    stable_rows: int | None = None
    version: str = "1"
    higher_is_better: bool = False

    @property
    def clip_frames(self) -> int | None:
        """Frames of the one clip per video its feature reads (FVD's 16), or None for a per-frame feature."""
        from evalsuite.metrics.features import FEATURES  # imports torch: only when asked

        return FEATURES[self.feature].clip_frames


SET_METRICS: dict[str, SetMetric] = {
    m.name: m
    for m in (
        SetMetric(
            "fvd",
            "FVD",
            "i3d_logits",
            "frechet",
            "cd-fvd 0.1.1 `cdfvd(model='i3d')` (StyleGAN-V's FVD: I3D logits, covariance / n)",
            ddof=0,
            stable_rows=2048,
        ),
        SetMetric(
            "cd_fvd",
            "cd-FVD",
            "videomae_g_ssv2",
            "frechet",
            "cd-fvd 0.1.1 `cdfvd(model='videomae')` (Ge et al., CVPR 2024)",
            ddof=0,
            stable_rows=2048,
        ),
        SetMetric(
            "fid",
            "FID (per frame)",
            "inception_pool3",
            "frechet",
            "pytorch-fid 0.3.0 (Inception pool3, covariance / (n − 1)) on every frame",
            ddof=1,
            stable_rows=50_000,
        ),
        SetMetric(
            "kid",
            "KID (per frame)",
            "inception_pool3",
            "kid",
            "torch-fidelity 0.4.0 KID (cubic kernel, 100 subsets of 1000) on every frame",
        ),
    )
}


def check_names(names: list[str], key: str = "distribution.names") -> None:
    unknown = [n for n in names if n not in SET_METRICS]
    if unknown:
        raise ConfigError(f"{key}: unknown set metric(s) {unknown}; registered: {', '.join(SET_METRICS)}")
    if len(set(names)) != len(names):
        raise ConfigError(f"{key}: {names} names a metric twice")
