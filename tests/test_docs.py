"""The documentation: the generated reference covers every metric and config key, and the README stays a
front page (the guide lives in docs/; `nox -s docs` builds the site strict)."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def generator():
    spec = importlib.util.spec_from_file_location("gen_reference", ROOT / "docs" / "gen_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_metric_reference_has_every_registered_metric_with_its_docstring() -> None:
    from evalsuite.metrics import METRICS

    page = generator().metrics_page()
    for name, metric in METRICS.items():
        assert f"\n## {name}\n" in page and f"[`{name}`](#{name})" in page, name
        assert metric.reference in page, name
    assert "One automatic metric. Subclasses" not in page  # the base class's docstring is no metric's


def test_the_configuration_reference_has_every_key_of_every_group() -> None:
    from evalsuite.config import schema

    page = generator().configuration_page()
    for group, group_schema in schema.GROUP_SCHEMAS.items():
        assert f"### `{group}`" in page, group
        for field in dataclasses.fields(group_schema):
            assert f"| `{field.name}` |" in page, (group, field.name)
    assert "| `threads` | `int` | `0` | torch's intra-op threads" in page  # the schema's own comment


def test_the_readme_is_a_front_page() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 150
    assert "nox -s eval" in readme and "nox -s lint docs tests regression" in readme
    assert "nox -s lint docs tests regression" in (ROOT / ".ci" / "run").read_text()
