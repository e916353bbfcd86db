"""The prompt templates the MLLM text encoder reads the user's prompt through (the release's, verbatim).

The LLM sees the prompt wrapped in a system instruction; the hidden states of the instruction tokens
are cut off afterwards (`crop_start` tokens), so only the prompt's tokens reach the transformer.
`crop_start` is a property of the tokenizer: 95 for the Llama-3 tokenizer of llava-llama-3-8b. For any
other tokenizer (the tiny test encoders) it is counted from the template (`LLMTextEncoder`).
"""

from __future__ import annotations

VIDEO_TEMPLATE = (
    "<|start_header_id|>system<|end_header_id|>\n\nDescribe the video by detailing the following aspects: "
    "1. The main content and theme of the video."
    "2. The color, shape, size, texture, quantity, text, and spatial relationships of the objects."
    "3. Actions, events, behaviors temporal relationships, physical movement changes of the objects."
    "4. background environment, light, style and atmosphere."
    "5. camera angles, movements, and transitions used in the video:<|eot_id|>"
    "<|start_header_id|>user<|end_header_id|>\n\n{}<|eot_id|>"
)
# Tokens before the prompt in VIDEO_TEMPLATE under the Llama-3 tokenizer (BOS included).
VIDEO_TEMPLATE_CROP_START = 95

# The release's default negative prompt for true classifier-free guidance.
NEGATIVE_PROMPT = "overexposed, low quality, deformation, a poor composition, bad hands, bad teeth, bad eyes, bad limbs, distortion"
