"""How long work tells a person how far it has got: one protocol for every stage (build's
records, recompression, parts; batch's packets), and a null one for scripts and tests.

The live implementation, a rich progress bar on stderr, belongs to the command line
(:mod:`sopacket.cli.live`): the library only calls :meth:`Progress.start` and
:meth:`Progress.advance`.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Told when a counted step starts and each time one of its items is done."""

    def start(self, total: int, label: str) -> None:
        """A new step of ``total`` items begins (it replaces the previous one)."""

    def advance(self, label: str | None = None) -> None:
        """One more item of the current step is done; ``label`` says which, if it matters
        (batch: the packet's status, which its display counts)."""

    def doing(self, item: str) -> None:
        """The item the step now waits for (build: a record's file name), shown to the
        person at the terminal while it takes long; never written to a log or report."""


class NullProgress:
    """Progress that nobody watches."""

    def start(self, total: int, label: str) -> None:
        pass

    def advance(self, label: str | None = None) -> None:
        pass

    def doing(self, item: str) -> None:
        pass
