"""The statistics of set-level metrics: Fréchet distance, KID, bootstrap intervals and small-set bias.

Fréchet distance between Gaussians fitted to two feature sets:
    FD = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁Σ₂)^½,
in float64, with scipy's `sqrtm` of Σ₁Σ₂ and its real part, as every reference does. The covariance is
the reference's own: FVD and cd-FVD divide by n (cd-fvd's / StyleGAN-V's `FeatureStats`), FID by n − 1
(pytorch-fid, clean-fid and torch-fidelity use `np.cov`). When sqrtm's result is not finite, 1e-6 is
added to both diagonals and it is taken again (pytorch-fid's and clean-fid's fallback).

KID (Bińkowski et al. 2018) is torch-fidelity's estimator: the unbiased MMD² with the cubic polynomial
kernel k(x, y) = (x·y / d + 1)³, averaged over `subsets` random subsets of `subset_size` rows drawn
without replacement from each side (generated first, then reference, from one `RandomState(seed)`),
with the standard deviation of the subset values beside it. The subset size is min(subset_size, n₁, n₂)
(clean-fid's rule; torch-fidelity instead refuses sets smaller than the subset size).

Bootstrap intervals resample the generated videos (a video's rows go together) with the reference set
fixed: the reference is shared by every system of a comparison, so its own sampling error moves all
of them alike. Repeated videos raise a distance as a smaller set does, so the interval is the
replicates' spread around the estimate (`shifted_interval`). The Fréchet replicates use an exact shortcut, tr (Σ_r^½ Σ_g Σ_r^½)^½ = the sum of the
singular values of X_g Σ_r^½ / √c for centred generated rows X_g, which equals the sqrtm form to
rounding (tested) and costs one SVD per replicate.

Fréchet distances are biased upward at small n (a set against a second sample of its own distribution
scores > 0, by about a constant / n). `frechet_bias` measures that bias the way Chong & Forsyth
("Effectively Unbiased FID", CVPR 2020) do: the distance on random subsets of the generated videos of
several sizes, fitted as FD(n) = FD∞ + b / n; the bias at the full set is b / n.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import linalg

CHUNK_ROWS = 8192


def _blocks(rows: np.ndarray | Sequence[np.ndarray]):
    """Float64 blocks of at most CHUNK_ROWS rows, from one array or a list of per-video arrays."""
    for part in [rows] if isinstance(rows, np.ndarray) else rows:
        for start in range(0, len(part), CHUNK_ROWS):
            yield np.asarray(part[start : start + CHUNK_ROWS], dtype=np.float64)


def mean_cov(rows: np.ndarray | Sequence[np.ndarray], ddof: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance (divisor n − ddof) of the rows, as `np.cov` computes them (centred first), in
    float64 blocks: a campaign's per-frame features (1,533 videos × 129 frames × 2048) never sit in
    memory as one float64 matrix."""
    n = sum(len(b) for b in _blocks(rows))
    mean = sum(b.sum(axis=0) for b in _blocks(rows)) / n
    scatter = sum((b - mean).T @ (b - mean) for b in _blocks(rows))
    return mean, scatter / (n - ddof)


def frechet_from_moments(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    with warnings.catch_warnings():
        # Fewer samples than feature dimensions make Σ₁Σ₂ singular; sqrtm still returns its root, as
        # in every reference, and the warning would only repeat that.
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        root = linalg.sqrtm(sigma1 @ sigma2)  # the references' `disp=False` is deprecated: same root
        if not np.isfinite(root).all():
            offset = np.eye(len(sigma1)) * 1e-6
            root = linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    diff = mu1 - mu2
    return float(np.real(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(root)))


def frechet_distance(
    rows1: np.ndarray | Sequence[np.ndarray], rows2: np.ndarray | Sequence[np.ndarray], ddof: int
) -> float:
    """FD between two feature sets (rows = samples); `ddof` 0 for FVD's covariance, 1 for FID's."""
    return frechet_from_moments(*mean_cov(rows1, ddof), *mean_cov(rows2, ddof))


class FrechetToReference:
    """FD of many generated sets against one fixed reference set, by the singular-value shortcut."""

    def __init__(self, reference: np.ndarray | Sequence[np.ndarray], ddof: int):
        self.ddof = ddof
        self.mu, self.sigma = mean_cov(reference, ddof)
        values, vectors = np.linalg.eigh(self.sigma)
        self.root = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
        self.trace = float(np.trace(self.sigma))

    def distance(self, rows: np.ndarray | Sequence[np.ndarray]) -> float:
        """`frechet_distance(rows, reference, ddof)` by the references' sqrtm form, with the reference's
        moments computed once."""
        return frechet_from_moments(*mean_cov(rows, self.ddof), self.mu, self.sigma)

    def __call__(self, rows: np.ndarray) -> float:
        x = np.asarray(rows, dtype=np.float64)
        mu = x.mean(axis=0)
        centred = x - mu
        scale = len(x) - self.ddof
        y = centred @ self.root
        if len(x) < y.shape[1]:
            trace_root = np.linalg.svd(y, compute_uv=False).sum() / np.sqrt(scale)
        else:
            trace_root = np.sqrt(np.clip(np.linalg.eigvalsh(y.T @ y / scale), 0, None)).sum()
        diff = mu - self.mu
        return float(
            diff @ diff + np.einsum("ij,ij->", centred, centred) / scale + self.trace - 2 * trace_root
        )


def _poly_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    k = x @ y.T / x.shape[1] + 1.0
    return k * k * k  # `** 3` is a general power in numpy: 4x slower


def _mmd2_unbiased(k_xx: np.ndarray, k_xy: np.ndarray, k_yy: np.ndarray) -> float:
    m = len(k_xx)
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within - 2 * k_xy.sum() / (m * m))


def kid(
    rows1: np.ndarray, rows2: np.ndarray, subsets: int = 100, subset_size: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """(mean, standard deviation) of the unbiased polynomial-kernel MMD² over random subsets."""
    x1, x2 = np.asarray(rows1), np.asarray(rows2)  # subsets are taken to float64 one at a time
    m = min(subset_size, len(x1), len(x2))
    if m < 2:
        raise ValueError(f"KID needs at least 2 rows on each side, got {len(x1)} and {len(x2)}")
    rng = np.random.RandomState(seed)
    values = np.empty(subsets)
    for i in range(subsets):
        a = x1[rng.choice(len(x1), m, replace=False)].astype(np.float64)
        b = x2[rng.choice(len(x2), m, replace=False)].astype(np.float64)
        values[i] = _mmd2_unbiased(_poly_kernel(a, a), _poly_kernel(a, b), _poly_kernel(b, b))
    return float(values.mean()), float(values.std())


class KidReference:
    """The reference side of `KidToReference`, computed once for every system: its rows and the
    estimator's within-reference term."""

    def __init__(self, reference: np.ndarray):
        self.rows = np.asarray(reference, dtype=np.float64)
        k_rr = _poly_kernel(self.rows, self.rows)
        n_r = len(self.rows)
        self.within = (k_rr.sum() - np.trace(k_rr)) / (n_r * (n_r - 1))


class KidToReference:
    """The unbiased MMD² of many resampled generated sets against one reference set, all rows at once,
    from kernel matrices computed once: a resample's sums are weighted sums of those matrices (a row
    drawn w times has weight w; pairs of one row with itself are left out, as the estimator's i ≠ j)."""

    def __init__(self, generated: np.ndarray, reference: np.ndarray | KidReference):
        side = reference if isinstance(reference, KidReference) else KidReference(reference)
        g = np.asarray(generated, dtype=np.float64)
        self.k_gg, self.k_gr = _poly_kernel(g, g), _poly_kernel(g, side.rows)
        self.within_reference = side.within
        self.n_r = len(side.rows)

    def __call__(self, weights: np.ndarray) -> float:
        n = weights.sum()
        pairs = weights @ self.k_gg @ weights - weights @ np.diag(self.k_gg)
        within = pairs / (n * (n - 1))
        return float(within + self.within_reference - 2 * (weights @ self.k_gr).sum() / (n * self.n_r))


def stack(per_video: Sequence[np.ndarray], picks: np.ndarray | None = None) -> np.ndarray:
    """The rows of the videos `picks` (all, in order, when None), one block per pick."""
    chosen = per_video if picks is None else [per_video[i] for i in picks]
    return np.concatenate(chosen, axis=0)


def bootstrap_picks(n: int, replicates: int, seed: int) -> np.ndarray:
    """`replicates` × n video indices drawn with replacement."""
    return np.random.default_rng(seed).integers(0, n, size=(replicates, n))


def percentile_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def shifted_interval(value: float, replicates: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """The replicates' percentile interval moved by their mean shift from `value`. A resampled set repeats
    videos, which raises a Fréchet distance (and the kernel estimator's within-set term) the way a
    smaller set does, so raw replicates sit above the value (by 20 % at 30 videos in the tests); the
    spread is the bootstrap's, the location the estimate's."""
    shift = float(np.mean(replicates)) - value
    return percentile_interval(np.asarray(replicates) - shift, level)


@dataclass(frozen=True)
class Bias:
    """FD's measured small-set bias: FD(n) ≈ `limit` + `slope` / n, so the value at the full set n
    exceeds the large-set limit by `at_n`."""

    limit: float
    slope: float
    at_n: float


def frechet_bias(
    per_video: Sequence[np.ndarray], distance: FrechetToReference, seed: int, draws: int = 3
) -> Bias | None:
    """Fit FD = limit + slope / n on random subsets of the generated videos (5 sizes from n/4 to n,
    `draws` subsets each); None when the set is too small to fit (fewer than 8 videos)."""
    n = len(per_video)
    if n < 8:
        return None
    rng = np.random.default_rng(seed)
    sizes = np.unique(np.linspace(max(4, n // 4), n, 5).astype(int))
    xs, ys = [], []
    for size in sizes:
        for _ in range(1 if size == n else draws):
            picks = rng.choice(n, size, replace=False) if size < n else np.arange(n)
            xs.append(1.0 / size)
            ys.append(distance(stack(per_video, picks)))
    slope, limit = np.polyfit(xs, ys, 1)
    return Bias(float(limit), float(slope), float(slope / n))
