"""The structured prompt suite: 1,533 prompts (the size of the HunyuanVideo paper's unpublished set),
each tagged along six axes, written by a deterministic generator from the word lists in
`prompt_suite_words.py`.

    python -m evalsuite.data.prompt_suite --out prompts/structured_1533.csv   # reproduces the shipped file

Axes (columns of the file): subject (people, animals, objects, vehicles, scenery, fantasy), motion of
the subject (static, slow, fast), camera (fixed, pan, zoom, orbit, tracking), style (photoreal,
animation, painting, vintage_film, render_3d), complexity (single subject, several, interaction,
counting, text in the scene) and event (none; a sequence of two actions; a transformation of the
scene over the clip, which a longer clip has time to show).

How it is made:
1. **Design**: the axis combinations are chosen greedily, one at a time, among all allowed ones (a
   static subject has no sequence of actions), each time the one whose value pairs have been used
   least so far, ties broken in a seeded random order. Every axis value and every pair of values of two
   axes then appears about equally often (docs/guide/videos.md has the counts).
2. **Text**: each combination is written from the word lists, phrases drawn with a per-prompt seeded
   generator; a draw whose word-bigram Jaccard similarity with an earlier prompt exceeds
   `MAX_SIMILARITY` is redrawn, so no two prompts are near-duplicates.
Same code, same word lists, same seed: the same file byte for byte (tested).
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from itertools import combinations, pairwise, product
from pathlib import Path

import numpy as np
import pandas as pd

from evalsuite.data import prompt_suite_words as words

SIZE = 1533
SEED = 2412  # arXiv 2412.03603
MAX_SIMILARITY = 0.5  # word-bigram Jaccard of two normalised prompts
AXES: dict[str, tuple[str, ...]] = {
    "subject": words.SUBJECTS,
    "motion": words.MOTIONS,
    "camera": words.CAMERAS,
    "style": words.STYLES,
    "complexity": words.COMPLEXITIES,
    "event": words.EVENTS,
}
COLUMNS = ["prompt_id", "prompt", "category", *AXES]


def allowed(cell: dict[str, str]) -> bool:
    """A subject that does not move cannot do one thing after another."""
    return not (cell["motion"] == "static" and cell["event"] == "sequence")


def design(size: int = SIZE, seed: int = SEED) -> pd.DataFrame:
    """`size` distinct axis combinations, every value and pair of values as evenly used as the greedy
    choice allows (see the module docstring)."""
    names = list(AXES)
    cells = [dict(zip(names, values, strict=True)) for values in product(*AXES.values())]
    cells = [c for c in cells if allowed(c)]
    codes = np.array([[AXES[a].index(c[a]) for a in names] for c in cells])
    order = np.random.default_rng(seed).permutation(len(cells))
    codes = codes[order]
    pairs = list(combinations(range(len(names)), 2))
    sizes = [len(v) for v in AXES.values()]
    pair_index = np.stack([codes[:, i] * sizes[j] + codes[:, j] for i, j in pairs], axis=1)
    pair_counts = np.zeros((len(pairs), max(sizes) ** 2))
    value_counts = np.zeros((len(names), max(sizes)))
    free = np.ones(len(cells), dtype=bool)
    chosen = []
    rows = np.arange(len(pairs))
    for _ in range(size):
        cost = pair_counts[rows, pair_index].sum(1) + 2 * value_counts[np.arange(len(names)), codes].sum(1)
        cost[~free] = np.inf
        best = int(np.argmin(cost))  # the first of the cheapest in the seeded order
        chosen.append(best)
        free[best] = False
        pair_counts[rows, pair_index[best]] += 1
        value_counts[np.arange(len(names)), codes[best]] += 1
    return pd.DataFrame([{a: AXES[a][codes[k, i]] for i, a in enumerate(names)} for k in chosen])


def normalise(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def bigrams(text: str) -> frozenset[tuple[str, str]]:
    tokens = normalise(text)
    return frozenset(pairwise(tokens))


def jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


@dataclass(frozen=True)
class PromptParts:
    """The phrases one prompt is written from (drawn by `draw_parts`), kept so that its questions
    (`questions`) ask about exactly what it says."""

    cell: dict[str, str]
    setting: str
    action: str
    entities: tuple[str, ...] = ()  # the subject(s) named; none for an interaction
    number: str | None = None  # counting: the number and the plural noun
    countable: str | None = None
    interaction: str | None = None
    text: tuple[str, str] | None = None  # (carrier, words)
    sequence: str | None = None
    transformation: str | None = None
    camera: str = ""
    style: str = ""


def draw_parts(cell: pd.Series, rng: np.random.Generator) -> PromptParts:
    """The phrases of one prompt for one axis combination, drawn with `rng` (in the order the shipped
    file was drawn: the file depends on it)."""
    subject, motion, complexity = cell["subject"], cell["motion"], cell["complexity"]
    setting = _pick(rng, words.SETTINGS[subject])
    action = _pick(rng, words.ACTIONS[subject][motion])
    found: dict = {}
    if complexity == "interaction":
        found["interaction"] = _pick(rng, words.INTERACTIONS[subject][motion])
    elif complexity == "several":
        first, second = rng.choice(len(words.ENTITIES[subject]), size=2, replace=False)
        found["entities"] = (words.ENTITIES[subject][first], words.ENTITIES[subject][second])
    elif complexity == "counting":
        found["number"], found["countable"] = _pick(rng, words.NUMBERS), _pick(rng, words.COUNTABLE[subject])
    else:
        found["entities"] = (_pick(rng, words.ENTITIES[subject]),)
        if complexity == "text":
            found["text"] = (_pick(rng, words.TEXT_CARRIERS), _pick(rng, words.TEXT_WORDS))
    if cell["event"] == "sequence":
        found["sequence"] = _pick(rng, words.SEQUENCES[subject])
    elif cell["event"] == "transformation":
        found["transformation"] = _pick(rng, words.TRANSFORMATIONS)
    camera = _pick(rng, words.CAMERA_SENTENCES[cell["camera"]])
    style = _pick(rng, words.STYLE_SENTENCES[cell["style"]])
    return PromptParts({a: str(cell[a]) for a in AXES}, setting, action, camera=camera, style=style, **found)


def render(parts: PromptParts) -> str:
    """The prompt's text from its phrases."""
    if parts.interaction:
        main = f"{parts.interaction} {parts.setting}"
    else:
        if parts.countable:
            phrase, verb = f"{parts.number} {parts.countable}", "are"
        elif len(parts.entities) == 2:
            phrase, verb = " and ".join(parts.entities), "are"
        else:
            phrase, verb = parts.entities[0], "is"
        main = f"{phrase} {verb} {parts.action} {parts.setting}"
        if parts.text:
            main += f', {parts.text[0]} "{parts.text[1]}"'
    if parts.sequence:
        main += f", before {parts.sequence}"
    elif parts.transformation:
        main += f", {parts.transformation}"
    return f"{main[0].upper()}{main[1:]}. {parts.camera} {parts.style}"


def write_prompt(cell: pd.Series, rng: np.random.Generator) -> str:
    """One prompt for one axis combination (phrases drawn with `rng`)."""
    return render(draw_parts(cell, rng))


def _the(phrase: str) -> str:
    """'a red fox' -> 'the red fox' (a named subject referred to again)."""
    for article in ("a ", "an "):
        if phrase.startswith(article):
            return "the " + phrase[len(article) :]
    return phrase


def questions(parts: PromptParts) -> list[dict]:
    """The prompt's atomic yes/no questions with their parents, from its phrases alone (no language
    model): evalsuite/judge/questions.py's format."""
    out: list[dict] = []

    def ask(kind: str, text: str, parents: tuple[str, ...] = ()) -> str:
        qid = f"q{len(out) + 1}"
        out.append({"id": qid, "type": kind, "text": text, "parents": list(parents)})
        return qid

    if parts.interaction:
        subject = (ask("action", f"Does the video show {parts.interaction}?"),)
    elif parts.countable:
        present = ask("entity", f"Are there {parts.countable}?")
        ask("count", f"Are there exactly {parts.number} {parts.countable}?", (present,))
        subject = (present,)
        ask("action", f"Are the {parts.countable} {parts.action}?", subject)
    else:
        subject = tuple(ask("entity", f"Is there {entity}?") for entity in parts.entities)
        who = " and ".join(_the(e) for e in parts.entities)
        verb = "Are" if len(parts.entities) == 2 else "Is"
        ask("action", f"{verb} {who} {parts.action}?", subject)
    ask("scene", f"Does the video take place {parts.setting}?")
    if parts.text:
        ask("text", f'Is the text "{parts.text[1]}" visible in the video?')
    if parts.sequence:
        ask("order", f"Later in the video, does the subject finish by {parts.sequence}?", subject)
    if parts.transformation:
        change = parts.transformation.split(" ", 1)[1]  # without its "while" / "as"
        ask("order", f"Over the course of the video, {change}: does this happen?")
    ask("camera", words.CAMERA_QUESTIONS[parts.camera])
    ask("style", words.STYLE_QUESTIONS[parts.style])
    return out


def generate(size: int = SIZE, seed: int = SEED, max_similarity: float = MAX_SIMILARITY) -> pd.DataFrame:
    """The suite as a table (COLUMNS), in design order."""
    return generate_with_parts(size, seed, max_similarity)[0]


def generate_with_parts(
    size: int = SIZE, seed: int = SEED, max_similarity: float = MAX_SIMILARITY
) -> tuple[pd.DataFrame, list[PromptParts]]:
    """The suite as a table (COLUMNS), in design order, and each prompt's phrases."""
    table = design(size, seed)
    prompts, seen, drawn = [], [], []
    for k, cell in table.iterrows():
        rng = np.random.default_rng([seed, k])
        for _attempt in range(200):
            parts = draw_parts(cell, rng)
            text = render(parts)
            grams = bigrams(text)
            if all(jaccard(grams, other) <= max_similarity for other in seen):
                break
        else:
            raise RuntimeError(
                f"prompt {k}: no draw below similarity {max_similarity}; extend the word lists"
            )
        prompts.append(text)
        seen.append(grams)
        drawn.append(parts)
    width = len(str(size))
    table.insert(0, "category", table["subject"])
    table.insert(0, "prompt", prompts)
    table.insert(0, "prompt_id", [f"s{k + 1:0{width}d}" for k in range(size)])
    return table[COLUMNS], drawn


def write_suite(path: str | Path, size: int = SIZE, seed: int = SEED) -> Path:
    path = Path(path)
    generate(size, seed).to_csv(path, index=False, lineterminator="\n")
    return path


def balance_tables(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts per axis value, and min-max counts over the cells of every pair of axes."""
    per_value = pd.DataFrame(
        [
            {"axis": a, "value": v, "prompts": int((table[a] == v).sum())}
            for a, values in AXES.items()
            for v in values
        ]
    )
    rows = []
    for a, b in combinations(AXES, 2):
        counts = pd.crosstab(table[a], table[b]).reindex(
            index=list(AXES[a]), columns=list(AXES[b]), fill_value=0
        )
        rows.append({"axes": f"{a} × {b}", "cells": counts.size, "min": int(counts.min().min()),
                     "max": int(counts.max().max())})  # fmt: skip
    return per_value, pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="prompts/structured_1533.csv")
    parser.add_argument("--size", type=int, default=SIZE)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    print(write_suite(args.out, args.size, args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
