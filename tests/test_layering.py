"""The boundaries that keep the house easy to change, checked on the source (imports, not run time):
the model never imports its judge, metrics never import the model, human statistics import no torch."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_top_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {name.split(".")[0] for name in names}


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("hyvideo", {"evalsuite"}),
        ("evalsuite/metrics", {"hyvideo"}),
        ("evalsuite/human", {"hyvideo", "torch", "torchvision", "open_clip", "transformers"}),
        ("evalsuite/compare", {"hyvideo", "torch", "torchvision", "open_clip", "transformers"}),
    ],
)
def test_package_does_not_import(package: str, forbidden: set[str]) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files
    offenders = {
        str(f.relative_to(ROOT)): sorted(imported_top_modules(f) & forbidden)
        for f in files
        if imported_top_modules(f) & forbidden
    }
    assert not offenders


def test_config_does_not_reach_up_into_the_metrics() -> None:
    """Lower layers never import upper ones: the metric registry checks metric names, not the config."""
    for path in sorted((ROOT / "evalsuite" / "config").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(("evalsuite.metrics", "evalsuite.pipeline")), path
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("evalsuite.metrics") for a in node.names), path


def test_the_scale_layer_sits_on_top() -> None:
    """evalsuite/scale (Ray, Slurm) is reached only from the pipeline and the CLI, and only inside the
    functions that need it; ray and submitit are imported nowhere at module level."""
    for path in sorted((ROOT / "evalsuite").rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        top_level = {
            (alias.name if isinstance(node, ast.Import) else node.module or "")
            for node in tree.body
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in (node.names if isinstance(node, ast.Import) else [node])
        }
        assert not any(name.split(".")[0] in ("ray", "submitit") for name in top_level), path
        if path.parent.name != "scale":
            assert not any(name.startswith("evalsuite.scale") for name in top_level), path
        if path.parent.name not in ("scale", "pipeline") and path.name != "cli.py":
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module:
                    assert not node.module.startswith("evalsuite.scale"), path


def test_the_default_job_imports_neither_ray_nor_submitit() -> None:
    import subprocess
    import sys

    code = (
        "import sys, evalsuite.cli, evalsuite.pipeline.run, evalsuite.pipeline.score;"
        "from evalsuite.config import compose; compose();"
        "assert not {'ray', 'submitit'} & set(sys.modules), sorted({'ray', 'submitit'} & set(sys.modules))"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
