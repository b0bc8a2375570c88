"""The facts about where a command runs, found once per invocation and handed down.

Whether stdin and stderr are terminals (a person to ask, a progress bar to draw), colour,
width, -v and --config: the app's callback makes one :class:`Environment` and puts it on
the click context (``ctx.obj``); commands read it from there, never from ``isatty()``
calls of their own (as httpie's ``context.py``).
"""

from __future__ import annotations

import os
import shutil
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
    colour: bool = False
    """Colour on stderr is wanted (a terminal, and no NO_COLOR or TERM=dumb)."""
    width: int = 80
    """Columns of the terminal."""
    verbose: bool = False
    """-v: show the traceback of an unexpected error."""
    config_path: Path | None = None
    """--config: the clinic's config file (default: see sopacket.config)."""

    @classmethod
    def detect(cls, *, verbose: bool = False, config_path: Path | None = None) -> Environment:
        stdin_tty = _isatty(sys.stdin)
        stderr_tty = _isatty(sys.stderr)
        plain = "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb"
        return cls(
            stdin_isatty=stdin_tty,
            stderr_isatty=stderr_tty,
            colour=stderr_tty and not plain,
            width=shutil.get_terminal_size().columns,
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
