"""The live progress display on stderr: the one rich implementation of
:class:`sopacket.progress.Progress`, for build (its steps) and batch (its packets).

It is drawn only when a person sees stderr and did not ask for --quiet or --json
(:func:`progress`); otherwise nothing is drawn, nor is rich.progress imported. The bar
appears at the first step the library starts, and pauses while a hidden prompt asks for
a password (a redrawn bar would wipe the prompt).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from .env import Environment

STATUSES = ("built", "skipped", "incomplete", "failed")
"""A batch's packet outcomes, counted in its display."""


class LiveProgress:
    """A transient progress bar on stderr. With ``tally``, each item's label is counted
    and the counts shown beside the bar (batch: built, skipped, ... remaining)."""

    def __init__(self, tally: tuple[str, ...] = ()) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        from . import display

        head = "[bold]{task.fields[head]}[/]" if tally else "{task.description}"
        columns: list[Any] = [TextColumn(head), BarColumn(), MofNCompleteColumn()]
        if tally:
            columns.append(TextColumn("{task.description}"))
        else:  # the file a long step waits for: a person at their own terminal sees it
            columns.append(TextColumn("[dim]{task.fields[doing]}[/]"))
        columns.append(TimeElapsedColumn())
        self._bar = RichProgress(*columns, console=display.err, transient=True)
        self._tally = tally
        self._counts: dict[str, int] = {}
        self._task: Any = None
        self._running = False

    def __enter__(self) -> LiveProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pause()

    def pause(self) -> None:
        if self._running:
            self._bar.stop()
            self._running = False

    def resume(self) -> None:
        if self._task is not None and not self._running:
            self._bar.start()
            self._running = True

    def start(self, total: int, label: str) -> None:
        if self._task is not None:
            self._bar.remove_task(self._task)
        self._counts = dict.fromkeys(self._tally, 0)
        self._total, self._done = total, 0
        if self._tally:
            self._task = self._bar.add_task("", total=total, head=label)
        else:
            self._task = self._bar.add_task(label, total=total, doing="")
        self.resume()

    def doing(self, item: str) -> None:
        if self._task is not None and not self._tally:
            from rich.markup import escape

            from .display import visible

            self._bar.update(self._task, doing=escape(visible(_shortened(item))))

    def advance(self, label: str | None = None) -> None:
        if self._task is None:
            return
        self._done += 1
        if not self._tally:
            self._bar.update(self._task, advance=1, doing="")
            return
        if label in self._counts:
            self._counts[label] += 1
        counts = " · ".join(f"{name} {self._counts[name]}" for name in self._tally)
        described = f"{counts} · remaining {self._total - self._done}"
        self._bar.update(self._task, completed=self._done, description=described)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Stop drawing while a prompt asks (and go on after)."""
        running = self._running
        self.pause()
        try:
            yield
        finally:
            if running:
                self.resume()


def _shortened(name: str, most: int = 32) -> str:
    """A long file name cut in the middle, so the bar keeps its line."""
    return name if len(name) <= most else name[: most // 2 - 1] + "…" + name[-(most // 2) :]


class Unseen:
    """No display (no terminal, --quiet or --json): the same calls, doing nothing."""

    def __enter__(self) -> Unseen:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def start(self, total: int, label: str) -> None:
        pass

    def advance(self, label: str | None = None) -> None:
        pass

    def doing(self, item: str) -> None:
        pass

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        yield


Display = LiveProgress | Unseen


def progress(env: Environment, quiet: bool, tally: tuple[str, ...] = ()) -> Display:
    """The display for this command: live on a terminal unless ``quiet``, else none."""
    return LiveProgress(tally) if env.progress_shown(quiet) else Unseen()
