"""What a comparison reads: the score tables of several systems over one prompt set, checked.

Two ways in, one result (`ComparisonData`), so the joint job and the `compare` command write the same
tables byte for byte:

* the joint job (`compare.systems` in one eval run) hands over its score table and manifest;
* `hyvideo-eval compare RUN_DIR ...` reads finished run folders (scores.parquet, manifest.parquet and
  run.json, the run's identity card) without recomputing anything.

Checks, each one line naming the run folder and the fix (`ComparisonError`): a folder without scores
or without run.json; runs over different prompt sets (file sha256) or different subsets of one
(prompts.limit); a metric scored with different versions; two systems with one name; a system with no
usable video at all. Metrics that not every run scored are left out and named in a note.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from evalsuite.errors import SuiteError

RUN_IDENTITY = "run.json"
RUN_PROMPTS = "prompts.csv"  # the prompts a run scored, with their axis columns
SCORE_COLUMNS = ["system", "prompt_id", "category", "metric", "metric_version", "value", "status", "error"]


class ComparisonError(SuiteError):
    """Inputs that cannot be compared as they are."""


def prompts_digest(table: pd.DataFrame) -> str:
    """sha256 of the prompts a run used (ids and texts, in order): two runs over the same file but
    different `prompts.limit` subsets differ here."""
    text = "\n".join(f"{i}\t{p}" for i, p in zip(table["prompt_id"], table["prompt"], strict=True))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class PromptSetIdentity:
    name: str
    file_sha256: str | None
    prompts_sha256: str
    n_prompts: int

    @classmethod
    def of(cls, prompt_set) -> PromptSetIdentity:
        return cls(prompt_set.name, prompt_set.sha256, prompts_digest(prompt_set.table), len(prompt_set))


def write_run_identity(
    out_dir: Path,
    prompt_set: PromptSetIdentity,
    systems: list[str],
    scores: pd.DataFrame,
    warnings: list[str],
    prompts=None,
    networks: dict[str, str] | None = None,
    code_version: str | None = None,
) -> None:
    """run.json: what the compare command checks before it combines runs (prompt set, metric versions,
    the sha256 of every network file the scores came from), the code version and the warnings it
    repeats; prompts.csv: the prompts with their axes (`prompts` is the run's PromptSet), for
    breakdowns."""
    from evalsuite.data.atomic import write_csv_atomic, write_text_atomic

    versions = dict(sorted(scores[["metric", "metric_version"]].drop_duplicates().itertuples(index=False)))
    axes = list(prompts.axes) if prompts is not None else []
    identity = {
        "prompt_set": prompt_set.__dict__, "systems": systems, "metric_versions": versions, "warnings": warnings,
        "axes": axes, "networks": dict(sorted((networks or {}).items())), "code_version": code_version,
    }  # fmt: skip
    if prompts is not None:
        write_csv_atomic(out_dir / RUN_PROMPTS, prompts.table[["prompt_id", "prompt", "category", *axes]])
    write_text_atomic(out_dir / RUN_IDENTITY, json.dumps(identity, indent=2, sort_keys=True) + "\n")


@dataclass
class ComparisonData:
    """Scores of every system, tidy and sorted; frame counts per video; the prompt set they share."""

    scores: pd.DataFrame  # SCORE_COLUMNS, sorted by system order, prompt_id, metric
    frames: pd.DataFrame  # system, prompt_id, frames
    systems: list[str]
    prompt_set: PromptSetIdentity
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # the runs' own (random weights, synthetic videos)
    prompts: pd.DataFrame | None = None  # prompt_id and the axis columns, for breakdowns
    axes: tuple[str, ...] = ()
    networks: dict[str, str] = field(default_factory=dict)  # network -> sha256 of its weight file
    parts: pd.DataFrame | None = None  # what metrics with parts counted (scores_parts.csv), per system

    @classmethod
    def of(
        cls,
        scores: pd.DataFrame,
        manifest: pd.DataFrame,
        systems: list[str],
        identity: PromptSetIdentity,
        notes: list[str] | None = None,
        where: str = "this run",
        warnings: list[str] | None = None,
        prompt_set=None,
        prompts: pd.DataFrame | None = None,
        axes: tuple[str, ...] = (),
        networks: dict[str, str] | None = None,
        parts: pd.DataFrame | None = None,
    ) -> ComparisonData:
        """From a score table and a manifest (column `model` names the system) of the given systems;
        the prompts' axes from `prompt_set` (a PromptSet) or from `prompts` and `axes`."""
        duplicated = sorted({s for s in systems if systems.count(s) > 1})
        if duplicated:
            raise ComparisonError(
                f"{where}: system name(s) {duplicated} are used twice; give every system its own name"
            )
        table = scores.rename(columns={"model": "system"})
        table = table[table["system"].isin(systems)]
        order = {s: k for k, s in enumerate(systems)}
        table = (
            table.assign(_order=table["system"].map(order))
            .sort_values(["_order", "prompt_id", "metric"], kind="stable")[SCORE_COLUMNS]
            .reset_index(drop=True)
        )
        table = table.astype({"value": float, "metric_version": str})
        for system in systems:
            ok = table[(table["system"] == system) & (table["status"] == "ok")]
            if ok.empty:
                raise ComparisonError(
                    f"{where}: system {system!r} has no usable video (no metric scored any of its videos); "
                    "check its manifest's status/error columns, or leave it out of the comparison"
                )
        frames = manifest.rename(columns={"model": "system"})
        frames = frames.loc[frames["system"].isin(systems), ["system", "prompt_id", "frames"]]
        frames = frames.drop_duplicates(["system", "prompt_id"], keep="last")
        frames = frames.assign(_order=frames["system"].map(order)).sort_values(["_order", "prompt_id"])
        frames = frames[["system", "prompt_id", "frames"]].reset_index(drop=True)
        warnings = list(dict.fromkeys(warnings or []))  # one line once, however many runs repeat it
        if prompt_set is not None:
            axes = tuple(prompt_set.axes)
            prompts = prompt_set.table[["prompt_id", *axes]]
        if prompts is not None:
            prompts = prompts[["prompt_id", *axes]].fillna("").astype(str).reset_index(drop=True)
        if parts is not None:
            parts = parts[parts["model"].isin(systems)].reset_index(drop=True)
        return cls(
            table, frames, list(systems), identity, list(notes or []), warnings, prompts, tuple(axes),
            dict(sorted((networks or {}).items())), parts if parts is not None and len(parts) else None,
        )  # fmt: skip

    @property
    def metrics(self) -> list[str]:
        return sorted(self.scores["metric"].unique())


def _read_run(folder: Path) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    if not folder.is_dir():
        raise ComparisonError(
            f"{folder}: no such run folder; give the folders eval runs wrote (reports/<run_id>)"
        )
    scores_path, identity_path = folder / "scores.parquet", folder / RUN_IDENTITY
    if not scores_path.is_file():
        raise ComparisonError(
            f"{folder}: no scores.parquet, so not a finished eval run; run `nox -s eval` for it first"
        )
    if not identity_path.is_file():
        raise ComparisonError(
            f"{folder}: no {RUN_IDENTITY} (written by eval runs since the comparison was added); rerun the "
            "same `nox -s eval` command once: finished videos and scores are reused"
        )
    try:
        identity = json.loads(identity_path.read_text())
        scores = pd.read_parquet(scores_path)
        manifest = pd.read_parquet(folder / "manifest.parquet")
    except Exception as err:  # json, pyarrow and OS errors: the folder is damaged
        raise ComparisonError(
            f"{folder}: cannot read the run ({type(err).__name__}: {str(err).splitlines()[0]}); rerun it"
        ) from None
    return identity, scores, manifest


PARTS_FILE = "scores_parts.csv"  # beside a run's scores (evalsuite/pipeline/score.py)
# The VLM judge's services (evalsuite/metrics/features.py SERVICE_NAMES): identities, not weight files.
JUDGE_SERVICES = ("vlm_judge", "judge_questions_file")


def same_networks(runs: list[tuple[Path, dict]]) -> dict[str, str]:
    """The networks of every run with the sha256 of the file each ran with; runs that scored with
    different files of one network are refused (their values are not comparable), in one line naming
    the network and both hashes. Runs written before run.json recorded networks have none to check."""
    seen: dict[str, tuple[str, Path]] = {}
    for folder, identity in runs:
        for network, sha in (identity.get("networks") or {}).items():
            first = seen.setdefault(network, (sha, folder))
            if first[0] != sha and network in JUDGE_SERVICES:
                raise ComparisonError(
                    f"{network}: the runs were judged differently ({first[1]}: {first[0]}, {folder}: {sha}); "
                    "judge both with the same judge.model, frame settings and question file"
                )
            if first[0] != sha:
                raise ComparisonError(
                    f"network {network} ran with different weight files: {first[1]} sha256 {first[0][:12]}…, "
                    f"{folder} sha256 {sha[:12]}…; rescore one run with the other's file "
                    f"(weights.networks.{network}.path) so both measure with the same network"
                )
    return {network: sha for network, (sha, _) in sorted(seen.items())}


def load_runs(folders: list[str | Path]) -> ComparisonData:
    """Combine finished run folders into one comparison (systems in the order of the folders)."""
    if not folders:
        raise ComparisonError("name at least one run folder (two systems or more in all)")
    runs = [(Path(f).expanduser(), *_read_run(Path(f).expanduser())) for f in folders]
    first_dir, first, _, _ = runs[0]
    want = first["prompt_set"]
    owner: dict[str, Path] = {}
    versions: dict[str, dict[str, str]] = {}
    for folder, identity, _, _ in runs:
        have = identity["prompt_set"]
        if have["file_sha256"] != want["file_sha256"] or have["name"] != want["name"]:
            raise ComparisonError(
                f"{folder}: prompt set {have['name']!r} (sha256 {str(have['file_sha256'])[:12]}…) differs from "
                f"{first_dir}'s {want['name']!r} (sha256 {str(want['file_sha256'])[:12]}…); compare runs over one prompt set"
            )
        if have["prompts_sha256"] != want["prompts_sha256"]:
            raise ComparisonError(
                f"{folder}: scored {have['n_prompts']} prompts of {have['name']!r}, {first_dir} scored another "
                f"selection ({want['n_prompts']}); rerun both with the same prompts.limit and prompts.seed"
            )
        for system in identity["systems"]:
            if system in owner:
                raise ComparisonError(
                    f"system {system!r} is in both {owner[system]} and {folder}; rename one "
                    "(model.name) or give the folders of different systems"
                )
            owner[system] = folder
        for metric, version in identity["metric_versions"].items():
            versions.setdefault(metric, {})[str(folder)] = str(version)
    networks = same_networks([(folder, identity) for folder, identity, _, _ in runs])
    for metric, by_run in versions.items():
        if len(set(by_run.values())) > 1:
            listed = ", ".join(f"{run}: v{v}" for run, v in by_run.items())
            raise ComparisonError(
                f"metric {metric} was scored with different versions ({listed}); rerun the older runs "
                "so every run uses the same definition"
            )
    common = [m for m, by_run in versions.items() if len(by_run) == len(runs)]
    notes = []
    dropped = sorted(set(versions) - set(common))
    if dropped:
        notes.append(
            f"left out because not every run scored them: {', '.join(dropped)} "
            "(add them to every run's metrics.names to compare on them)"
        )
    systems = [s for _, identity, _, _ in runs for s in identity["systems"]]
    scores = pd.concat([s for _, _, s, _ in runs], ignore_index=True)
    manifest = pd.concat([m for _, _, _, m in runs], ignore_index=True)
    prompt_set = PromptSetIdentity(**want)
    warnings = [w for _, identity, _, _ in runs for w in identity.get("warnings", [])]
    axes = tuple(first.get("axes", []))
    prompts_file = first_dir / RUN_PROMPTS
    prompts = (
        pd.read_csv(prompts_file, dtype=str, keep_default_na=False)
        if axes and prompts_file.is_file()
        else None
    )
    parts = [
        pd.read_csv(f / PARTS_FILE, dtype={"prompt_id": str}) for f, *_ in runs if (f / PARTS_FILE).is_file()
    ]
    return ComparisonData.of(
        scores[scores["metric"].isin(common)], manifest, systems, prompt_set, notes, str(first_dir), warnings,
        prompts=prompts, axes=axes if prompts is not None else (), networks=networks,
        parts=pd.concat(parts, ignore_index=True) if parts else None,
    )  # fmt: skip
