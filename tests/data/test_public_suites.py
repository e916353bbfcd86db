"""Each public suite read in its own format from a small sample written here (the real files are not
shipped): prompts, the suite's own categories kept, mapped axes, the row-count check, bad files."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest

from evalsuite.config import compose
from evalsuite.errors import PromptSetError
from evalsuite.pipeline.prompts import load_prompts


def load(suite: str, path: Path, *extra: str):
    return load_prompts(compose([f"prompts={suite}", f"prompts.path={path}", *extra]).prompts)


def test_vbench_full_info_json(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "VBench_full_info.json"
    path.write_text(json.dumps([
        {"prompt_en": "In a still frame, a stop sign", "dimension": ["temporal_flickering"]},
        {"prompt_en": "a bird and a cat", "dimension": ["multiple_objects"],
         "auxiliary_info": {"multiple_objects": {"object": "bird and cat"}}},
        {"prompt_en": "a person is dancing", "dimension": ["human_action"]},
        {"prompt_en": "a beach, zoom in", "dimension": ["scene", "temporal_style"]},
    ]))  # fmt: skip
    with caplog.at_level(logging.WARNING):
        prompts = load("vbench", path)
    table = prompts.table.set_index("prompt")
    assert len(prompts) == 4 and prompts.name == "vbench" and prompts.table["prompt_id"].is_unique
    assert table.loc["In a still frame, a stop sign", "motion"] == "static"
    assert table.loc["a bird and a cat", "complexity"] == "several"
    assert table.loc["a person is dancing", "subject"] == "people"
    assert table.loc["a beach, zoom in", "camera"] == "zoom"
    assert table.loc["a beach, zoom in", "category"] == "scene,temporal_style"  # VBench's own, kept
    assert set(prompts.axes) == {"subject", "motion", "camera", "complexity"}
    assert "4 prompts where the published vbench suite has 946" in caplog.text


def test_vbench_prompt_folder(tmp_path: Path) -> None:
    folder = tmp_path / "prompts_per_category"
    folder.mkdir()
    (folder / "animal.txt").write_text("a cat wearing sunglasses\na dog running\n")
    (folder / "vehicles.txt").write_text("a red bus, camera pans left\n")
    prompts = load("vbench", folder)
    assert prompts.table["subject"].tolist() == ["animals", "animals", "vehicles"]
    assert prompts.table["camera"].tolist()[2] == "pan" and prompts.table["category"].tolist()[0] == "animal"


def test_evalcrafter_metadata(tmp_path: Path) -> None:
    path = tmp_path / "metadata.json"
    path.write_text(json.dumps({
        "0000": {"prompt": "2 Dog and a whale, ocean adventure", "attributes": {"count": "2 dog"}},
        "0001": {"prompt": "goldfish in glass", "attributes": {}},
        "0002": {"prompt": "A person shaking head.", "attributes": {"action": "shaking head"}},
    }))  # fmt: skip
    prompts = load("evalcrafter", path)
    table = prompts.table.set_index("prompt_id")
    assert (
        table.loc["0000", "complexity"] == "counting"
        and table.loc["0000", "evalcrafter_attributes"] == "count"
    )
    assert table.loc["0002", "subject"] == "people" and pd.isna(table.loc["0001", "category"])


def test_fetv_json_lines(tmp_path: Path) -> None:
    rows = [
        {"video_id": "video9033", "prompt": "a person jumps from building",
         "major content": {"spatial": ["people", "buildings & infrastructure"], "temporal": ["actions"]},
         "attribute control": {"spatial": None, "temporal": None}, "prompt complexity": ["simple"], "source": "MSRVTT"},
        {"video_id": "video7137", "prompt": "two men covered with snow hugging each other",
         "major content": {"spatial": ["people"], "temporal": ["actions"]},
         "attribute control": {"spatial": ["quantity"], "temporal": None}, "prompt complexity": ["medium"], "source": "MSRVTT"},
        {"video_id": "1006807024", "prompt": "A mountain stream",
         "major content": {"spatial": ["scenery & natural objects"], "temporal": ["fluid motions"]},
         "attribute control": {"spatial": None, "temporal": None}, "prompt complexity": ["simple"], "source": "WebVid"},
    ]  # fmt: skip
    path = tmp_path / "fetv_data.json"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    prompts = load("fetv", path)
    table = prompts.table.set_index("prompt_id")
    assert (
        table.loc["video7137", "complexity"] == "counting"
        and table.loc["video7137", "fetv_complexity"] == "medium"
    )
    assert (
        table.loc["1006807024", "subject"] == "scenery" and table.loc["video9033", "fetv_source"] == "MSRVTT"
    )
    path.write_text(path.read_text() + "{not json\n")
    with pytest.raises(PromptSetError, match="line 4 is not a JSON object"):
        load("fetv", path)


def test_t2v_compbench_meta_data_and_prompt_folders(tmp_path: Path) -> None:
    meta = tmp_path / "meta_data"
    meta.mkdir()
    (meta / "generative_numeracy.json").write_text(json.dumps(
        [{"prompt": "Two cars speed along a road.", "objects": "car", "numbers": "2"}]))  # fmt: skip
    (meta / "dynamic_attribute_binding.json").write_text(
        json.dumps([{"prompt": "A leaf turns from green to red."}])
    )
    prompts = load("t2v_compbench", meta)
    table = prompts.table.set_index("prompt")
    assert table.loc["Two cars speed along a road.", "complexity"] == "counting"
    assert table.loc["A leaf turns from green to red.", "event"] == "transformation"
    txt = tmp_path / "prompts"
    txt.mkdir()
    (txt / "6_interaction.txt").write_text("Two dogs tug a rope.\n")
    assert load("t2v_compbench", txt).table["complexity"].tolist() == ["interaction"]


def test_bad_public_files_fail_with_one_line(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"not": "a list"}))
    with pytest.raises(PromptSetError, match=r"not VBench_full_info\.json"):
        load("vbench", wrong)
    with pytest.raises(PromptSetError, match=r"not EvalCrafter's metadata\.json"):
        load("evalcrafter", wrong)
    with pytest.raises(PromptSetError, match="not found"):
        load("fetv", tmp_path / "absent.json")
    with pytest.raises(PromptSetError, match="meta_data/ or prompts/ folder"):
        load("t2v_compbench", wrong)
