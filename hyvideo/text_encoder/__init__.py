"""The MLLM (Llama) and CLIP-L text encoders, the release's prompt template, and tiny random twins."""

from hyvideo.text_encoder.encoders import (
    CLIP_HINT,
    LLM_HINT,
    CLIPTextEncoder,
    EncodedPrompt,
    LLMTextEncoder,
    TextEncoderError,
    TextEncoders,
    load_text_encoders,
)
from hyvideo.text_encoder.templates import NEGATIVE_PROMPT, VIDEO_TEMPLATE, VIDEO_TEMPLATE_CROP_START
from hyvideo.text_encoder.tiny import save_tiny_text_encoders, tiny_text_encoders

__all__ = [
    "CLIP_HINT",
    "LLM_HINT",
    "NEGATIVE_PROMPT",
    "VIDEO_TEMPLATE",
    "VIDEO_TEMPLATE_CROP_START",
    "CLIPTextEncoder",
    "EncodedPrompt",
    "LLMTextEncoder",
    "TextEncoderError",
    "TextEncoders",
    "load_text_encoders",
    "save_tiny_text_encoders",
    "tiny_text_encoders",
]
