"""The wheel must carry every package and the config and prompt files the suite reads at run time."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_every_python_package_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("hyvideo", "evalsuite")
        for init in (ROOT / top).rglob("__init__.py")
    }
    conf_groups = {f"evalsuite.conf.{d.name}" for d in (ROOT / "conf").iterdir() if d.is_dir()}
    assert on_disk | conf_groups <= listed, (
        f"add to [tool.setuptools] packages: {sorted((on_disk | conf_groups) - listed)}"
    )


@pytest.mark.slow
def test_installed_wheel_finds_its_config_and_prompts(tmp_path: Path) -> None:
    wheels, target, work = tmp_path / "wheels", tmp_path / "site", tmp_path / "work"
    work.mkdir()
    pip = [sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", str(ROOT), "-w", str(wheels)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(wheels.glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    yaml_files = {
        f"evalsuite/conf/{p.relative_to(ROOT / 'conf').as_posix()}" for p in (ROOT / "conf").rglob("*.yaml")
    }
    assert yaml_files <= names, sorted(yaml_files - names)
    assert "evalsuite/prompt_sets/embedded_mini.csv" in names

    subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    probe = "from evalsuite.config import compose; import evalsuite; c = compose(); print(evalsuite.__file__); print(c.prompts.path)"
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=work,
        env={"PYTHONPATH": str(target), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.splitlines()
    assert out[0].startswith(str(target)) and out[1].startswith(str(target))


def test_declared_python_is_the_linted_and_tested_python() -> None:
    """requires-python and ruff's target agree, and the tests run on a Python the package declares: code
    may use what the lowest declared Python has (datetime.UTC, tomllib: 3.11). CI runs 3.11, the lowest."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    lowest = project["project"]["requires-python"].removeprefix(">=")
    assert project["tool"]["ruff"]["target-version"] == "py" + lowest.replace(".", "")
    assert sys.version_info[:2] >= tuple(int(part) for part in lowest.split(".")), (
        f"this Python is older than the {lowest} the package declares"
    )
