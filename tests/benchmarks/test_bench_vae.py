"""VAE decode on the CPU against diffusers' AutoencoderKLHunyuanVideo on the same weights (time ratio,
goal <= 1.0), and the peak memory of tiled against untiled decoding.

`nox -s bench -- -k vae -s` prints one line. Under `nox -s tests` it runs once and checks agreement.
"""

from __future__ import annotations

import torch
from vae.test_vae import TINY, diffusers_vae

from hyvideo.vae import AutoencoderKLCausal3D, TilingConfig

from .machine import cpu_description, paired_median_seconds, peak_rss_growth

# 33 frames of 128x192 (latents 16 x 9 x 16 x 24); tiles of 64x64 pixels every 48 and 8+1 frames every 4.
LATENT = (1, 16, 9, 16, 24)
TILES = TilingConfig(sample_size=64, sample_stride=48, sample_frames=8, sample_stride_frames=4)


def test_bench_vae_decode_vs_diffusers_and_tiled_memory(benchmark) -> None:
    torch.manual_seed(0)
    theirs = diffusers_vae(TINY).eval()
    theirs.use_framewise_decoding = False  # untiled on both sides
    ours = AutoencoderKLCausal3D(TINY).eval()
    ours.load_state_dict(theirs.state_dict())
    ours.tiling = None
    z = torch.randn(LATENT, generator=torch.Generator().manual_seed(1))

    def decode(model, tiling=None):
        def call():
            with torch.inference_mode():
                if isinstance(model, AutoencoderKLCausal3D):
                    model.tiling = tiling
                    return model.decode(z)
                return model.decode(z).sample

        return call

    out = benchmark.pedantic(decode(ours), rounds=3, warmup_rounds=1)
    assert (out - decode(theirs)()).abs().max() <= 1e-4
    if benchmark.disabled:
        return
    seconds = paired_median_seconds({"ours": decode(ours), "diffusers": decode(theirs)}, 3)
    untiled_mib = peak_rss_growth(decode(ours)) / 2**20
    tiled_mib = peak_rss_growth(decode(ours, TILES)) / 2**20
    info = {
        "cpu": cpu_description(),
        "ours_over_diffusers_time": seconds["ours"] / seconds["diffusers"],
        "ours_ms": 1e3 * seconds["ours"],
        "diffusers_ms": 1e3 * seconds["diffusers"],
        "untiled_peak_mib": untiled_mib,
        "tiled_peak_mib": tiled_mib,
        "tiled_over_untiled_memory": tiled_mib / untiled_mib,
    }
    benchmark.extra_info.update(info)
    print(
        f"\nVAE decode {LATENT} -> 33x128x192: ours/diffusers time {info['ours_over_diffusers_time']:.3f} "
        f"({info['ours_ms']:.0f} vs {info['diffusers_ms']:.0f} ms); peak memory tiled {tiled_mib:.0f} MiB vs "
        f"untiled {untiled_mib:.0f} MiB (ratio {info['tiled_over_untiled_memory']:.2f}); {info['cpu']}"
    )
