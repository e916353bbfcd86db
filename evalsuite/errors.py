"""User-facing errors.

Every bad input the suite can meet (a corrupt video, a wrong checksum, a bad override, ...) raises a
`SuiteError` whose message is one line naming the file or setting at fault and the fix. The command-line
entry points print that line without a traceback; library callers can catch the specific subclass.
"""

from __future__ import annotations

from pathlib import Path


class SuiteError(Exception):
    """An error caused by the user's input or environment, explained in one line."""


class ConfigError(SuiteError):
    """A bad config override, group option or value."""


class PromptSetError(SuiteError):
    """A prompt file that is missing, malformed, or fails its checksum."""


class ManifestError(SuiteError):
    """A run manifest that cannot be read or does not match the run."""


class VideoError(SuiteError):
    """A video that cannot be read, decoded or written."""

    def __init__(self, path: str | Path, problem: str):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")
