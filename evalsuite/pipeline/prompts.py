"""Stage 1: the prompt set named by the config, validated, deduplicated if asked, subset if asked."""

from __future__ import annotations

import logging

from evalsuite.config.schema import PromptsConfig
from evalsuite.data.prompt_sets import PromptSet, load_prompt_set

log = logging.getLogger(__name__)


def load_prompts(cfg: PromptsConfig) -> PromptSet:
    prompt_set = load_prompt_set(
        cfg.path,
        name=cfg.name,
        fmt=cfg.format,
        id_column=cfg.id_column,
        prompt_column=cfg.prompt_column,
        category_column=cfg.category_column,
        sha256=cfg.sha256,
        verify_checksum=cfg.verify_checksum,
        source_hint=cfg.source_hint,
        axes=tuple(cfg.axes),
        loader=cfg.loader,
    )
    if cfg.dedupe and len(prompt_set.duplicates):
        log.info("dropping %d repeated prompt text(s) (prompts.dedupe=true)", len(prompt_set.duplicates))
        prompt_set = prompt_set.dedupe()
    return prompt_set.subset(cfg.limit, cfg.seed)
