"""The two text encoders: the template crop, the skipped layers, masks, the pooled CLIP vector, equality
with diffusers' encoding code, loading from the release's and diffusers' folder layouts, and errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from generation.peers import diffusers_pipeline
from hyvideo.factory import tiny_random
from hyvideo.text_encoder import (
    VIDEO_TEMPLATE,
    TextEncoderError,
    load_text_encoders,
    save_tiny_text_encoders,
    tiny_text_encoders,
)

PROMPTS = ["a cat", "a dog runs along a beach at sunset, waves breaking behind it"]


@pytest.fixture(scope="module")
def encoders():
    return tiny_text_encoders(seed=4)


def test_llm_states_are_the_prompt_tokens_of_the_layer_two_before_last(encoders) -> None:
    llm = encoders.llm
    states, mask = llm(PROMPTS)
    assert states.shape == (2, 256, llm.model.config.hidden_size) and mask.shape == (2, 256)
    # The tiny tokenizer has one token per byte: the prompt plus the closing <|eot_id|>.
    assert mask.sum(dim=1).tolist() == [len(p.encode()) + 1 for p in PROMPTS]
    assert bool((mask[:, :-1] >= mask[:, 1:]).all())  # valid tokens first, then padding
    full = llm.tokenizer([VIDEO_TEMPLATE.format(p) for p in PROMPTS], max_length=llm.crop_start + 256,
                         padding="max_length", truncation=True, return_tensors="pt")  # fmt: skip
    with torch.inference_mode():
        hidden = llm.model(**full, output_hidden_states=True).hidden_states
    assert len(hidden) == llm.model.config.num_hidden_layers + 1
    torch.testing.assert_close(states, hidden[-3][:, llm.crop_start :], rtol=0, atol=0)
    # What is cropped is exactly the template's prefix.
    prefix_ids = full["input_ids"][0, : llm.crop_start]
    assert llm.tokenizer.decode(prefix_ids) == "<|begin_of_text|>" + VIDEO_TEMPLATE.split("{}")[0]


def test_long_prompts_are_truncated_to_text_len(encoders) -> None:
    _, mask = encoders.llm(["x" * 600])
    assert mask.shape == (1, 256) and int(mask.sum()) == 256


def test_clip_pooled_vector_is_the_end_of_text_state(encoders) -> None:
    pooled = encoders.clip(PROMPTS)
    clip = encoders.clip
    assert pooled.shape == (2, clip.model.config.hidden_size)
    batch = clip.tokenizer(PROMPTS, max_length=77, padding="max_length", truncation=True, return_tensors="pt")
    with torch.inference_mode():
        last = clip.model(input_ids=batch["input_ids"]).last_hidden_state
    eos = (batch["input_ids"] == clip.tokenizer.eos_token_id).int().argmax(dim=1)
    torch.testing.assert_close(pooled, last[torch.arange(2), eos], rtol=0, atol=1e-6)


def test_encodings_equal_diffusers_encode_prompt() -> None:
    ours = tiny_random(seed=5)
    theirs = diffusers_pipeline(ours)
    llm = ours.text_encoders.llm
    for prompt in PROMPTS:
        encoded = ours.encode_prompt([prompt])
        states, pooled, mask = theirs.encode_prompt(
            prompt, prompt_template={"template": llm.template, "crop_start": llm.crop_start}
        )
        torch.testing.assert_close(encoded.states, states, rtol=0, atol=0)
        torch.testing.assert_close(encoded.mask, mask, rtol=0, atol=0)
        torch.testing.assert_close(encoded.pooled, pooled, rtol=0, atol=1e-6)


def test_loads_the_release_layout_and_diffusers_layout(encoders, tmp_path: Path) -> None:
    llm_dir, clip_dir = save_tiny_text_encoders(encoders, tmp_path / "ckpts")
    expected = encoders.encode(PROMPTS)
    loaded = load_text_encoders(llm_dir, clip_dir, crop_start=None).encode(PROMPTS)
    for name in ("states", "mask", "pooled"):
        torch.testing.assert_close(getattr(loaded, name), getattr(expected, name), rtol=0, atol=0)

    # diffusers' layout: the tokenizers live in tokenizer/ and tokenizer_2/ beside the models.
    root = tmp_path / "diffusers"
    for model_dir, tokenizer_name in ((llm_dir, "tokenizer"), (clip_dir, "tokenizer_2")):
        target = root / model_dir.name
        shutil.copytree(model_dir, target)
        (root / tokenizer_name).mkdir()
        for file in target.iterdir():
            if file.name.startswith(("tokenizer", "special_tokens", "vocab", "merges")):
                file.rename(root / tokenizer_name / file.name)
    loaded = load_text_encoders(root / "text_encoder", root / "text_encoder_2", crop_start=None).encode(
        PROMPTS
    )
    torch.testing.assert_close(loaded.states, expected.states, rtol=0, atol=0)


def test_missing_or_broken_folders_name_the_path_and_the_fix(encoders, tmp_path: Path) -> None:
    with pytest.raises(
        TextEncoderError,
        match=r"text_encoder: no text encoder here \(config.json missing\); .*huggingface-cli download",
    ):
        load_text_encoders(tmp_path / "text_encoder", tmp_path / "text_encoder_2")
    llm_dir, clip_dir = save_tiny_text_encoders(encoders, tmp_path / "ckpts")
    (clip_dir / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(
        TextEncoderError, match=r"text_encoder_2: cannot load the CLIP .*openai/clip-vit-large-patch14"
    ) as info:
        load_text_encoders(llm_dir, clip_dir, crop_start=None)
    assert "\n" not in str(info.value)


def test_skip_layers_must_leave_a_layer(encoders) -> None:
    from hyvideo.text_encoder import LLMTextEncoder

    with pytest.raises(ValueError, match=r"skip_layers=3 must lie in \[0, 2\]"):
        LLMTextEncoder(encoders.llm.model, encoders.llm.tokenizer, skip_layers=3)
