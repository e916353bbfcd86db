"""The release's flow-matching Euler sampler ("FlowMatchDiscreteScheduler", solver "euler", shifted).

Flow matching moves latents along x_sigma = (1 - sigma) x_0 + sigma noise, from sigma = 1 (noise) to 0.
With N steps the release takes sigma_i = linspace(1, 0, N + 1) and warps it by the SD3 time shift

    shift(s) = flow_shift * s / (1 + (flow_shift - 1) * s)        (flow_shift 7.0 by default)

which spends more steps at high noise. The transformer is called at timestep t_i = 1000 * sigma_i and
predicts the velocity v; one Euler step is x <- x + (sigma_{i+1} - sigma_i) * v.

All arithmetic is float32 in torch, as in the release; diffusers' FlowMatchEulerDiscreteScheduler with
`shift=flow_shift` gives the same sigmas to within a float32 rounding (tested).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import torch

NUM_TRAIN_TIMESTEPS = 1000


def shift_sigmas(sigmas: torch.Tensor, flow_shift: float) -> torch.Tensor:
    return flow_shift * sigmas / (1 + (flow_shift - 1) * sigmas)


@dataclass(frozen=True)
class FlowMatchEulerScheduler:
    num_inference_steps: int = 50
    flow_shift: float = 7.0

    def __post_init__(self):
        if self.num_inference_steps < 1:
            raise ValueError(f"num_inference_steps must be >= 1, got {self.num_inference_steps}")
        if self.flow_shift <= 0:
            raise ValueError(f"flow_shift must be positive, got {self.flow_shift}")

    @cached_property
    def sigmas(self) -> torch.Tensor:
        """N + 1 noise levels from 1 down to 0 (float32)."""
        linear = torch.linspace(1.0, 0.0, self.num_inference_steps + 1, dtype=torch.float32)
        return shift_sigmas(linear, self.flow_shift)

    @cached_property
    def timesteps(self) -> torch.Tensor:
        """The N timesteps the transformer is called at, 1000 * sigma_i (float32)."""
        return self.sigmas[:-1] * NUM_TRAIN_TIMESTEPS

    def step(self, velocity: torch.Tensor, index: int, latents: torch.Tensor) -> torch.Tensor:
        """One Euler step from sigma_index to sigma_index+1, in float32."""
        sigmas = self.sigmas
        dt = sigmas[index + 1] - sigmas[index]
        return latents.float() + velocity.float() * dt
