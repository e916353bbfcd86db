"""Loading weights from the release's file layouts, safetensors and diffusers folders, written here as
synthetic checkpoints in those on-disk formats."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from hyvideo.transformer import CheckpointError, load_transformer, read_state_dict
from hyvideo.transformer.checkpoint import config_from_diffusers

from .peers import TINY, build_pair, inputs, run_ours


@dataclass
class TrainingArgs:  # a pickled object beside the weights, as training scripts often save
    lr: float = 1e-4


@pytest.fixture(scope="module")
def pair():
    return build_pair(TINY, seed=3)


def _same_outputs(a, b) -> bool:
    batch = inputs(TINY)
    with torch.inference_mode():
        return torch.equal(run_ours(a, batch), run_ours(b, batch))


def test_release_torch_file_with_module_key(tmp_path: Path, pair) -> None:
    ours, _ = pair
    path = tmp_path / "mp_rank_00_model_states.pt"
    torch.save({"module": ours.state_dict()}, path)
    loaded = load_transformer(path, TINY, dtype="fp32")
    assert not loaded.training and not any(p.requires_grad for p in loaded.parameters())
    assert _same_outputs(loaded, ours)


def test_bare_state_dict_and_other_load_key(tmp_path: Path, pair) -> None:
    ours, _ = pair
    torch.save(ours.state_dict(), tmp_path / "bare.pt")
    assert _same_outputs(load_transformer(tmp_path / "bare.pt", TINY), ours)
    torch.save({"ema": ours.state_dict(), "step": torch.tensor(1)}, tmp_path / "ema.pt")
    assert _same_outputs(load_transformer(tmp_path / "ema.pt", TINY, load_key="ema"), ours)


def test_safetensors_in_either_naming(tmp_path: Path, pair) -> None:
    ours, theirs = pair
    save_file(ours.state_dict(), tmp_path / "official.safetensors")
    save_file(theirs.state_dict(), tmp_path / "diffusers.safetensors")
    assert _same_outputs(load_transformer(tmp_path / "official.safetensors", TINY), ours)
    assert _same_outputs(load_transformer(tmp_path / "diffusers.safetensors", TINY), ours)


@pytest.mark.parametrize("shard_size", [None, "40KB"], ids=["single-file", "sharded"])
def test_diffusers_folder_with_its_config(tmp_path: Path, pair, shard_size) -> None:
    ours, theirs = pair
    kwargs = {"max_shard_size": shard_size} if shard_size else {}
    theirs.save_pretrained(tmp_path / "HunyuanVideo" / "transformer", **kwargs)
    if shard_size:
        assert len(list((tmp_path / "HunyuanVideo" / "transformer").glob("*.safetensors"))) > 1
    assert config_from_diffusers(tmp_path / "HunyuanVideo") == TINY
    assert _same_outputs(load_transformer(tmp_path / "HunyuanVideo"), ours)


def test_weights_are_assigned_not_copied(tmp_path: Path, pair, monkeypatch) -> None:
    """Meta-device build + assign: the model's parameters are the loaded tensors themselves."""
    import hyvideo.transformer.checkpoint as checkpoint

    save_file(pair[0].state_dict(), tmp_path / "w.safetensors")
    state = read_state_dict(tmp_path / "w.safetensors")
    monkeypatch.setattr(checkpoint, "read_state_dict", lambda *args, **kwargs: state)
    model = load_transformer(tmp_path / "w.safetensors", TINY)
    assert model.img_in.proj.weight.data_ptr() == state["img_in.proj.weight"].data_ptr()
    assert all(not p.is_meta for p in model.parameters())


def test_mismatched_weights_list_the_first_few_keys(tmp_path: Path, pair) -> None:
    ours, _ = pair
    state = dict(ours.state_dict())
    del state["double_blocks.0.img_mod.linear.weight"]
    state["double_blocks.0.extra.weight"] = torch.zeros(1)
    state["final_layer.linear.bias"] = torch.zeros(3)
    torch.save(state, tmp_path / "bad.pt")
    with pytest.raises(CheckpointError) as info:
        load_transformer(tmp_path / "bad.pt", TINY)
    message = str(info.value)
    assert "\n" not in message and str(tmp_path / "bad.pt") in message
    assert "1 missing: double_blocks.0.img_mod.linear.weight" in message
    assert "1 unexpected: double_blocks.0.extra.weight" in message
    assert "1 mis-shaped: final_layer.linear.bias (3,) != (64,)" in message


def test_wrong_preset_is_named_in_the_error(tmp_path: Path, pair) -> None:
    ours, _ = pair
    torch.save(ours.state_dict(), tmp_path / "distilled.pt")
    with pytest.raises(CheckpointError, match=r"unexpected: guidance_in\.mlp\.0\.weight.*cfgdistill"):
        load_transformer(tmp_path / "distilled.pt", TINY.replace(guidance_embed=False))


def test_missing_corrupt_and_pickled_files(tmp_path: Path, pair) -> None:
    with pytest.raises(CheckpointError, match=r"no such weight file; download the HunyuanVideo transformer"):
        load_transformer(tmp_path / "ckpts" / "missing.pt", TINY)
    (tmp_path / "corrupt.safetensors").write_bytes(b"\x00" * 20)
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        load_transformer(tmp_path / "corrupt.safetensors", TINY)
    (tmp_path / "corrupt.pt").write_bytes(b"not a zip")
    with pytest.raises(CheckpointError, match="not a readable torch file"):
        load_transformer(tmp_path / "corrupt.pt", TINY)
    torch.save({"module": pair[0].state_dict(), "args": TrainingArgs()}, tmp_path / "pickled.pt")
    with pytest.raises(CheckpointError, match="refused under weights_only=True"):
        load_transformer(tmp_path / "pickled.pt", TINY)
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "config.json").write_text(json.dumps({}))
    with pytest.raises(CheckpointError, match="neither it nor its transformer/ subfolder"):
        load_transformer(tmp_path / "folder")


def test_dtype_is_checked_before_anything_is_read(tmp_path: Path, monkeypatch) -> None:
    import hyvideo.precision as precision

    monkeypatch.setattr(precision, "cpu_supports", lambda dtype: dtype == torch.float32)
    with pytest.raises(ValueError, match="use dtype=fp32 on the CPU"):
        load_transformer(tmp_path / "never-read.pt", TINY, dtype="bf16")
