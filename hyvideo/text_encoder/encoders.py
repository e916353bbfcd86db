"""HunyuanVideo's two text encoders, on transformers models loaded from local folders.

- `LLMTextEncoder` (text_encoder/, llava-llama-3-8b's language model in the release): the prompt goes
  through `VIDEO_TEMPLATE`, is tokenized to `crop_start + text_len` tokens (right padding, truncation),
  and the hidden state `skip_layers` layers before the last (2 in the release, with no final norm) is
  kept for the prompt's tokens only: states (B, text_len, D) and mask (B, text_len).
- `CLIPTextEncoder` (text_encoder_2/, CLIP ViT-L/14's text tower): 77 tokens, the pooled output
  (B, 768) that conditions the transformer's modulation vector.

Both folders follow the release's `ckpts/` layout (model and tokenizer files side by side) or diffusers'
(model in `text_encoder/`, tokenizer in `tokenizer/`). Nothing is ever downloaded: a missing folder or
file is a `TextEncoderError` naming the path and how to fetch it on a machine with internet.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from hyvideo.text_encoder.templates import VIDEO_TEMPLATE, VIDEO_TEMPLATE_CROP_START

LLM_HINT = (
    "on a machine with internet: `huggingface-cli download hunyuanvideo-community/HunyuanVideo "
    "--include 'text_encoder/*' 'tokenizer/*' --local-dir ckpts` (or the release's llava-llama-3-8b "
    "conversion into ckpts/text_encoder)"
)
CLIP_HINT = (
    "on a machine with internet: `huggingface-cli download openai/clip-vit-large-patch14 "
    "--local-dir ckpts/text_encoder_2`"
)


class TextEncoderError(ValueError):
    """A text encoder folder that is missing or incomplete; the message names the path and the fix."""


@dataclass
class EncodedPrompt:
    """What the transformer reads: LLM states with their mask, and the pooled CLIP vector."""

    states: torch.Tensor  # (B, text_len, D)
    mask: torch.Tensor  # (B, text_len), 1 = token, 0 = padding
    pooled: torch.Tensor  # (B, D2)

    def to(self, device: torch.device | str, dtype: torch.dtype) -> EncodedPrompt:
        return EncodedPrompt(
            self.states.to(device, dtype), self.mask.to(device), self.pooled.to(device, dtype)
        )


class LLMTextEncoder:
    """A decoder-only LLM read through a prompt template; see the module docstring."""

    def __init__(
        self,
        model,
        tokenizer,
        *,
        template: str = VIDEO_TEMPLATE,
        crop_start: int | None = None,
        text_len: int = 256,
        skip_layers: int = 2,
    ):
        if "{}" not in template:
            raise ValueError("the prompt template needs a {} placeholder for the prompt")
        if skip_layers < 0 or skip_layers >= model.config.num_hidden_layers:
            raise ValueError(
                f"skip_layers={skip_layers} must lie in [0, {model.config.num_hidden_layers - 1}] for this model"
            )
        self.model, self.tokenizer = model, tokenizer
        self.template, self.text_len, self.skip_layers = template, text_len, skip_layers
        self.crop_start = self.count_template_tokens() if crop_start is None else crop_start

    def count_template_tokens(self) -> int:
        """Tokens before the prompt: the template's prefix tokenized with the special tokens (BOS)."""
        prefix = self.template.split("{}")[0]
        return len(self.tokenizer(prefix, add_special_tokens=True)["input_ids"])

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @torch.inference_mode()
    def __call__(self, prompts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        batch = self.tokenizer(
            [self.template.format(p) for p in prompts],
            max_length=self.crop_start + self.text_len,
            padding="max_length",
            truncation=True,
            return_tensors="pt",
        )
        ids, mask = batch["input_ids"].to(self.device), batch["attention_mask"].to(self.device)
        out = self.model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
        states = out.hidden_states[-(self.skip_layers + 1)]
        return states[:, self.crop_start :], mask[:, self.crop_start :]


class CLIPTextEncoder:
    """CLIP's text tower: the pooled output at the end-of-text token, from `max_length` tokens."""

    def __init__(self, model, tokenizer, *, max_length: int = 77):
        self.model, self.tokenizer, self.max_length = model, tokenizer, max_length

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @torch.inference_mode()
    def __call__(self, prompts: list[str]) -> torch.Tensor:
        batch = self.tokenizer(
            prompts, max_length=self.max_length, padding="max_length", truncation=True, return_tensors="pt"
        )
        return self.model(
            input_ids=batch["input_ids"].to(self.device),
            attention_mask=batch["attention_mask"].to(self.device),
        ).pooler_output


@dataclass
class TextEncoders:
    llm: LLMTextEncoder
    clip: CLIPTextEncoder

    def modules(self) -> list[torch.nn.Module]:
        return [self.llm.model, self.clip.model]

    def encode(self, prompts: list[str]) -> EncodedPrompt:
        states, mask = self.llm(prompts)
        return EncodedPrompt(states, mask, self.clip(prompts))


def _model_and_tokenizer_dirs(path: Path, tokenizer_name: str, hint: str) -> tuple[Path, Path]:
    if not (path / "config.json").is_file():
        raise TextEncoderError(f"{path}: no text encoder here (config.json missing); {hint}")
    beside = path.parent / tokenizer_name  # diffusers' layout keeps the tokenizer in its own folder
    has_tokenizer = any(
        (path / f).is_file() for f in ("tokenizer.json", "tokenizer_config.json", "vocab.json")
    )
    tokenizer_dir = path if has_tokenizer or not beside.is_dir() else beside
    return path, tokenizer_dir


def load_text_encoders(
    llm_path: str | Path,
    clip_path: str | Path,
    *,
    dtype: torch.dtype = torch.float32,
    device: str | torch.device = "cpu",
    crop_start: int | None = VIDEO_TEMPLATE_CROP_START,
    text_len: int = 256,
    skip_layers: int = 2,
) -> TextEncoders:
    """Load both encoders from local folders (offline). `crop_start=None` counts it from the template,
    which any tokenizer other than llava-llama-3-8b's needs."""
    from transformers import AutoModel, AutoTokenizer, CLIPTextModel

    llm_dir, llm_tok = _model_and_tokenizer_dirs(Path(llm_path).expanduser(), "tokenizer", LLM_HINT)
    clip_dir, clip_tok = _model_and_tokenizer_dirs(Path(clip_path).expanduser(), "tokenizer_2", CLIP_HINT)
    loaded = []
    for what, load, where, hint in (
        ("LLM", lambda: AutoModel.from_pretrained(llm_dir, dtype=dtype, local_files_only=True), llm_dir, LLM_HINT),
        ("LLM tokenizer", lambda: AutoTokenizer.from_pretrained(llm_tok, padding_side="right", local_files_only=True), llm_tok, LLM_HINT),
        ("CLIP", lambda: CLIPTextModel.from_pretrained(clip_dir, dtype=dtype, local_files_only=True), clip_dir, CLIP_HINT),
        ("CLIP tokenizer", lambda: AutoTokenizer.from_pretrained(clip_tok, local_files_only=True), clip_tok, CLIP_HINT),
    ):  # fmt: skip
        try:
            loaded.append(load())
        except Exception as err:  # transformers, safetensors and tokenizers each raise their own types
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise TextEncoderError(f"{where}: cannot load the {what} ({first}); {hint}") from None
    llm, llm_tokenizer, clip, clip_tokenizer = loaded
    llm = llm.to(device).eval().requires_grad_(False)
    clip = clip.to(device).eval().requires_grad_(False)
    return TextEncoders(
        LLMTextEncoder(llm, llm_tokenizer, crop_start=crop_start, text_len=text_len, skip_layers=skip_layers),
        CLIPTextEncoder(clip, clip_tokenizer),
    )
