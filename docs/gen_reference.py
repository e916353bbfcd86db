"""Write the generated reference pages of the documentation site (run by `nox -s docs` before the build).

    python docs/gen_reference.py [OUT_DIR]      # default: docs/reference

* `metrics.md` from the metric registry (`evalsuite.metrics.METRICS`) and each metric's docstring: name,
  version, criterion, direction, VBench dimension, networks, frame view and the code it reproduces.
* `configuration.md` from the typed config schema (`evalsuite.config.schema`): every group's keys with
  their type, default and the comment the schema gives them, and the options shipped in `conf/`.

The pages are written from the code each time, so they cannot drift from it; they are not committed.
"""

from __future__ import annotations

import dataclasses
import inspect
import io
import sys
import tokenize
import typing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def metrics_page() -> str:
    from evalsuite.metrics import METRICS

    lines = [
        "# Metric reference",
        "",
        "Generated from the metric registry (`hyvideo-eval metrics` lists the same). Each metric's section",
        "is its docstring: the formula, the code it reproduces and where it deviates.",
        "",
        "| metric | version | criterion | better | VBench dimension | networks |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name in sorted(METRICS):
        metric = METRICS[name]
        lines.append(
            f"| [`{name}`](#{name}) | {metric.version} | {metric.criterion} | "
            f"{'higher' if metric.higher_is_better else 'lower'} | {metric.vbench_dimension or '–'} | "
            f"{', '.join(metric.networks()) or '–'} |"
        )
    for name in sorted(METRICS):
        metric = METRICS[name]
        # the class's own docstring, else its module's (where the formula of a one-class module is)
        doc = metric.__dict__.get("__doc__") or sys.modules[metric.__module__].__doc__ or "(no docstring)"
        doc = inspect.cleandoc(doc)
        lines += [
            "",
            f"## {name}",
            "",
            f"`{metric.__module__}.{metric.__qualname__}`, version {metric.version}; reproduces: "
            f"{metric.reference or '–'}",
            "",
            f"Frame view: `{metric.view}`"
            if getattr(metric, "view", None)
            else "Frame view: the decoded frames",
            "",
            "```text",
            doc,
            "```",
        ]
    return "\n".join(lines) + "\n"


def field_comments(module) -> dict[tuple[str, str], str]:
    """(class, field) -> the comment on the field's line, or the comment lines just above it."""
    source = inspect.getsource(module)
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    comments = {t.start[0]: t.string.lstrip("# ").strip() for t in tokens if t.type == tokenize.COMMENT}
    lines = source.splitlines()
    found: dict[tuple[str, str], str] = {}
    current = None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if line.startswith("class "):
            current = stripped.removeprefix("class ").split("(")[0].split(":")[0]
            continue
        if current and line.startswith("    ") and not line.startswith("     ") and ":" in stripped:
            name = stripped.split(":")[0]
            if not name.isidentifier():
                continue
            above, k = [], number - 1
            while k in comments and lines[k - 1].strip().startswith("#"):
                above.insert(0, comments[k])
                k -= 1
            text = " ".join([*above, comments.get(number, "")]).strip()
            if text:
                found[(current, name)] = text
    return found


def yaml_comments(path: Path) -> dict[str, str]:
    """dotted key -> its comment in a conf/ YAML file (the line's own, or the comment lines just above)."""
    found: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    above: list[str] = []
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            above.append(stripped.lstrip("# ").strip())
            continue
        if not stripped or stripped.startswith("-") or ":" not in stripped:
            above = []
            continue
        indent = len(line) - len(line.lstrip())
        key = stripped.split(":")[0].strip()
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, key))
        own = stripped.split("#", 1)[1].strip() if " #" in stripped else ""
        text = " ".join([*above, own]).strip()
        if text:
            found[".".join(k for _, k in stack)] = text
        above = []
    return found


def _default_options() -> dict[str, str]:
    """group -> its default option, from conf/config.yaml's defaults list."""
    options = {}
    for line in (ROOT / "conf" / "config.yaml").read_text().splitlines():
        stripped = line.strip().removeprefix("- ")
        if ":" in stripped and not stripped.startswith("#") and line.startswith("  - "):
            group, option = (part.strip() for part in stripped.split(":", 1))
            options[group] = option
    return options


def _type_name(annotation) -> str:
    text = str(annotation).replace("typing.", "")
    return text.removeprefix("<class '").removesuffix("'>")


def _default(field: dataclasses.Field) -> str:
    if field.default is not dataclasses.MISSING:
        value = field.default
        return "(required)" if value == "???" else f"`{value!r}`"
    if field.default_factory is not dataclasses.MISSING:
        value = field.default_factory()
        if dataclasses.is_dataclass(value):
            return "(section)"
        return f"`{value!r}`"
    return "(required)"


def _lookup(values: dict | None, path: str):
    for part in path.split("."):
        if not isinstance(values, dict) or part not in values:
            return dataclasses.MISSING
        values = values[part]
    return values


def schema_table(
    schema: type,
    prefix: str,
    comments: dict,
    seen: set,
    yaml: dict[str, str] | None = None,
    path: str = "",
    values: dict | None = None,
) -> list[str]:
    """The keys of `schema` (and of the sections inside it): type, the value the default config gives it
    (`values`: the group's resolved section; else the schema's default), and the schema's comment on the
    key, else the comment of the group's default YAML file (`yaml`, by dotted `path`)."""
    if schema in seen:
        return []
    seen.add(schema)
    hints = typing.get_type_hints(schema)
    doc = inspect.getdoc(schema) or ""
    doc = "" if doc.startswith(schema.__name__ + "(") else doc  # dataclasses' generated signature
    yaml = yaml or {}
    rows = [
        f"### `{prefix}`",
        "",
        _cell(doc),
        "",
        "| key | type | default config | meaning |",
        "| --- | --- | --- | --- |",
    ]
    nested = []
    for field in dataclasses.fields(schema):
        hint = hints[field.name]
        value = _lookup(values, path + field.name)
        shown = (
            _default(field)
            if value is dataclasses.MISSING or isinstance(value, dict) or dataclasses.is_dataclass(hint)
            else ("(required)" if value == "???" else f"`{value!r}`")
        )
        rows.append(
            f"| `{field.name}` | `{_cell(_type_name(hint))}` | {_cell(shown)} | "
            f"{_cell(comments.get((schema.__name__, field.name)) or yaml.get(path + field.name, ''))} |"
        )
        if dataclasses.is_dataclass(hint):
            nested.append((hint, f"{prefix}.{field.name}", f"{path}{field.name}."))
        for arg in typing.get_args(hint):  # dict[str, NetworkWeightsConfig] and the like
            if dataclasses.is_dataclass(arg):
                nested.append((arg, f"{prefix}.{field.name}.*", ""))
    for child, name, child_path in nested:
        rows += ["", *schema_table(child, name, comments, seen, yaml, child_path, values)]
    return rows


def configuration_page() -> str:
    from evalsuite.config import compose, schema
    from evalsuite.config.loader import config_groups

    comments = field_comments(schema)
    options = config_groups()
    lines = [
        "# Configuration reference",
        "",
        "Generated from the typed schema (`evalsuite/config/schema.py`) that every composed config is checked",
        "against: an unknown key, a wrong type or a bad choice stops a run at once with one line.",
        "`hyvideo-eval config OVERRIDES` prints a composed config and every group's options.",
        "",
        "## Groups and their shipped options",
        "",
        "| group | options (`conf/<group>/<option>.yaml`) |",
        "| --- | --- |",
        *(
            f"| `{group}` | {', '.join(f'`{o}`' for o in names if o != '_schema')} |"
            for group, names in options.items()
        ),
        "",
        "## Keys",
        "",
        "Each group's keys with their type, the value the default config (`nox -s eval` without overrides)",
        "gives them, and what they mean.",
        "",
    ]
    seen: set = set()
    defaults = _default_options()
    resolved = compose([]).resolved  # the values a run gets without overrides
    model_files = {"videos_dir": "videos_dir", "hyvideo": "hyvideo"}
    for kind, model in schema.MODEL_SCHEMAS.items():
        yaml = yaml_comments(ROOT / "conf" / "model" / f"{model_files[kind]}.yaml")
        values = resolved["model"] if resolved["model"].get("kind") == kind else None
        lines += [*schema_table(model, f"model ({kind})", comments, seen, yaml, values=values), ""]
    for group, group_schema in schema.GROUP_SCHEMAS.items():
        default = ROOT / "conf" / group / f"{defaults.get(group, 'default')}.yaml"
        yaml = yaml_comments(default) if default.is_file() else {}
        lines += [*schema_table(group_schema, group, comments, seen, yaml, values=resolved.get(group)), ""]
    return "\n".join(lines) + "\n"


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "metrics.md").write_text(metrics_page())
    (out_dir / "configuration.md").write_text(configuration_page())
    print(f"wrote {out_dir}/metrics.md, {out_dir}/configuration.md")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "reference")
