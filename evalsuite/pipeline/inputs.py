"""Every side file of a run, read and checked before any video is generated or scored.

A run's side files are what it reads besides its videos: the published rows and the human ratings a
comparison shows, the human stage's ratings, pairwise judgements, published table and extra score
tables, the reference set of the set-level metrics, and the VLM judge's question file. Each is read
here once, with the checks its stage would make (names, columns, values) plus those that need the
whole run (a comparison's ratings must name the compared systems; the question file must cover every
prompt), and handed to its stage, so a misnamed file stops the job in seconds with its one-line error
instead of after the scoring.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from evalsuite.compare.human import check_rated_names
from evalsuite.compare.published import load_published
from evalsuite.config.schema import CompareConfig, EvalConfig, HumanConfig
from evalsuite.human.analysis import load_published as load_human_published
from evalsuite.human.ratings import PairwiseRatings, Ratings, RatingsError, load_absolute, load_pairwise


@dataclass
class HumanInputs:
    """The human stage's files, read and validated (`read_human`)."""

    ratings: Ratings
    pairwise: PairwiseRatings | None
    published: pd.DataFrame | None
    scores: list[pd.DataFrame]


@dataclass
class RunInputs:
    published: pd.DataFrame | None = None  # compare.published: rows of systems not run here
    comparison_ratings: Ratings | None = None  # human.ratings, shown beside a comparison's metrics
    human: HumanInputs | None = None  # the human stage's files
    reference: tuple | None = None  # the reference set's (name, jobs) for the set-level metrics


def read_score_table(path: str) -> pd.DataFrame:
    file = Path(path).expanduser()
    if not file.is_file():
        raise RatingsError(
            f"{file}: score table not found (human.scores lists scores.parquet files of eval runs)"
        )
    table = (
        pd.read_parquet(file) if file.suffix == ".parquet" else pd.read_csv(file, dtype={"prompt_id": str})
    )
    missing = [c for c in ("model", "prompt_id", "metric", "value", "status") if c not in table.columns]
    if missing:
        raise RatingsError(f"{file}: missing column(s) {missing}; is this an eval run's scores table?")
    return table


def read_human(cfg: HumanConfig) -> HumanInputs:
    """The files `human.*` names, each validated (ratings, pairwise, published table, score tables)."""
    if cfg.ratings is None:
        raise RatingsError(
            "no ratings to aggregate: set human.ratings=<ratings.csv|parquet> (with human=ratings)"
        )
    criteria = tuple(cfg.criteria)
    models = tuple(cfg.models) if cfg.models else None
    ratings = load_absolute(
        Path(cfg.ratings).expanduser(), scale=cfg.scale, pass_threshold=cfg.pass_threshold,
        criteria=criteria, models=models,
    )  # fmt: skip
    pairwise = (
        load_pairwise(Path(cfg.pairwise).expanduser(), criteria=criteria, models=models)
        if cfg.pairwise
        else None
    )
    published = (
        load_human_published(Path(cfg.published).expanduser(), [*criteria, "overall"])
        if cfg.published
        else None
    )
    return HumanInputs(ratings, pairwise, published, [read_score_table(p) for p in cfg.scores])


def read_published(options: CompareConfig, systems: list[str]) -> pd.DataFrame | None:
    """The published rows `options` names, checked against the registry and the measured systems."""
    from evalsuite.metrics import METRICS

    if not options.published:
        return None
    return load_published(options.published, set(METRICS), systems, options.published_systems)


def comparison_ratings(human: HumanConfig) -> Ratings:
    """The absolute ratings a comparison shows beside its metrics (every model the file rates)."""
    return load_absolute(
        Path(human.ratings).expanduser(), scale=human.scale, pass_threshold=human.pass_threshold,
        criteria=tuple(human.criteria),
    )  # fmt: skip


def check_questions(cfg: EvalConfig, path: Path) -> None:
    """The question file reads and covers every prompt of the run, else its one-line error."""
    from evalsuite.judge.questions import QuestionFileError, load_questions
    from evalsuite.pipeline.prompts import load_prompts

    questions = load_questions(path)
    table = load_prompts(cfg.prompts).table
    missing = [
        (p.prompt_id, p.prompt)
        for p in table.itertuples()
        if " ".join(p.prompt.split()) not in questions.prompts
    ]
    if missing:
        first = f"{missing[0][0]}: {missing[0][1][:50]!r}"
        raise QuestionFileError(
            f"{path}: no questions for {len(missing)} of the run's {len(table)} prompts (e.g. {first}); "
            "write them with `hyvideo-eval judge questions` or point judge.questions at this prompt set's file"
        )


def check_inputs(cfg: EvalConfig) -> RunInputs:
    """Read and check every side file of the run (module docstring); raises the file's one-line error."""
    inputs = RunInputs()
    systems = [m.name for m in cfg.systems]
    if cfg.distribution.names:
        from evalsuite.pipeline.distribution import check_set_names, reference_jobs

        check_set_names(cfg.distribution.names)
        inputs.reference = reference_jobs(cfg.distribution.reference)
    if "judge_questions" in cfg.metrics.names and cfg.judge.base_url:
        from evalsuite.judge.questions import question_file

        if questions := question_file(cfg.judge.questions, cfg.prompts.path):
            check_questions(cfg, questions)
    if cfg.human.ratings is not None:
        inputs.human = read_human(cfg.human)
    if cfg.is_comparison:
        inputs.published = read_published(cfg.compare, systems)
        if inputs.human is not None:
            # the same file, read once: `human.models` only refuses other names, so the table is the one
            # `comparison_ratings` would read
            inputs.comparison_ratings = inputs.human.ratings
            check_rated_names(inputs.comparison_ratings, systems)
    return inputs
