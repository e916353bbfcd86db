"""Dense FLOPs of a forward pass: torch's FlopCounterMode plus formulas for the two attention kernels it
does not see on a CPU.

- `nn.MultiheadAttention` in eval mode without grad takes its fused fast path,
  `aten._native_multi_head_attention`, which the counter has no formula for: its input projection,
  attention and output projection would count as 0 (CLIP L/14 then looks 1.5x cheaper than it is).
- `F.scaled_dot_product_attention` on a CPU runs `aten._scaled_dot_product_flash_attention_for_cpu`,
  also without a formula (the counter knows only the CUDA kernels).

Matrix products count 2 FLOPs per multiply-add, as the counter does; normalisation, softmax and
activations are not counted (they are not matrix products, and a matmul peak does not bound them).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.utils.flop_counter import FlopCounterMode, sdpa_flop_count

aten = torch.ops.aten


def _cpu_sdpa_flop(query, key, value, *args, out_shape=None, **kwargs) -> int:
    return sdpa_flop_count(query, key, value)


def _native_mha_flop(query, key, value, embed_dim, num_heads, *args, out_shape=None, **kwargs) -> int:
    """Batch-first B×L×E query, B×S×E key and value: Q, K, V projections, QKᵀ, AV, output projection."""
    batch, length, _ = query
    source = key[1]
    projections = 2 * batch * embed_dim * embed_dim * (length + 2 * source)
    attention = 4 * batch * length * source * embed_dim
    output = 2 * batch * length * embed_dim * embed_dim
    return projections + attention + output


MISSED_BY_THE_COUNTER = {
    aten._scaled_dot_product_flash_attention_for_cpu: _cpu_sdpa_flop,
    aten._native_multi_head_attention: _native_mha_flop,
}


def forward_flops(fn: Callable[[], object]) -> int:
    """FLOPs of fn() run without grad, as it runs in a metric."""
    with torch.no_grad(), FlopCounterMode(display=False, custom_mapping=MISSED_BY_THE_COUNTER) as counter:
        fn()
    return counter.get_total_flops()
