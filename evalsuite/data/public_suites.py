"""Public text-to-video prompt suites, read from the user's copy of their own files, with their own
categories kept as metadata and mapped onto this suite's axes where the mapping is clear (else NA).

| loader | file the user gives | its categories | mapped to |
| --- | --- | --- | --- |
| `vbench` | `VBench_full_info.json` (list of {prompt_en, dimension: [...]}), or a folder of VBench's `prompts_per_dimension/` or `prompts_per_category/` .txt files | dimensions; or categories | subject (categories; human_action → people, scene → scenery), motion (temporal_flickering's "still" prompts → static), complexity (multiple_objects, spatial_relationship → several; color, object_class → single) |
| `evalcrafter` | `metadata.json` ({id: {prompt, attributes: {count, action, color, face, ...}}}) | attribute kinds | complexity (count → counting), subject (face or action → people) |
| `fetv` | `fetv_data.json` (one JSON object per line) | major content, attribute control, prompt complexity, source | subject (first spatial content), complexity (quantity control → counting) |
| `t2v_compbench` | a folder of `meta_data/<category>.json` or `prompts/<n>_<category>.txt` | the 7 categories | complexity (numeracy → counting, interactions → interaction, binding and spatial → several), event (dynamic attribute binding → transformation) |

Every loader also reads the camera axis from the text (pan, zoom, orbit, tracking words), for any suite.
None of these files carries a version number; each loader checks the row count the suite published
(VBench 946, EvalCrafter 700, FETV 619, T2V-CompBench 1,400) and warns, naming the file, when it differs
(an older or edited copy). Tests use small samples written in each format.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from evalsuite.errors import PromptSetError

log = logging.getLogger(__name__)

PUBLISHED_ROWS = {"vbench": 946, "evalcrafter": 700, "fetv": 619, "t2v_compbench": 1400}
CAMERA_WORDS = (  # order matters: the first match wins
    ("orbit", r"\b(orbit|orbits|orbiting|circles around|360)\b"),
    ("zoom", r"\bzoom(s|ing)?\b"),
    ("pan", r"\bpan(s|ning)?\b"),
    ("tracking", r"\b(tracking shot|dolly|follows? the)\b"),
)
VBENCH_SUBJECT = {
    "animal": "animals", "architecture": "scenery", "food": "objects", "human": "people", "lifestyle": "people",
    "plant": "scenery", "scenery": "scenery", "vehicles": "vehicles", "human_action": "people", "scene": "scenery",
}  # fmt: skip
VBENCH_COMPLEXITY = {
    "multiple_objects": "several",
    "spatial_relationship": "several",
    "color": "single",
    "object_class": "single",
}
FETV_SUBJECT = {
    "people": "people", "animals": "animals", "plants": "scenery", "artifacts": "objects", "vehicles": "vehicles",
    "buildings & infrastructure": "scenery", "scenery & natural objects": "scenery", "food & beverage": "objects",
    "illustrations": "fantasy",
}  # fmt: skip
COMPBENCH = {  # category -> (complexity, event)
    "consistent_attr": ("several", None), "consistent_attribute_binding": ("several", None),
    "dynamic_attr": ("several", "transformation"), "dynamic_attribute_binding": ("several", "transformation"),
    "spatial_relationship": ("several", None), "spatial_relationships": ("several", None),
    "motion_binding": ("several", None), "action_binding": ("several", None),
    "interaction": ("interaction", None), "object_interactions": ("interaction", None),
    "numeracy": ("counting", None), "generative_numeracy": ("counting", None),
}  # fmt: skip


def camera_of(prompt: str) -> str | None:
    text = prompt.lower()
    return next((name for name, pattern in CAMERA_WORDS if re.search(pattern, text)), None)


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise PromptSetError(f"{path}: not valid JSON ({str(err).splitlines()[0]})") from None


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _txt_folder(folder: Path, what: str) -> list[tuple[str, str]]:
    files = sorted(folder.glob("*.txt"))
    if not files:
        raise PromptSetError(f"{folder}: no .txt files; give the suite's {what} folder or its JSON file")
    return [(f.stem, line) for f in files for line in _lines(f)]


def load_vbench(path: Path) -> pd.DataFrame:
    if path.is_dir():
        rows = [
            {"prompt": p, "vbench_group": re.sub(r"^\d+_", "", g)}
            for g, p in _txt_folder(path, "prompts_per_*")
        ]
    else:
        data = _read_json(path)
        if not isinstance(data, list) or not all(isinstance(d, dict) and "prompt_en" in d for d in data):
            raise PromptSetError(
                f"{path}: not VBench_full_info.json (a list of objects with prompt_en and dimension)"
            )
        rows = [{"prompt": d["prompt_en"], "vbench_group": ",".join(d.get("dimension", []))} for d in data]
    table = pd.DataFrame(rows)
    groups = table["vbench_group"].str.split(",")
    table["subject"] = groups.map(
        lambda gs: next((VBENCH_SUBJECT[g] for g in gs if g in VBENCH_SUBJECT), None)
    )
    table["complexity"] = groups.map(
        lambda gs: next((VBENCH_COMPLEXITY[g] for g in gs if g in VBENCH_COMPLEXITY), None)
    )
    table["motion"] = [
        "static" if "temporal_flickering" in gs else None for gs in groups
    ]  # VBench writes these as "In a still frame, ..." / "..., frozen in time"
    table["category"] = table["vbench_group"]
    return table


def load_evalcrafter(path: Path) -> pd.DataFrame:
    data = _read_json(path)
    if not isinstance(data, dict) or not all(isinstance(v, dict) and "prompt" in v for v in data.values()):
        raise PromptSetError(f"{path}: not EvalCrafter's metadata.json ({{id: {{prompt, attributes}}}})")
    rows = []
    for key, item in data.items():
        attributes = item.get("attributes") or {}
        rows.append(
            {"prompt_id": key, "prompt": item["prompt"], "evalcrafter_attributes": ",".join(sorted(attributes)) or None,
             "complexity": "counting" if "count" in attributes else None,
             "subject": "people" if {"face", "action"} & set(attributes) else None}
        )  # fmt: skip
    table = pd.DataFrame(rows)
    table["category"] = table["evalcrafter_attributes"]
    return table


def load_fetv(path: Path) -> pd.DataFrame:
    rows = []
    for number, line in enumerate(_lines(path), start=1):
        try:
            item = json.loads(line)
        except ValueError:
            raise PromptSetError(
                f"{path}: line {number} is not a JSON object (FETV's file has one per line)"
            ) from None
        content = item.get("major content") or {}
        control = item.get("attribute control") or {}
        spatial = content.get("spatial") or []
        rows.append(
            {"prompt_id": str(item.get("video_id", number)), "prompt": item["prompt"],
             "fetv_spatial_content": ",".join(spatial) or None,
             "fetv_temporal_content": ",".join(content.get("temporal") or []) or None,
             "fetv_attribute_control": ",".join((control.get("spatial") or []) + (control.get("temporal") or [])) or None,
             "fetv_complexity": ",".join(item.get("prompt complexity") or []) or None, "fetv_source": item.get("source"),
             "subject": next((FETV_SUBJECT[s] for s in spatial if s in FETV_SUBJECT), None),
             "complexity": "counting" if "quantity" in (control.get("spatial") or []) else None}
        )  # fmt: skip
    table = pd.DataFrame(rows)
    table["category"] = table["fetv_spatial_content"].str.split(",").str[0]
    return table


def load_t2v_compbench(path: Path) -> pd.DataFrame:
    if not path.is_dir():
        raise PromptSetError(f"{path}: give T2V-CompBench's meta_data/ or prompts/ folder")
    files = sorted(path.glob("*.json"))
    if files:
        rows = []
        for f in files:
            data = _read_json(f)
            if not isinstance(data, list):
                raise PromptSetError(
                    f"{f}: a T2V-CompBench meta_data file holds a list of objects with prompt"
                )
            rows += [{"prompt": d["prompt"], "compbench_category": f.stem} for d in data]
    else:
        rows = [
            {"prompt": p, "compbench_category": re.sub(r"^\d+_", "", g)}
            for g, p in _txt_folder(path, "prompts")
        ]
    table = pd.DataFrame(rows)
    mapped = table["compbench_category"].map(COMPBENCH)
    table["complexity"] = mapped.map(lambda m: m[0] if isinstance(m, tuple) else None)
    table["event"] = mapped.map(lambda m: m[1] if isinstance(m, tuple) else None)
    table["category"] = table["compbench_category"]
    return table


LOADERS: dict[str, Callable[[Path], pd.DataFrame]] = {
    "vbench": load_vbench,
    "evalcrafter": load_evalcrafter,
    "fetv": load_fetv,
    "t2v_compbench": load_t2v_compbench,
}
MAPPED_AXES = ("subject", "motion", "camera", "complexity", "event")


def load_public_suite(loader: str, path: str | Path) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The suite's rows (prompt_id, prompt, category, mapped axes, its own metadata) and the axes it has."""
    path = Path(path).expanduser()
    if loader not in LOADERS:
        raise PromptSetError(f"unknown prompt suite loader {loader!r}; known: {', '.join(LOADERS)}")
    if not path.exists():
        raise PromptSetError(f"{path}: not found (prompts.path names your copy of the {loader} suite)")
    table = LOADERS[loader](path)
    if table.empty:
        raise PromptSetError(f"{path}: the {loader} suite file has no prompts")
    if "prompt_id" not in table.columns:
        width = max(4, len(str(len(table))))
        table.insert(0, "prompt_id", [f"{loader}-{k:0{width}d}" for k in range(len(table))])
    table["camera"] = table["prompt"].map(camera_of)
    expected = PUBLISHED_ROWS[loader]
    if len(table) != expected:
        log.warning(
            "%s: %d prompts where the published %s suite has %d: an older or edited copy; its categories may differ",
            path, len(table), loader, expected,
        )  # fmt: skip
    axes = tuple(a for a in MAPPED_AXES if a in table.columns and table[a].notna().any())
    return table, axes
