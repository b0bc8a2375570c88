"""The facts about where a command runs, found once per invocation and handed down.

Whether stdin and stderr are terminals (a person to ask, a progress bar to draw), -v and
--config: the app's callback makes one :class:`Environment` and puts it on
the click context (``ctx.obj``); commands read it from there, never from ``isatty()``
calls of their own (as httpie's ``context.py``). Colour and width are rich's: its two
consoles, made once in :mod:`sopacket.cli.display`, honour NO_COLOR, TERM and COLUMNS.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

    from ..config import Config


@dataclass(frozen=True)
class Environment:
    """Where this command runs."""

    stdin_isatty: bool = False
    """Standard input is a terminal: a person can answer a prompt."""
    stderr_isatty: bool = False
    """Standard error is a terminal: a person sees progress and new passphrases."""
    verbose: bool = False
    """-v: show the traceback of an unexpected error."""
    config_path: Path | None = None
    """--config: the clinic's config file (default: see sopacket.config)."""

    @classmethod
    def detect(cls, *, verbose: bool = False, config_path: Path | None = None) -> Environment:
        stdin_tty = _isatty(sys.stdin)
        stderr_tty = _isatty(sys.stderr)
        return cls(
            stdin_isatty=stdin_tty,
            stderr_isatty=stderr_tty,
            verbose=verbose,
            config_path=config_path,
        )

    @property
    def person(self) -> bool:
        """Someone at a terminal can be asked (stdin and stderr are both terminals)."""
        return self.stdin_isatty and self.stderr_isatty

    def progress_shown(self, quiet: bool) -> bool:
        """A live display goes to stderr: a terminal, and not --quiet or --json."""
        return self.stderr_isatty and not quiet

    def settings(self) -> Config:
        """The clinic's settings in effect (see sopacket.config)."""
        from .. import config

        return config.load(self.config_path)


def of(ctx: typer.Context) -> Environment:
    """The environment the app's callback put on the context."""
    found: Any = ctx.find_root().obj
    return found if isinstance(found, Environment) else Environment.detect()


def _isatty(stream: Any) -> bool:
    try:
        return stream is not None and bool(stream.isatty())
    except (AttributeError, ValueError):  # a replaced or closed stream
        return False
