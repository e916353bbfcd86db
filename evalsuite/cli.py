"""Command-line entry points.

    hyvideo-eval [run] [OVERRIDE ...]   the eval job: prompts -> videos -> metrics -> report
    hyvideo-eval config [OVERRIDE ...]  print the composed, validated config
    hyvideo-eval prompts [OVERRIDE ...] load and validate the prompt set, print a summary
    hyvideo-eval metrics                list the registered metrics
    hyvideo-eval weights status         each metric network: present or missing, where, how to fix
    hyvideo-eval weights fetch [NAME..] download missing networks (all when no NAME) on a machine
                                        with internet, into weights.dir ($HYVIDEO_EVAL_WEIGHTS)
    hyvideo-eval compare RUN_DIR ...    compare the systems of finished runs, recomputing nothing
                                        (--out DIR, --published FILE, --ratings FILE; --help)
    hyvideo-eval human [OVERRIDE ...]   aggregate human ratings into a report folder
                                        (human=ratings human.ratings=FILE [human.published=FILE]
                                        [prompts=structured: pass rates per prompt axis])
    hyvideo-eval simulate-ratings ...   write a SYNTHETIC campaign with known true rates (--help)
    hyvideo-eval power RATE_A RATE_B    prompts needed to separate two pass rates (--help)
    hyvideo-eval regression [--update-golden | --baseline RUN --candidate RUN] [OVERRIDE ...]
                                        the regression gate (exit 1 when it fails; --help)
    hyvideo-eval slurm [OVERRIDE ...]   the eval job as Slurm job arrays through submitit: generation
                                        shards, eval shards, then the merge (runtime.slurm.*)
    hyvideo-eval score-shard runtime.eval_shard=i/n [OVERRIDE ...]
                                        score one part of a run whose videos are made
    hyvideo-eval plan [--machines K,..] [--frames N] [--size HxW] [--systems N] [OVERRIDE ...]
                                        a campaign's cost from a short calibration on this machine
    hyvideo-eval rate create|serve|export|report ...
                                        a human rating campaign: the web app (extra `app`; --help)
    hyvideo-generate [OVERRIDE ...]     the generation stage only: prompts -> videos + manifest

Overrides are Hydra's: `group=option` picks a config file, `group.key=value` sets a value. User errors
print one line (`hyvideo-eval: error: ...`) and exit 2; set HYVIDEO_EVAL_DEBUG=1 for the traceback.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Sequence

from omegaconf import OmegaConf

from evalsuite.config import compose, config_groups
from evalsuite.errors import SuiteError
from evalsuite.human.tools import power_main, simulate_ratings_main

log = logging.getLogger("evalsuite")


def _setup_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s", stream=sys.stderr)
    for noisy in ("httpx", "urllib3", "PIL", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _guarded(prog: str, body: Callable[[], int]) -> int:
    from evalsuite.scale.backends import register

    _setup_logging()
    register()  # the cluster backends runtime.backend may name (the pipeline imports none)
    try:
        return body()
    except SuiteError as err:
        if os.environ.get("HYVIDEO_EVAL_DEBUG"):
            raise
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            f"{prog}: interrupted; finished videos and scores are saved: rerun the same command to resume",
            file=sys.stderr,
        )
        return 130


def _run(overrides: Sequence[str]) -> int:
    from evalsuite.pipeline.run import run_eval

    result = run_eval(compose(overrides))
    ok = int((result.scores["status"] == "ok").sum())
    print(f"scored {ok} of {len(result.scores)} (video, metric) pairs; report in {result.paths.output_dir}")
    for name, path in result.report_files.items():
        print(f"  {name}: {path}")
    return 0


def _generate(overrides: Sequence[str]) -> int:
    from evalsuite.pipeline.run import run_generation

    _, manifest, _ = run_generation(compose(overrides))  # a shard's own manifest when sharded
    counts = manifest.table["status"].value_counts().to_dict()
    print(f"manifest {manifest.path}: {', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}")
    return 0


def _slurm(overrides: Sequence[str]) -> int:
    from evalsuite.scale.slurm import run_slurm

    result = run_slurm(compose(overrides))
    print(
        f"scored {int((result.scores['status'] == 'ok').sum())} of {len(result.scores)} (video, metric) pairs; report in {result.paths.output_dir}"
    )
    return 0


def _score_shard(overrides: Sequence[str]) -> int:
    from evalsuite.scale.shards import run_eval_shard

    table = run_eval_shard(compose(overrides)).table
    print(
        f"scored {int((table['status'] == 'ok').sum())} of {len(table)} (video, metric) pairs of this shard"
    )
    return 0


def _plan(args: Sequence[str]) -> int:
    from evalsuite.scale.plan import plan_main

    return plan_main(args)


def _rate(args: Sequence[str]) -> int:
    from evalsuite.rating.cli import rate_main

    return rate_main(args)


def _config(overrides: Sequence[str]) -> int:
    cfg = compose(overrides)
    print(f"# choices: {', '.join(f'{k}={v}' for k, v in cfg.choices.items())}")
    available = "; ".join(f"{group}: {', '.join(options)}" for group, options in config_groups().items())
    print(f"# available: {available}")
    print(OmegaConf.to_yaml(OmegaConf.create(cfg.resolved)), end="")
    return 0


def _prompts(overrides: Sequence[str]) -> int:
    from evalsuite.pipeline.prompts import load_prompts

    prompt_set = load_prompts(compose(overrides).prompts)
    print(prompt_set.summary())
    for row in prompt_set.duplicates.itertuples(index=False):
        print(f"  duplicate text: id {row.prompt_id} repeats id {row.duplicate_of}: {row.prompt[:70]!r}")
    return 0


def _human(overrides: Sequence[str]) -> int:
    from evalsuite.pipeline.human import run_human

    cfg = compose(overrides)
    prompt_axes = None
    if cfg.prompts.axes or cfg.prompts.loader != "table":  # a prompt set with axes: pass rates per axis value
        from evalsuite.pipeline.prompts import load_prompts

        prompt_set = load_prompts(cfg.prompts)
        prompt_axes = (prompt_set.table, prompt_set.axes)
    analysis, files = run_human(cfg.human, title=cfg.report.title, prompt_axes=prompt_axes)
    print(analysis.absolute.ranking.to_string(index=False))
    for note in [*analysis.notes, *analysis.warnings]:
        print(f"note: {note}")
    print(f"report: {files['report.html']}")
    return 0


def _metrics(_: Sequence[str]) -> int:
    from evalsuite.metrics import METRICS

    for name, cls in sorted(METRICS.items()):
        networks = f"  networks: {', '.join(cls.networks())}" if cls.networks() else ""
        print(f"{name} v{cls.version}  [{cls.criterion}]  {cls.reference}{networks}")
    return 0


def _weights(args: Sequence[str]) -> int:
    from evalsuite.weights import WeightsRegistry

    action = args[0] if args else "status"
    if action not in ("status", "fetch"):
        raise SuiteError(
            f"unknown weights action {action!r}; use `weights status` or `weights fetch [NAME ...]`"
        )
    names = [a for a in args[1:] if "=" not in a]
    registry = WeightsRegistry(compose([a for a in args[1:] if "=" in a]).weights)
    if action == "status":
        for row in registry.status():
            size = f"{row['size_mb']:g} MB" if row["size_mb"] else ""
            print(f"{row['network']:<22} {row['state']:<8} {size:>8}  {row['where'] or row['note']}")
        print(f"suite cache: {registry.dir}")
        return 0
    unknown = [n for n in names if n not in registry.names]
    if unknown:
        raise SuiteError(f"unknown network(s) {unknown}; known: {', '.join(registry.names)}")
    for name in names or registry.names:
        print(f"{name}: {registry.fetch(name)}")
    return 0


def _compare(args: Sequence[str]) -> int:
    from evalsuite.pipeline.compare import compare_main

    return compare_main(args)


def _judge(args: Sequence[str]) -> int:
    from evalsuite.pipeline.judge import judge_main

    return judge_main(args)


def _regression(args: Sequence[str]) -> int:
    from evalsuite.regression.cli import regression_main

    return regression_main(args)


COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "run": _run,
    "config": _config,
    "prompts": _prompts,
    "metrics": _metrics,
    "weights": _weights,
    "human": _human,
    "compare": _compare,
    "simulate-ratings": simulate_ratings_main,
    "power": power_main,
    "regression": _regression,
    "slurm": _slurm,
    "score-shard": _score_shard,
    "plan": _plan,
    "rate": _rate,
    "judge": _judge,
}


def eval_main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    command = COMMANDS["run"]
    if args and "=" not in args[0]:
        if args[0] not in COMMANDS:
            print(
                f"hyvideo-eval: error: unknown command {args[0]!r}; commands: {', '.join(COMMANDS)} (or overrides key=value)",
                file=sys.stderr,
            )
            return 2
        command = COMMANDS[args.pop(0)]
    return _guarded("hyvideo-eval", lambda: command(args))


def generate_main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    return _guarded("hyvideo-generate", lambda: _generate(args))


if __name__ == "__main__":
    sys.exit(eval_main())
