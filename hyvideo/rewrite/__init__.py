"""Prompt rewrite (Normal and Master modes) through a local chat model or an OpenAI-compatible endpoint."""

from hyvideo.rewrite.rewriter import (
    STATUS_CACHED,
    STATUS_FALLBACK,
    STATUS_REWRITTEN,
    OpenAIChatBackend,
    PromptRewriter,
    RewriteError,
    RewriteResult,
    TransformersChatBackend,
)
from hyvideo.rewrite.templates import MODES, chat_messages

__all__ = [
    "MODES",
    "STATUS_CACHED",
    "STATUS_FALLBACK",
    "STATUS_REWRITTEN",
    "OpenAIChatBackend",
    "PromptRewriter",
    "RewriteError",
    "RewriteResult",
    "TransformersChatBackend",
    "chat_messages",
]
