"""Exception types: user errors (say what to do, exit with a distinct code, no traceback)
and internal errors (a bug in the tracker itself)."""

from __future__ import annotations


class TrackerError(Exception):
    """A problem the user can fix: bad input, a missing plugin, a store in use.

    The CLI prints ``str(error)`` without a traceback and exits with :attr:`exit_code`.
    """

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text}\n  hint: {self.hint}" if self.hint else text


class ConfigError(TrackerError):
    """A malformed or inconsistent matrix file (``envs/*.toml``) or option."""

    exit_code = 3


class PluginError(TrackerError):
    """A plugin failed to load, registered something invalid, or is missing."""

    exit_code = 4


class CaseFileError(PluginError):
    """A file a case names (its weights, its input arrays) is missing or named wrongly."""


class StoreError(TrackerError):
    """The result store cannot be opened, is in use, or has an unknown schema."""

    exit_code = 5


class SelectionError(TrackerError):
    """An unknown case id, model set, pipeline or environment was asked for."""

    exit_code = 6


class IndexUnavailable(TrackerError):
    """The package index cannot be reached, or answers something that is not its JSON API."""

    exit_code = 7


class InternalError(Exception):
    """A bug in the tracker itself; reported with a traceback."""
