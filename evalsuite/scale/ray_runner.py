"""Scoring on a Ray cluster (`runtime=ray`): the driver plans work units (evalsuite/scale/units.py),
Ray runs them on its workers, the driver writes every result.

- Each unit is a Ray task that asks for `runtime.ray.threads_per_worker` CPUs; a worker process keeps
  the networks it loaded for the next unit it gets.
- A worker process that dies (killed, out of memory, a lost node) makes Ray run its unit again, up to
  `runtime.ray.max_retries` times; results are applied once per unit, when its task returns, so a
  retried unit is never counted twice. A unit that raises for its own reason is not retried: its
  values are recorded as failed with the reason, as the single process records a broken video.
- At most `runtime.ray.in_flight` units per worker are submitted at a time, so the object store holds
  a bounded number of units whatever the campaign's size.
- Workers read videos by path: on a multi-node cluster the run folder and the video folders must be on
  a file system every node sees. The feature cache stays on the driver.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field

from evalsuite.errors import ConfigError
from evalsuite.metrics.engine import MetricEngine, MetricResult, VideoJob
from evalsuite.scale.units import Collector, PoolSpec, WorkUnit, failed_unit, plan_units, score_unit

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'hyvideo-eval[ray]'"


def import_ray():
    try:
        import ray
    except ImportError as err:
        raise ConfigError(
            f"runtime=ray needs Ray, which is not installed ({err}); fix: {INSTALL_HINT}"
        ) from err
    return ray


@dataclass
class RayStats:
    units: int = 0
    failed_units: int = 0
    worker_pids: set[int] = field(default_factory=set)


class RayRunner:
    """Runs a MetricEngine's work as Ray tasks. With no `address`, starts a local cluster of `workers`
    CPUs (and stops it at the end); with one (`auto` or host:port), joins that cluster."""

    def __init__(
        self,
        spec: PoolSpec,
        *,
        address: str | None = None,
        workers: int = 2,
        threads_per_worker: int = 1,
        max_retries: int = 3,
        in_flight: int = 2,
    ):
        if workers < 1 or threads_per_worker < 1 or max_retries < 0 or in_flight < 1:
            raise ConfigError(
                "runtime.ray: workers, threads_per_worker and in_flight must be >= 1, max_retries >= 0"
            )
        self.spec = spec
        self.address = address
        self.workers = workers
        self.threads = threads_per_worker
        self.max_retries = max_retries
        self.in_flight = in_flight
        self.stats = RayStats()

    def _start(self, ray) -> bool:
        """Connect; True when this runner started the cluster (and so must stop it)."""
        if ray.is_initialized():
            return False
        options = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
        if self.address and self.address != "auto":
            self._check_reachable(self.address)
        try:
            if self.address:
                ray.init(address=self.address, **options)
            else:
                ray.init(num_cpus=self.workers * self.threads, **options)
        except (ConnectionError, RuntimeError, ValueError) as err:
            where = self.address or "a local cluster"
            raise ConfigError(
                f"runtime.ray: cannot connect to {where} ({' '.join(str(err).split())[:200]}); "
                "start one with `ray start --head` or leave runtime.ray.address empty for a local one"
            ) from err
        return True

    @staticmethod
    def _check_reachable(address: str) -> None:
        """Ray waits minutes on an address where nothing listens; a plain TCP connect says so at once."""
        host, _, port = address.removeprefix("ray://").rpartition(":")
        try:
            socket.create_connection((host, int(port)), timeout=5).close()
        except ValueError:
            raise ConfigError(
                f"runtime.ray.address={address!r}: write it as host:port, ray://host:port or auto"
            ) from None
        except OSError as err:
            raise ConfigError(
                f"runtime.ray.address={address}: nothing answers there ({err}); start the cluster with "
                "`ray start --head` on that node, or leave runtime.ray.address empty for a local one"
            ) from None

    def run(self, engine: MetricEngine, jobs: list[VideoJob]) -> Iterator[tuple[int, list[MetricResult]]]:
        """(job index, results in the engine's metric order) for every job, as units finish."""
        ray = import_ray()
        from ray.exceptions import RayError, RayTaskError

        units, hits = plan_units(engine, jobs)
        collector = Collector([m.name for m in engine.metrics], hits)
        yield from collector.ready_from_cache()
        self.stats.units = len(units)
        if not units:  # everything came from the cache: no cluster needed
            return
        started = self._start(ray)
        try:
            log.info(
                "ray: %d work unit(s) for %d video(s) on %s",
                len(units),
                len(jobs),
                self.address or "a local cluster",
            )
            remote = ray.remote(num_cpus=self.threads, max_retries=self.max_retries, retry_exceptions=False)(
                score_unit
            )
            spec_ref = ray.put(self.spec)
            waiting = list(reversed(units))
            running: dict = {}
            limit = self.in_flight * max(1, int(ray.cluster_resources().get("CPU", 1) // self.threads))
            while waiting or running:
                while waiting and len(running) < limit:
                    unit = waiting.pop()
                    running[remote.remote(spec_ref, unit, self.threads)] = unit
                done, _ = ray.wait(list(running), num_returns=1)
                unit = running.pop(done[0])
                try:
                    result = ray.get(done[0])
                    self.stats.worker_pids.add(result.pid)
                except RayTaskError as err:  # the unit's own failure: recorded, not retried
                    cause = getattr(err, "cause", None) or err
                    reason = f"{type(cause).__name__}: {cause}".strip().splitlines()[-1][:200]
                    result = self._failed(unit, f"work unit {unit.index} failed: {reason}")
                except RayError as err:  # its worker died on every try, ran out of memory, lost its node, ...
                    result = self._failed(
                        unit,
                        f"work unit {unit.index}: lost {self.max_retries + 1} time(s) ({type(err).__name__}); "
                        "rerun the same command to retry it (finished work is kept)",
                    )
                engine.cache.put_many(result.written)
                yield from collector.add(unit, result)
        finally:
            if started:
                ray.shutdown()

    def _failed(self, unit: WorkUnit, reason: str):
        log.warning("%s", reason)
        self.stats.failed_units += 1
        return failed_unit(unit, reason)


def ray_runner_from_config(ray_cfg, spec: PoolSpec) -> RayRunner:
    address = ray_cfg.address or os.environ.get("RAY_ADDRESS") or None
    return RayRunner(
        spec,
        address=address,
        workers=ray_cfg.workers,
        threads_per_worker=ray_cfg.threads_per_worker,
        max_retries=ray_cfg.max_retries,
        in_flight=ray_cfg.in_flight,
    )
