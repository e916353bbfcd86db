"""Structured configs: the typed shape of every config group, checked when a config is composed.

The YAML files under `conf/` give the values; these dataclasses say which keys exist, their types and
their allowed values. `evalsuite.config.loader` merges each composed group into its dataclass, so an
unknown key, a wrong type or a bad choice fails at start-up with one line, before any work is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING

from evalsuite.errors import ConfigError

DEVICES = ("cpu", "cuda", "auto")
DTYPES = ("float32", "bfloat16", "float16")
REPORT_FORMATS = ("markdown", "csv")


def _choice(key: str, value: str, valid: tuple[str, ...]) -> None:
    if value not in valid:
        raise ConfigError(f"{key}={value!r} is not valid; choose one of: {', '.join(valid)}")


@dataclass
class VideosDirModelConfig:
    """Videos made by any system, ingested from a folder (see conf/model/videos_dir.yaml)."""

    kind: str = "videos_dir"
    name: str = MISSING
    dir: str = MISSING
    mapping_csv: str | None = None
    frames_fps: float = 24.0
    synthesize: bool = False

    def __post_init__(self) -> None:
        if self.frames_fps <= 0:
            raise ConfigError(f"model.frames_fps must be positive, got {self.frames_fps}")
        if not self.name or any(c in self.name for c in "/\\"):
            raise ConfigError(f"model.name={self.name!r} must be non-empty and contain no path separator")


MODEL_SCHEMAS: dict[str, type] = {"videos_dir": VideosDirModelConfig}


@dataclass
class PromptsConfig:
    name: str = MISSING
    path: str = MISSING
    format: str = "auto"
    id_column: str | None = None
    prompt_column: str | None = None
    category_column: str | None = None
    sha256: str | None = None
    verify_checksum: bool = True
    source_hint: str | None = None
    dedupe: bool = False
    limit: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        _choice("prompts.format", self.format, ("auto", "csv", "json", "jsonl", "txt"))
        if self.limit is not None and self.limit < 1:
            raise ConfigError(f"prompts.limit must be >= 1 or null, got {self.limit}")


@dataclass
class MetricsConfig:
    names: list[str] = field(default_factory=lambda: ["temporal_flickering"])

    def __post_init__(self) -> None:
        from evalsuite.metrics import METRICS

        unknown = [n for n in self.names if n not in METRICS]
        if unknown:
            raise ConfigError(
                f"metrics.names: unknown metric(s) {unknown}; registered: {', '.join(sorted(METRICS))}"
            )
        if not self.names:
            raise ConfigError("metrics.names is empty: name at least one metric")


@dataclass
class HumanConfig:
    """Human ratings to aggregate (evalsuite/human); `ratings: null` skips the human stage."""

    ratings: str | None = None  # absolute judgements, CSV or Parquet
    pairwise: str | None = None  # GSB judgements; without them the pairwise model uses the absolute verdicts
    published: str | None = None  # a published comparison table merged into the report
    scale: str = "binary"
    pass_threshold: int = 4
    criteria: list[str] = field(
        default_factory=lambda: ["text_alignment", "motion_quality", "visual_quality"]
    )
    models: list[str] | None = None  # when given, any other model in a ratings file is an error
    primary: str = "overall"
    test: str = "mcnemar"
    alpha: float = 0.05
    n_resamples: int = 1000
    elo_baseline: str | None = None
    seed: int = 0
    scores: list[str] = field(default_factory=list)  # more automatic score tables to correlate with
    output_dir: str = MISSING

    def __post_init__(self) -> None:
        _choice("human.scale", self.scale, ("binary", "likert"))
        _choice("human.test", self.test, ("mcnemar", "bootstrap"))
        _choice("human.primary", self.primary, (*self.criteria, "overall"))
        if not 0 < self.alpha < 1:
            raise ConfigError(f"human.alpha must lie in (0, 1), got {self.alpha}")
        if self.n_resamples < 0:
            raise ConfigError(f"human.n_resamples must be >= 0, got {self.n_resamples}")
        if not 1 <= self.pass_threshold <= 5:
            raise ConfigError(f"human.pass_threshold must be a Likert score 1-5, got {self.pass_threshold}")


@dataclass
class ReportConfig:
    formats: list[str] = field(default_factory=lambda: list(REPORT_FORMATS))
    title: str | None = None

    def __post_init__(self) -> None:
        for fmt in self.formats:
            _choice("report.formats", fmt, REPORT_FORMATS)


@dataclass
class RuntimeConfig:
    device: str = "cpu"
    dtype: str = "float32"
    workers: int = 0
    cache_dir: str = "~/.cache/hyvideo-eval"
    output_dir: str = MISSING
    progress: bool = True

    def __post_init__(self) -> None:
        if not (self.device in DEVICES or self.device.startswith("cuda:")):
            raise ConfigError(
                f"runtime.device={self.device!r} is not valid; choose one of: cpu, cuda, cuda:N, auto"
            )
        _choice("runtime.dtype", self.dtype, DTYPES)
        if self.workers < 0:
            raise ConfigError(f"runtime.workers must be >= 0, got {self.workers}")


@dataclass
class EvalConfig:
    """The whole composed config, typed. `model` is one of MODEL_SCHEMAS, chosen by its `kind`."""

    model: VideosDirModelConfig
    prompts: PromptsConfig
    metrics: MetricsConfig
    human: HumanConfig
    report: ReportConfig
    runtime: RuntimeConfig
    run_id: str
    choices: dict[str, str] = field(default_factory=dict)
    resolved: dict = field(default_factory=dict)


GROUP_SCHEMAS: dict[str, type] = {
    "prompts": PromptsConfig,
    "metrics": MetricsConfig,
    "human": HumanConfig,
    "report": ReportConfig,
    "runtime": RuntimeConfig,
}
