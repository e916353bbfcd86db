"""Tiny text encoders with seeded random weights, for CPU tests and the embedded default run.

They have the real encoders' architectures (a Llama decoder, a CLIP text tower) at toy width, and
byte-level tokenizers built in process (one token per UTF-8 byte, plus the special tokens the templates
use), so nothing is downloaded. They encode nothing meaningful: a run on them checks plumbing only.
`save_tiny_text_encoders` writes them in the release's `ckpts/` layout, so tests can exercise the real
loading code (`load_text_encoders`) on them.
"""

from __future__ import annotations

from pathlib import Path

import torch

from hyvideo.text_encoder.encoders import CLIPTextEncoder, LLMTextEncoder, TextEncoders

LLM_SPECIALS = (
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eot_id|>",
)
CLIP_SPECIALS = ("<|startoftext|>", "<|endoftext|>")


def byte_level_tokenizer(specials: tuple[str, ...], bos: str, eos: str, pad: str):
    """A fast tokenizer with one token per byte (no merges): ids 0..len(specials)-1 are the specials."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {token: i for i, token in enumerate(specials)}
    for char in sorted(pre_tokenizers.ByteLevel.alphabet()):
        vocab[char] = len(vocab)
    backend = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    backend.decoder = decoders.ByteLevel()
    tail = f" {eos}" if bos != eos and eos in CLIP_SPECIALS else ""
    backend.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A{tail}", special_tokens=[(t, vocab[t]) for t in {bos, eos}]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, bos_token=bos, eos_token=eos, pad_token=pad, padding_side="right"
    )
    tokenizer.add_special_tokens(
        {"additional_special_tokens": [t for t in specials if t not in (bos, eos, pad)]}
    )
    return tokenizer


def tiny_text_encoders(
    seed: int = 0, llm_dim: int = 64, clip_dim: int = 32, text_len: int = 256
) -> TextEncoders:
    """A Llama (3 layers, so that skipping 2 leaves a real layer) and a CLIP text tower (2 layers) with
    seeded random weights; `llm_dim` / `clip_dim` must match the transformer's text widths."""
    from transformers import CLIPTextConfig, CLIPTextModel, LlamaConfig, LlamaModel

    llm_tok = byte_level_tokenizer(LLM_SPECIALS, "<|begin_of_text|>", "<|eot_id|>", "<|end_of_text|>")
    clip_tok = byte_level_tokenizer(CLIP_SPECIALS, "<|startoftext|>", "<|endoftext|>", "<|endoftext|>")
    llm_cfg = LlamaConfig(
        vocab_size=len(llm_tok),
        hidden_size=llm_dim,
        intermediate_size=2 * llm_dim,
        num_hidden_layers=3,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        bos_token_id=llm_tok.bos_token_id,
        eos_token_id=llm_tok.eos_token_id,
        pad_token_id=llm_tok.pad_token_id,
    )
    clip_cfg = CLIPTextConfig(
        vocab_size=len(clip_tok),
        hidden_size=clip_dim,
        intermediate_size=2 * clip_dim,
        projection_dim=clip_dim,
        num_hidden_layers=2,
        num_attention_heads=2,
        max_position_embeddings=77,
        bos_token_id=clip_tok.bos_token_id,
        eos_token_id=clip_tok.eos_token_id,
        pad_token_id=clip_tok.pad_token_id,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        llm = LlamaModel(llm_cfg).eval().requires_grad_(False)
        clip = CLIPTextModel(clip_cfg).eval().requires_grad_(False)
    return TextEncoders(
        LLMTextEncoder(llm, llm_tok, crop_start=None, text_len=text_len), CLIPTextEncoder(clip, clip_tok)
    )


def save_tiny_text_encoders(encoders: TextEncoders, ckpts: str | Path) -> tuple[Path, Path]:
    """Write both encoders (weights + tokenizer) as `ckpts/text_encoder` and `ckpts/text_encoder_2`."""
    paths = (Path(ckpts) / "text_encoder", Path(ckpts) / "text_encoder_2")
    for encoder, path in zip((encoders.llm, encoders.clip), paths, strict=True):
        encoder.model.save_pretrained(path)
        encoder.tokenizer.save_pretrained(path)
    return paths
