"""Config composition (Hydra) and validation (structured dataclasses)."""

from evalsuite.config.loader import compose, config_groups
from evalsuite.config.schema import EvalConfig

__all__ = ["EvalConfig", "compose", "config_groups"]
