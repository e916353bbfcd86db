"""Prompt sets: rows of (prompt_id, prompt, optional category, optional metadata).

Loaders read CSV, JSON, JSONL and TXT into one tidy table. Every prompt set is validated on load:
missing columns, empty prompts and duplicated prompt IDs are errors naming the file; duplicated prompt
*texts* are allowed (the public Penguin benchmark has one) but reported, each duplicate row pointing at
the first row with the same text in `duplicate_of`, and `dedupe()` drops them.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from evalsuite.errors import PromptSetError

log = logging.getLogger(__name__)

FORMATS = ("csv", "json", "jsonl", "txt")
ID_ALIASES = ("prompt_id", "id", "idx", "index")
PROMPT_ALIASES = ("prompt", "text", "caption", "prompt_en")
CATEGORY_ALIASES = ("category", "dimension", "class", "type")
CORE_COLUMNS = ["prompt_id", "prompt", "category"]


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def sha256_files(folder: Path, files: Iterable[Path]) -> str:
    """sha256 of several files under `folder`: of their sorted "relative path:file sha256" lines (a
    folder of video frames, a public suite given as a folder of prompt files)."""
    digest = hashlib.sha256()
    for file in sorted(files):
        digest.update(f"{file.relative_to(folder)}:{sha256_file(file)}\n".encode())
    return digest.hexdigest()


@dataclass
class PromptSet:
    """A validated prompt table with the file it came from.

    `table` columns: prompt_id (str, unique), prompt (str), category (str or NA), duplicate_of (str or NA),
    then any metadata columns of the source.
    """

    name: str
    table: pd.DataFrame
    source: Path | None = None
    sha256: str | None = None
    #: Columns that tag each prompt along an axis (subject, motion, ...): subsets are stratified over
    #: all of them and reports break every score down by each. Empty: the category alone.
    axes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.table)

    @property
    def duplicates(self) -> pd.DataFrame:
        """Rows whose prompt text repeats an earlier row's."""
        return self.table[self.table["duplicate_of"].notna()]

    def dedupe(self) -> PromptSet:
        """Drop rows whose prompt text repeats an earlier row's (the first occurrence is kept)."""
        return PromptSet(
            self.name,
            self.table[self.table["duplicate_of"].isna()].reset_index(drop=True),
            self.source,
            self.sha256,
            self.axes,
        )

    def subset(self, limit: int | None, seed: int = 0) -> PromptSet:
        """A deterministic, seeded, stratified subset of `limit` rows, in the original order.

        Without axes: each category gets a share proportional to its size (largest remainders, ties by
        category name), and at least one row when `limit` >= the number of categories; rows without a
        category form their own stratum. With axes: stratified over every axis at once (see
        `_subset_over_axes`). The same (file, limit, seed) always gives the same rows.
        """
        if limit is None or limit >= len(self.table):
            return self
        if limit < 1:
            raise PromptSetError(f"prompts.limit must be >= 1 or null, got {limit}")
        if self.axes:
            chosen = _subset_over_axes(self.table[list(self.axes)], limit, seed)
            table = self.table.iloc[chosen].reset_index(drop=True)
            return PromptSet(self.name, table, self.source, self.sha256, self.axes)
        strata = self.table["category"].fillna("").astype(str)
        sizes = strata.value_counts().sort_index()
        quotas = _allocate(sizes, limit)
        rng = np.random.default_rng(seed)
        chosen: list[int] = []
        for name in sizes.index:  # sorted: independent of the file's row order within categories
            members = np.flatnonzero((strata == name).to_numpy())
            chosen.extend(rng.permutation(members)[: quotas[name]].tolist())
        table = self.table.iloc[sorted(chosen)].reset_index(drop=True)
        return PromptSet(self.name, table, self.source, self.sha256, self.axes)

    def summary(self) -> str:
        cats = self.table["category"].dropna()
        by_cat = ", ".join(f"{k} {v}" for k, v in cats.value_counts().sort_index().items()) or "none"
        text = f"prompt set '{self.name}': {len(self)} prompts, {len(self.duplicates)} duplicated texts; categories: {by_cat}"
        if self.axes:
            sizes = ", ".join(f"{a} ({self.table[a].nunique()} values)" for a in self.axes)
            text += f"; axes: {sizes}"
        return text


def _subset_over_axes(axes: pd.DataFrame, limit: int, seed: int) -> list[int]:
    """Rows chosen one at a time, each time the one whose axis values are furthest below their share
    (the value's share of the whole set × limit), summed over all axes; ties go to the first row in a
    seeded random order. Every axis value then gets its share to within about one row, whatever the
    number of axes (a category-by-category quota cannot do that for six axes at once)."""
    codes = np.stack([pd.factorize(axes[a].fillna("(none)"), sort=True)[0] for a in axes.columns], axis=1)
    width = int(codes.max()) + 1
    shares = np.zeros((len(axes.columns), width))
    for k in range(len(axes.columns)):
        shares[k] = np.bincount(codes[:, k], minlength=width) / len(codes)
    order = np.random.default_rng(seed).permutation(len(codes))
    codes = codes[order]
    columns = np.arange(len(axes.columns))
    counts = np.zeros_like(shares)
    free = np.ones(len(codes), dtype=bool)
    chosen = []
    for step in range(1, limit + 1):
        deficit = (shares * step - counts)[columns, codes].sum(1)
        deficit[~free] = -np.inf
        best = int(np.argmax(deficit))
        free[best] = False
        counts[columns, codes[best]] += 1
        chosen.append(int(order[best]))
    return sorted(chosen)


def _allocate(sizes: pd.Series, limit: int) -> dict[str, int]:
    total = int(sizes.sum())
    exact = sizes.astype(float) * limit / total
    quotas = np.floor(exact).astype(int)
    if limit >= len(sizes):
        quotas = quotas.clip(lower=1)
    remainder = exact - np.floor(exact)
    order = sorted(sizes.index, key=lambda k: (-remainder[k], k))
    while quotas.sum() < limit:
        for name in order:
            if quotas.sum() >= limit:
                break
            if quotas[name] < sizes[name]:
                quotas[name] += 1
    while quotas.sum() > limit:  # the at-least-one rule overshot: take back from the largest strata
        name = max(order, key=lambda k: (quotas[k], k))
        quotas[name] -= 1
    return {k: int(v) for k, v in quotas.items()}


def detect_format(path: Path, fmt: str = "auto") -> str:
    if fmt != "auto":
        if fmt not in FORMATS:
            raise PromptSetError(
                f"{path}: unknown prompt file format {fmt!r}; valid: auto, {', '.join(FORMATS)}"
            )
        return fmt
    suffix = path.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise PromptSetError(
        f"{path}: cannot tell the prompt file format from the suffix {path.suffix!r}; set prompts.format to one of {', '.join(FORMATS)}"
    )


def _read_raw(path: Path, fmt: str) -> pd.DataFrame:
    try:
        if fmt == "csv":
            return pd.read_csv(path, dtype=str, keep_default_na=False)
        if fmt == "jsonl":
            rows = [
                json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
            ]
            return pd.DataFrame(rows)
        if fmt == "json":
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                data = data.get("prompts", data)
            if isinstance(data, dict):  # {"id": "prompt", ...}
                data = [{"prompt_id": k, "prompt": v} for k, v in data.items()]
            if not isinstance(data, list):
                raise PromptSetError(
                    f"{path}: JSON prompt file must hold a list of objects or {{'prompts': [...]}}"
                )
            return pd.DataFrame([{"prompt": d} if isinstance(d, str) else d for d in data])
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        prompts = [line for line in lines if line]
        width = max(4, len(str(len(prompts))))
        return pd.DataFrame(
            {"prompt_id": [str(i).zfill(width) for i in range(len(prompts))], "prompt": prompts}
        )
    except PromptSetError:
        raise
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise PromptSetError(f"{path}: cannot parse as {fmt} ({str(err).splitlines()[0]})") from err


def _pick(
    columns: list[str], wanted: str | None, aliases: tuple[str, ...], path: Path, role: str, required: bool
) -> str | None:
    if wanted:
        if wanted not in columns:
            raise PromptSetError(f"{path}: no column {wanted!r} for the {role}; columns are {columns}")
        return wanted
    lowered = {c.lower().strip(): c for c in columns}
    for alias in aliases:
        if alias in lowered:
            return lowered[alias]
    if role == "prompt id" and columns and (columns[0] == "" or columns[0].startswith("Unnamed")):
        return columns[0]  # pandas-style index column, as in the Penguin benchmark's ",prompt" header
    if required:
        raise PromptSetError(
            f"{path}: no {role} column (looked for {', '.join(aliases)}); columns are {columns}: set prompts.{role.replace(' ', '_')}_column"
        )
    return None


def load_prompt_set(
    path: str | Path,
    *,
    name: str | None = None,
    fmt: str = "auto",
    id_column: str | None = None,
    prompt_column: str | None = None,
    category_column: str | None = None,
    sha256: str | None = None,
    verify_checksum: bool = True,
    source_hint: str | None = None,
    axes: tuple[str, ...] = (),
    loader: str = "table",
) -> PromptSet:
    """Load and validate a prompt file; with `sha256`, verify the file first (unless told not to).
    `loader`: "table" for CSV/JSON/JSONL/TXT with the columns described in prompts/README.md, or a
    public suite's own format (evalsuite/data/public_suites.py), whose mapped axes are used."""
    path = Path(path).expanduser()
    hint = f" ({source_hint})" if source_hint else ""
    if loader != "table":
        from evalsuite.data.public_suites import load_public_suite

        raw, found_axes = load_public_suite(loader, path)
        digest = (
            sha256_file(path)
            if path.is_file()
            else sha256_files(path, (p for p in path.rglob("*") if p.is_file()))
        )
        return _prompt_set(
            raw, path, name or loader, digest, "prompt_id", "prompt", "category", axes or found_axes
        )
    if not path.is_file():
        raise PromptSetError(f"{path}: prompt file not found{hint}")
    digest = sha256_file(path)
    if sha256 and digest != sha256.lower():
        if verify_checksum:
            raise PromptSetError(
                f"{path}: sha256 is {digest[:12]}…, expected {sha256[:12]}… — not the published file{hint}; "
                "re-download it, or set prompts.verify_checksum=false to use a modified copy on purpose"
            )
        log.warning(
            "%s: sha256 %s does not match the published %s; using it anyway (verify_checksum=false)",
            path,
            digest,
            sha256,
        )
    raw = _read_raw(path, detect_format(path, fmt))
    if raw.empty:
        raise PromptSetError(f"{path}: the prompt file has no rows")
    columns = [str(c) for c in raw.columns]
    raw.columns = columns
    prompt_col = _pick(columns, prompt_column, PROMPT_ALIASES, path, "prompt", required=True)
    id_col = _pick(
        [c for c in columns if c != prompt_col], id_column, ID_ALIASES, path, "prompt id", required=False
    )
    cat_col = _pick(columns, category_column, CATEGORY_ALIASES, path, "category", required=False)
    return _prompt_set(raw, path, name or path.stem, digest, id_col, prompt_col, cat_col, tuple(axes))


def _prompt_set(
    raw: pd.DataFrame,
    path: Path,
    name: str,
    digest: str,
    id_col,
    prompt_col: str,
    cat_col,
    axes: tuple[str, ...],
) -> PromptSet:
    missing = [a for a in axes if a not in raw.columns]
    if missing:
        raise PromptSetError(
            f"{path}: no column(s) {missing} for prompts.axes; the file's columns are {list(raw.columns)}"
        )
    table = pd.DataFrame(
        {
            "prompt_id": raw[id_col].astype(str).str.strip() if id_col else [str(i) for i in range(len(raw))],
            "prompt": raw[prompt_col].astype(str).str.strip(),
            "category": raw[cat_col].astype("string").str.strip().replace("", pd.NA).astype(object)
            if cat_col
            else pd.NA,
        }
    )
    _validate(table, path)
    first_id_of_text = table.groupby("prompt", sort=False)["prompt_id"].transform("first")
    table["duplicate_of"] = first_id_of_text.where(first_id_of_text != table["prompt_id"], pd.NA)
    metadata = raw.drop(columns=[c for c in (id_col, prompt_col, cat_col) if c])
    table = pd.concat([table, metadata.reset_index(drop=True)], axis=1)
    prompt_set = PromptSet(name, table, path, digest, tuple(axes))
    if len(prompt_set.duplicates):
        dup = prompt_set.duplicates.iloc[0]
        log.warning(
            "%s: %d prompt text(s) appear more than once (e.g. id %s repeats id %s); both rows keep their ids. "
            "Set prompts.dedupe=true to drop the repeats.",
            path,
            len(prompt_set.duplicates),
            dup["prompt_id"],
            dup["duplicate_of"],
        )
    return prompt_set


def _validate(table: pd.DataFrame, path: Path) -> None:
    empty = table["prompt"].eq("") | table["prompt"].str.lower().isin(["nan", "none"])
    if empty.any():
        ids = table.loc[empty, "prompt_id"].head(5).tolist()
        raise PromptSetError(
            f"{path}: {int(empty.sum())} row(s) have an empty prompt (ids {ids}): fill or delete them"
        )
    blank_ids = table["prompt_id"].eq("")
    if blank_ids.any():
        raise PromptSetError(
            f"{path}: {int(blank_ids.sum())} row(s) have an empty prompt id: give every row an id"
        )
    dup_ids = table["prompt_id"][table["prompt_id"].duplicated()].unique().tolist()
    if dup_ids:
        raise PromptSetError(
            f"{path}: duplicate prompt ids {dup_ids[:5]}{' …' if len(dup_ids) > 5 else ''}: every prompt id must be unique"
        )
    bad = table["prompt_id"].str.contains(r"[/\\]|^\.\.?$", regex=True)
    if bad.any():
        raise PromptSetError(
            f"{path}: prompt ids {table.loc[bad, 'prompt_id'].head(3).tolist()} contain a path separator; ids name video files, so use letters, digits, '-' and '_'"
        )
