"""Compose the Hydra config tree with command-line overrides, then validate it against the schemas.

Hydra's Compose API is used rather than `@hydra.main`, so the suite keeps its own command line, never
changes the working directory and writes nothing outside the run's output folder. Every failure, from a
mistyped override to an unknown group option, becomes one `ConfigError` line that lists what is valid.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException, MissingConfigException, OverrideParseException
from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import (
    ConfigKeyError,
    InterpolationResolutionError,
    OmegaConfBaseException,
    ValidationError,
)

from evalsuite.config.schema import GROUP_SCHEMAS, MODEL_SCHEMAS, EvalConfig
from evalsuite.errors import ConfigError
from evalsuite.resources import builtin_prompts_dir, conf_dir

GROUPS = (
    "model",
    "prompts",
    "metrics",
    "weights",
    "human",
    "report",
    "runtime",
    "regression",
    "compare",
    "distribution",
    "judge",
)


def _builtin_prompt(name: str) -> str:
    path = builtin_prompts_dir() / name
    if not path.is_file():
        available = sorted(
            p.name for p in builtin_prompts_dir().iterdir() if p.suffix in (".csv", ".jsonl", ".json", ".txt")
        )
        raise ConfigError(f"no built-in prompt file {name!r}; shipped: {', '.join(available)}")
    return str(path)


def _register() -> None:
    """Register the `builtin_prompts` resolver and the schemas that the group files name in their defaults."""
    if not OmegaConf.has_resolver("builtin_prompts"):
        OmegaConf.register_new_resolver("builtin_prompts", _builtin_prompt)
    store = ConfigStore.instance()
    for group, schema in GROUP_SCHEMAS.items():
        store.store(group=group, name="_schema", node=schema)
    for kind, schema in MODEL_SCHEMAS.items():
        store.store(group="model", name=f"_{kind}_schema", node=schema)


def config_groups() -> dict[str, list[str]]:
    """Each config group and its options, as found in conf/."""
    root = conf_dir()
    return {g: sorted(p.stem for p in (root / g).glob("*.yaml")) for g in GROUPS}


def _first_line(err: BaseException) -> str:
    """The first line of an error's message, or of its cause's when it has none (Hydra wraps errors)."""
    while not str(err).strip() and err.__cause__ is not None:
        err = err.__cause__
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _cause(err: BaseException | None, types: tuple[type, ...]) -> BaseException | None:
    while err is not None and not isinstance(err, types):
        err = err.__cause__ or err.__context__
    return err


def _explain_hydra_error(err: Exception, overrides: Sequence[str]) -> ConfigError:
    groups = config_groups()
    if isinstance(err, MissingConfigException):
        for group, options in groups.items():
            for override in overrides:
                key, _, value = override.lstrip("+~").partition("=")
                if key == group and value not in options:
                    return ConfigError(
                        f"unknown {group} option {value!r}; valid choices: {', '.join(options)}"
                    )
        return ConfigError(f"{_first_line(err)}; config groups and options: {groups}")
    cause = _cause(err, (ValidationError, ConfigKeyError))
    if isinstance(cause, ValidationError):
        return ConfigError(f"{getattr(cause, 'full_key', '')}: {_first_line(cause)}")
    if isinstance(err, OverrideParseException):
        return ConfigError(
            f"cannot parse override: {_first_line(err)} (overrides look like group=option or group.key=value)"
        )
    message = " ".join(f"{err} {err.__cause__ or ''}".split())
    if "is not in struct" in message or "Could not override" in message:
        bad = next((o for o in overrides if o.split("=")[0].lstrip("+~") in message), None)
        key = (bad or message).split("=")[0].lstrip("+~")
        return ConfigError(
            f"unknown config key {key!r} in override {bad!r}: check the spelling against `hyvideo-eval config`"
        )
    return ConfigError(f"config composition failed: {_first_line(err)}")


def _validate_section(name: str, schema: type, section: DictConfig):
    try:
        merged = OmegaConf.merge(OmegaConf.structured(schema), section)
        return OmegaConf.to_object(merged)
    except ConfigKeyError as err:
        valid = ", ".join(f for f in schema.__dataclass_fields__)
        key = getattr(err, "key", None) or _first_line(err)
        raise ConfigError(f"{name}.{key}: unknown key for this {name} option; valid keys: {valid}") from None
    except ValidationError as err:
        raise ConfigError(
            f"{name}.{getattr(err, 'full_key', '') or getattr(err, 'key', '')}: {_first_line(err)}"
        ) from None


def _missing_keys(tree: dict, prefix: str = "") -> list[str]:
    """Keys whose value is still `???`, found without resolving interpolations (which would fail on them)."""
    found = []
    for key, value in tree.items():
        if value == "???":
            found.append(f"{prefix}{key}")
        elif isinstance(value, dict):
            found += _missing_keys(value, f"{prefix}{key}.")
    return found


def config_hash(section: dict) -> str:
    """A short stable hash of a resolved config section (sorted-key JSON)."""
    return hashlib.sha256(json.dumps(section, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _compose_tree(overrides: list[str], config_name: str) -> tuple[DictConfig, dict[str, str]]:
    """Hydra's composition of conf/ with `overrides`, unresolved, and the option chosen per group."""
    _register()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(str(conf_dir()), version_base="1.3"):
            cfg = hydra_compose(config_name, overrides=overrides, return_hydra_config=True)
    except (HydraException, OmegaConfBaseException) as err:
        raise _explain_hydra_error(err, overrides) from None
    finally:
        GlobalHydra.instance().clear()
    choices = {g: str(c) for g, c in cfg.hydra.runtime.choices.items() if g in GROUPS}
    with open_dict(cfg):
        del cfg["hydra"]
    return cfg, choices


def _finish(cfg: DictConfig, choices: dict[str, str], system: str = "") -> EvalConfig:
    """Check for missing values, resolve interpolations and validate every section against its schema.
    `system` ("compare.systems[2] (option videos_dir)") names the system being built, for the errors."""
    missing = _missing_keys(OmegaConf.to_container(cfg, resolve=False))
    if missing:
        key = missing[0]
        group = key.split(".")[0]
        hint = OmegaConf.select(cfg, f"{group}.source_hint", default=None)
        hint = f" ({hint})" if hint else ""
        if system and group == "model":
            raise ConfigError(f"{system} needs `{key.split('.', 1)[1]}`: add it to that entry{hint}")
        where = f"conf/{group}/{choices.get(group, '?')}.yaml"
        raise ConfigError(f"{key} is required by {where}: add {key}=<value> to the command{hint}")
    try:
        resolved = OmegaConf.to_container(cfg, resolve=True)
    except InterpolationResolutionError as err:
        raise ConfigError(f"cannot resolve a config value: {_first_line(err)}") from None
    cfg = OmegaConf.create(resolved)

    kind = cfg.model.get("kind")
    if kind not in MODEL_SCHEMAS:
        raise ConfigError(f"model.kind={kind!r} is not a known model kind; valid: {', '.join(MODEL_SCHEMAS)}")
    try:
        sections = {"model": _validate_section("model", MODEL_SCHEMAS[kind], cfg.model)}
    except ConfigError as err:
        raise ConfigError(f"{system}: {err}" if system else str(err)) from None
    for name, schema in GROUP_SCHEMAS.items():
        sections[name] = _validate_section(name, schema, cfg[name])
    unknown_top = set(cfg.keys()) - set(GROUPS) - {"run_id"}
    if unknown_top:
        raise ConfigError(
            f"unknown top-level config key(s) {sorted(unknown_top)}; valid: {', '.join((*GROUPS, 'run_id'))}"
        )
    run_id = str(cfg.run_id)
    if not run_id or "/" in run_id or run_id in (".", ".."):
        raise ConfigError(f"run_id={run_id!r} must be a plain folder name")
    return EvalConfig(**sections, run_id=run_id, choices=choices, resolved=resolved)


def _systems_file_entries(path: str | None) -> list:
    if path is None:
        return []
    file = Path(path).expanduser()
    try:
        entries = OmegaConf.to_container(OmegaConf.load(file), resolve=False).get("systems")
    except (OSError, OmegaConfBaseException, AttributeError) as err:
        raise ConfigError(f"compare.systems_file={file}: cannot read it ({_first_line(err)})") from None
    if not isinstance(entries, list):
        raise ConfigError(
            f"compare.systems_file={file}: a YAML file with a `systems:` list, one entry per system"
        )
    return entries


def _override_key(override: str) -> str:
    return override.lstrip("+~").split("=")[0]


def _expand_systems(cfg: EvalConfig, overrides: list[str], config_name: str) -> EvalConfig:
    """Build every system of compare.systems as if its option had been picked with `model=`."""
    entries = [*cfg.compare.systems, *_systems_file_entries(cfg.compare.systems_file)]
    if not entries:
        cfg.systems, cfg.system_resolved = [cfg.model], [cfg.resolved["model"]]
        return cfg
    if len(entries) == 1:
        raise ConfigError(
            "compare.systems lists one system: list two or more to compare, or score one with compare=none model=..."
        )
    options = config_groups()["model"]
    others = [o for o in overrides if _override_key(o).split(".")[0] != "model"]
    systems, resolved = [], []
    for k, entry in enumerate(entries):
        if not isinstance(entry, dict) or "option" not in entry:
            raise ConfigError(f"compare.systems[{k}]={entry!r}: give `option` (one of {', '.join(options)})")
        fields = {key: value for key, value in entry.items() if key != "option"}
        option = entry["option"]
        if option not in options:
            raise ConfigError(
                f"compare.systems[{k}].option={option!r} is not a model option; valid: {', '.join(options)}"
            )
        where = f"compare.systems[{k}] (option {option})"
        tree, choices = _compose_tree([*others, f"model={option}"], config_name)
        try:
            tree.model = OmegaConf.merge(tree.model, fields)
        except ConfigKeyError as err:
            key = getattr(err, "key", None) or _first_line(err)
            raise ConfigError(f"{where}: unknown key {key!r} for this model option") from None
        except ValidationError as err:
            raise ConfigError(f"{where}: {getattr(err, 'key', '')}: {_first_line(err)}") from None
        built = _finish(tree, choices, system=where)
        systems.append(built.model)
        resolved.append(built.resolved["model"])
    names = [system.name for system in systems]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(
            f"compare.systems: {twice} name more than one system; give each system its own `name`"
        )
    cfg.systems, cfg.system_resolved = systems, resolved
    cfg.resolved["systems"] = resolved
    return cfg


def compose(overrides: Sequence[str] = (), config_name: str = "config") -> EvalConfig:
    """Compose conf/ with `overrides` and return the validated, typed config (with its systems)."""
    overrides = list(overrides)
    cfg, choices = _compose_tree(overrides, config_name)
    given = [o for o in overrides if _override_key(o).split(".")[0] == "model"]
    if given and (cfg.compare.systems or cfg.compare.systems_file):
        raise ConfigError(
            f"{given[0]}: this run compares the systems listed in compare.systems; change a system in its "
            "entry there (or compare=none to score `model` alone)"
        )
    return _expand_systems(_finish(cfg, choices), overrides, config_name)
