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
