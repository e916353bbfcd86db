from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalsuite.data.prompt_sets import load_prompt_set, sha256_file
from evalsuite.errors import PromptSetError
from evalsuite.resources import builtin_prompts_dir

PENGUIN_SHA256 = "5139a15a41498ab7f6c0844072bd92ddd09c02eebdd96192e90d97fa87f7eea0"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_with_named_columns_and_metadata(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "p.csv",
        'prompt_id,prompt,category,source\na,"A cat, sleeping",animals,x\nb,A dog,animals,y\n',
    )
    prompts = load_prompt_set(path)
    assert prompts.name == "p" and len(prompts) == 2
    assert prompts.table["prompt"].tolist() == ["A cat, sleeping", "A dog"]
    assert prompts.table["category"].tolist() == ["animals", "animals"]
    assert prompts.table["source"].tolist() == ["x", "y"]
    assert prompts.sha256 == sha256_file(path)


def test_csv_with_unnamed_index_column_like_penguin(tmp_path: Path) -> None:
    prompts = load_prompt_set(_write(tmp_path, "p.csv", ',prompt\n0,"First, with comma"\n1,Second\n'))
    assert prompts.table["prompt_id"].tolist() == ["0", "1"]
    assert prompts.table["category"].isna().all()


def test_json_list_dict_and_jsonl(tmp_path: Path) -> None:
    rows = [{"id": "x1", "text": "One"}, {"id": "x2", "text": "Two", "category": "c"}]
    as_list = load_prompt_set(_write(tmp_path, "a.json", json.dumps(rows)))
    as_dict = load_prompt_set(_write(tmp_path, "b.json", json.dumps({"prompts": rows})))
    as_lines = load_prompt_set(_write(tmp_path, "c.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n\n"))
    for prompts in (as_list, as_dict, as_lines):
        assert prompts.table["prompt_id"].tolist() == ["x1", "x2"]
        assert prompts.table["prompt"].tolist() == ["One", "Two"]
    mapping = load_prompt_set(_write(tmp_path, "d.json", json.dumps({"k1": "Alpha", "k2": "Beta"})))
    assert mapping.table["prompt_id"].tolist() == ["k1", "k2"]
    strings = load_prompt_set(_write(tmp_path, "e.json", json.dumps(["Alpha", "Beta"])))
    assert strings.table["prompt_id"].tolist() == ["0", "1"]


def test_txt_one_prompt_per_line(tmp_path: Path) -> None:
    prompts = load_prompt_set(_write(tmp_path, "p.txt", "A cat\n\nA dog\n"))
    assert prompts.table["prompt_id"].tolist() == ["0000", "0001"]
    assert prompts.table["prompt"].tolist() == ["A cat", "A dog"]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("dup.csv", "prompt_id,prompt\na,x\na,y\n", r"duplicate prompt ids \['a'\]"),
        ("empty_prompt.csv", "prompt_id,prompt\na,\nb,y\n", r"empty prompt \(ids \['a'\]\)"),
        ("no_prompt.csv", "prompt_id,caption_text\na,x\n", "no prompt column"),
        ("no_rows.csv", "prompt_id,prompt\n", "has no rows"),
        ("bad.json", "{not json", "cannot parse as json"),
        ("slash.csv", "prompt_id,prompt\na/b,x\n", "path separator"),
        ("p.yaml", "- a\n", "cannot tell the prompt file format"),
    ],
)
def test_malformed_files_raise_one_line_naming_the_file(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = _write(tmp_path, name, text)
    with pytest.raises(PromptSetError, match=message) as info:
        load_prompt_set(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_missing_file_names_the_hint(tmp_path: Path) -> None:
    with pytest.raises(PromptSetError, match=r"prompt file not found.*get it here"):
        load_prompt_set(tmp_path / "nope.csv", source_hint="get it here")


def test_checksum_mismatch_is_an_error_unless_opted_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _write(tmp_path, "p.csv", "prompt_id,prompt\na,x\n")
    with pytest.raises(
        PromptSetError, match=r"sha256 is .* expected 5139a15a4149.*verify_checksum=false"
    ) as info:
        load_prompt_set(path, sha256=PENGUIN_SHA256)
    assert "\n" not in str(info.value)
    prompts = load_prompt_set(path, sha256=PENGUIN_SHA256, verify_checksum=False)
    assert len(prompts) == 1 and "does not match the published" in caplog.text
    assert len(load_prompt_set(path, sha256=sha256_file(path))) == 1


def test_duplicate_texts_are_reported_and_deduped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    prompts = load_prompt_set(_write(tmp_path, "p.csv", "prompt_id,prompt\na,Same\nb,Other\nc,Same\n"))
    assert len(prompts) == 3  # both rows keep distinct ids
    assert prompts.duplicates["prompt_id"].tolist() == ["c"]
    assert prompts.duplicates["duplicate_of"].tolist() == ["a"]
    assert "id c repeats id a" in caplog.text
    assert prompts.dedupe().table["prompt_id"].tolist() == ["a", "b"]


def test_subset_is_deterministic_stratified_and_ordered() -> None:
    prompts = load_prompt_set(builtin_prompts_dir() / "embedded_mini.csv")
    assert len(prompts) == 24 and prompts.table["category"].nunique() == 6
    six = prompts.subset(6, seed=0)
    assert six.table["category"].value_counts().tolist() == [1] * 6  # one per category
    assert six.table["prompt_id"].tolist() == prompts.subset(6, seed=0).table["prompt_id"].tolist()
    assert six.table["prompt_id"].tolist() != prompts.subset(6, seed=1).table["prompt_id"].tolist()
    order = prompts.table["prompt_id"].tolist()
    assert [order.index(i) for i in six.table["prompt_id"]] == sorted(
        order.index(i) for i in six.table["prompt_id"]
    )
    twelve = prompts.subset(12, seed=3)
    assert twelve.table["category"].value_counts().tolist() == [2] * 6
    assert prompts.subset(None) is prompts and prompts.subset(100) is prompts
    with pytest.raises(PromptSetError, match="limit"):
        prompts.subset(0)


def test_subset_proportional_to_unequal_categories(tmp_path: Path) -> None:
    rows = "\n".join(
        [f"a{i},A{i},big" for i in range(30)]
        + [f"b{i},B{i},small" for i in range(10)]
        + [f"c{i},C{i}," for i in range(2)]
    )
    prompts = load_prompt_set(_write(tmp_path, "p.csv", "prompt_id,prompt,category\n" + rows + "\n"))
    counts = prompts.subset(10, seed=0).table["category"].fillna("none").value_counts().to_dict()
    assert counts == {"big": 7, "small": 2, "none": 1}


def test_penguin_benchmark_file(penguin_csv: Path) -> None:
    prompts = load_prompt_set(penguin_csv, name="penguin", sha256=PENGUIN_SHA256)
    assert len(prompts) == 600 and prompts.table["prompt_id"].is_unique
    assert prompts.table["prompt_id"].iloc[0] == "0"
    assert len(prompts.duplicates) == 1  # one duplicated prompt, both rows kept with distinct ids
    dup = prompts.duplicates.iloc[0]
    original = prompts.table.set_index("prompt_id").loc[dup["duplicate_of"], "prompt"]
    assert original == dup["prompt"] and dup["duplicate_of"] != dup["prompt_id"]
    assert len(prompts.dedupe()) == 599
