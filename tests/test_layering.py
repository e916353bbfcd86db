"""The boundaries that keep the house easy to change, checked on the source (imports, not run time):
the layers of the suite never import upward and no modules import each other in a circle; the model
never imports its judge, metrics never import the model, human statistics import no torch.

Every import counts, a function's deferred import as much as a module's own: both are a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# From the bottom up: a module may import its own layer and the layers below, never one above.
LAYERS = [
    ("foundations", ["hyvideo", "evalsuite/errors.py", "evalsuite/version.py", "evalsuite/resources.py",
                     "evalsuite/machine.py", "evalsuite/multitest.py", "evalsuite/paired.py",
                     "evalsuite/ranking.py", "evalsuite/breakdown.py", "evalsuite/__init__.py"]),
    ("config and data", ["evalsuite/config", "evalsuite/data"]),
    ("networks, weights, the judge's client, human statistics",
     ["evalsuite/networks", "evalsuite/weights.py", "evalsuite/judge", "evalsuite/human"]),
    ("metrics", ["evalsuite/metrics"]),
    ("comparison and set metrics", ["evalsuite/compare", "evalsuite/distribution"]),
    ("reports", ["evalsuite/report"]),
    ("pipeline", ["evalsuite/pipeline"]),
    ("layers on top: the gate, the cluster backends, the rating app",
     ["evalsuite/regression", "evalsuite/scale", "evalsuite/rating"]),
    ("command line", ["evalsuite/cli.py"]),
]  # fmt: skip


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path, packages: list[str]) -> dict[str, set[str]]:
    """Module -> the modules of `packages` it imports anywhere in its source (module level or deferred).
    `from a.b import c` names module a.b.c when that is a module, else a.b (c is defined there)."""
    files = {module_name(f, root): f for top in packages for f in sorted((root / top).rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
                targets = [t for t in targets[:-1] if t in files] or [node.module]
            else:
                continue
            edges |= {t for t in targets if t in files and t != name}
        graph[name] = edges
    return graph


def layer_of(module: str, layers=LAYERS) -> int | None:
    path = module.replace(".", "/")
    for index, (_, places) in enumerate(layers):
        for place in places:
            place = place.removesuffix(".py")
            if (
                path == place
                or path.startswith(place + "/")
                or (place.endswith("__init__") and path == place.rsplit("/", 1)[0])
            ):
                return index
    return None


def upward_imports(graph: dict[str, set[str]], layers=LAYERS) -> list[str]:
    found = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            low, high = layer_of(module, layers), layer_of(target, layers)
            if low is not None and high is not None and high > low:
                found.append(f"{module} ({layers[low][0]}) imports {target} ({layers[high][0]})")
    return found


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import graph's strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_module_has_a_layer() -> None:
    graph = import_graph(ROOT, ["evalsuite", "hyvideo"])
    assert [m for m in graph if layer_of(m) is None] == []


def test_no_layer_imports_one_above_it() -> None:
    assert upward_imports(import_graph(ROOT, ["evalsuite", "hyvideo"])) == []


def test_no_modules_import_each_other_in_a_circle() -> None:
    assert circles(import_graph(ROOT, ["evalsuite", "hyvideo"])) == []


def test_the_checks_catch_an_upward_import_and_a_circle(tmp_path: Path) -> None:
    """The two checks above on a small tree built to break them: a lower layer reaching up (deferred,
    inside a function) and three modules importing each other in a ring."""
    package = tmp_path / "house"
    (package / "low").mkdir(parents=True)
    (package / "high").mkdir()
    for init in (package, package / "low", package / "high"):
        (init / "__init__.py").write_text("")
    (package / "high" / "top.py").write_text("from house.low.base import VALUE\n")
    (package / "low" / "base.py").write_text("VALUE = 1\n\ndef f():\n    from house.high.top import VALUE\n")
    (package / "low" / "a.py").write_text("import house.low.b\n")
    (package / "low" / "b.py").write_text("from house.low import c\n")
    (package / "low" / "c.py").write_text("from house.low.a import x\n")
    layers = [("bottom", ["house/low", "house/__init__.py"]), ("top", ["house/high"])]
    graph = import_graph(tmp_path, ["house"])
    assert upward_imports(graph, layers) == ["house.low.base (bottom) imports house.high.top (top)"]
    assert circles(graph) == [
        ["house.high.top", "house.low.base"],
        ["house.low.a", "house.low.b", "house.low.c"],
    ]


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


def test_ray_and_submitit_are_imported_only_where_a_run_asks_for_them() -> None:
    """The cluster layer's own libraries are optional extras: never imported at module level."""
    for path in sorted((ROOT / "evalsuite").rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        top_level = {
            (alias.name if isinstance(node, ast.Import) else node.module or "")
            for node in tree.body
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in (node.names if isinstance(node, ast.Import) else [node])
        }
        assert not any(name.split(".")[0] in ("ray", "submitit") for name in top_level), path


def test_the_default_job_imports_neither_ray_nor_submitit() -> None:
    import subprocess
    import sys

    code = (
        "import sys, evalsuite.cli, evalsuite.pipeline.run, evalsuite.pipeline.score;"
        "from evalsuite.config import compose; compose();"
        "assert not {'ray', 'submitit'} & set(sys.modules), sorted({'ray', 'submitit'} & set(sys.modules))"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
