"""Run untrusted-input work in a child process with a memory cap and a time limit.

Record files come from anywhere; a parser fed a decompression bomb, an endless loop or a
crash should cost one error message, not the whole command. The child also runs in
parallel with the parent: ``check`` reads the records while the packet is validated.

On POSIX systems the child is forked (cheap: it shares the already-imported modules and
needs no multiprocessing machinery); on Windows it is spawned.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")

MEMORY_LIMIT = 2 * 1024**3
"""Default cap on the child's address space, in bytes (2 GiB)."""
TIME_LIMIT = 60.0
"""Default time a child may take, in seconds."""


@dataclass(frozen=True)
class Limits:
    """Resource limits for one child process."""

    memory: int = MEMORY_LIMIT
    """Largest address space in bytes; 0 for no cap."""
    seconds: float = TIME_LIMIT
    """Wall-clock time limit in seconds."""


class ChildFailed(Exception):
    """The child ran out of time or memory, or crashed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def forbid_core_dumps() -> None:
    """No core file of this process or its children: one would hold the packet's password
    and patient data in plain text. The core size limit is set to 0 (inherited by every
    child, even after exec), and on Linux the process is marked not dumpable
    (``prctl(PR_SET_DUMPABLE, 0)``), which also stops core dumps piped to a handler such as
    systemd-coredump or apport and other users' ptrace. Skipped silently where the
    platform has neither."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):  # Windows; a platform without the limit
        pass
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
        except (OSError, AttributeError):  # a libc without prctl
            pass


_PR_SET_DUMPABLE = 4
"""prctl(2) option: whether the process may dump core and be traced by other processes."""


def _limit_memory(limits: Limits) -> None:
    if limits.memory and sys.platform.startswith("linux"):
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limits.memory, limits.memory))


def _too_long(seconds: float) -> str:
    return (
        f"it took longer than {seconds:g} second{'' if seconds == 1 else 's'} (a large "
        "scan may need more time: allow it with --record-time-limit SECONDS)"
    )


def _limit_time(limits: Limits) -> None:
    """The child ends itself at its deadline (SIGALRM), whenever the parent looks."""
    import signal

    if hasattr(signal, "setitimer"):
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.setitimer(signal.ITIMER_REAL, max(limits.seconds, 0.001))


def _stop_timer() -> None:
    import signal

    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, 0)


def _quiet() -> None:
    """In the child: nothing a parser prints (C libraries, fault handlers) reaches the
    person's terminal; what matters comes back through the pipe as a message."""
    import faulthandler

    faulthandler.disable()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def _call(func: Callable[..., Any], args: tuple[Any, ...]) -> tuple[str, Any]:
    try:
        return ("ok", func(*args))
    except MemoryError:
        return ("error", "it needs more memory than allowed")
    except BaseException as exc:  # report, never raise, across the process boundary
        return ("error", f"the reader failed ({type(exc).__name__})")


class Job(Generic[T]):
    """A function running in a child process; :meth:`result` waits for it."""

    def __init__(
        self, func: Callable[..., T], *args: Any, limits: Limits | None = None, group: bool = False
    ) -> None:
        """``group``: the child leads a process group of its own, and stopping it stops
        every process it started too."""
        self.limits = limits or Limits()
        self.group = group
        if hasattr(os, "fork"):
            self._start_fork(func, args)
        else:  # pragma: no cover - Windows
            self._start_spawn(func, args)

    # POSIX: a bare fork is the cheapest child there is (no multiprocessing import).
    def _start_fork(self, func: Callable[..., T], args: tuple[Any, ...]) -> None:
        import pickle
        import signal

        read_fd, write_fd = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        # Ctrl-C (or SIGTERM) arriving during the fork itself would be raised inside the
        # fork handlers, where Python swallows it: hold it until the fork is done.
        held = {signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM)}
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, held)
        try:
            pid = os.fork()
        except BaseException:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            raise
        if pid == 0:  # the child
            code = 0
            try:
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                os.close(read_fd)
                if self.group:
                    os.setpgid(0, 0)
                _quiet()
                forbid_core_dumps()  # inherited already, unless the parent was not sopacket's
                _limit_memory(self.limits)
                _limit_time(self.limits)
                payload = pickle.dumps(_call(func, args))
                _stop_timer()  # the work is done: handing it over is not timed
                with os.fdopen(write_fd, "wb") as fh:
                    fh.write(payload)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(write_fd)
        self._deadline = time.monotonic() + self.limits.seconds + 1.0
        self._pid: int | None = pid
        self._read = os.fdopen(read_fd, "rb")
        self._proc: Any = None
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a held Ctrl-C arrives now

    def _start_spawn(self, func: Callable[..., T], args: tuple[Any, ...]) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        recv, send = ctx.Pipe(duplex=False)
        self._pid = None
        self._recv = recv
        self._proc = ctx.Process(target=_spawned, args=(send, self.limits, func, args), daemon=True)
        self._proc.start()
        send.close()

    def result(self) -> T:
        """The function's return value, or ChildFailed."""
        try:
            status, value = self._receive()
            if status != "ok":
                raise ChildFailed(str(value))
            return value
        finally:
            self.cancel()

    def _receive(self) -> tuple[str, Any]:
        if self._proc is not None:  # pragma: no cover - Windows
            if not self._recv.poll(self.limits.seconds):
                raise ChildFailed(_too_long(self.limits.seconds))
            try:
                return self._recv.recv()
            except EOFError:
                raise ChildFailed("the reader stopped unexpectedly") from None
        import pickle
        import select

        ready, _, _ = select.select(
            [self._read], [], [], max(0.0, self._deadline - time.monotonic())
        )
        if not ready:
            raise ChildFailed(_too_long(self.limits.seconds))
        data = self._read.read()
        if not data:
            raise ChildFailed(self._crash_reason())
        try:
            return pickle.loads(data)
        except Exception:  # cut short: the child was killed while handing over its result
            raise ChildFailed(self._crash_reason()) from None

    def _crash_reason(self) -> str:
        if self._pid is not None:
            _, status = os.waitpid(self._pid, 0)
            self._pid = None
            if os.WIFSIGNALED(status):
                sig = os.WTERMSIG(status)
                if sig == 14:  # SIGALRM: the child's own deadline
                    return _too_long(self.limits.seconds)
                if sig in (9, 24):  # SIGKILL / SIGXCPU: usually a resource limit
                    return "it used more memory or time than allowed"
                return f"the reader crashed (signal {sig})"
        return "the reader stopped unexpectedly"

    def cancel(self) -> None:
        """Stop the child if it is still running, and reap it."""
        if self._proc is not None:  # pragma: no cover - Windows
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join(5)
            self._recv.close()
            return
        if self._pid is not None:
            import contextlib
            import signal

            with contextlib.suppress(ProcessLookupError, PermissionError):
                if self.group:
                    os.killpg(self._pid, signal.SIGKILL)
                os.kill(self._pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self._pid, 0)
            self._pid = None
        self._read.close()


def _spawned(conn: Any, limits: Limits, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
    forbid_core_dumps()
    _limit_memory(limits)
    conn.send(_call(func, args))
    conn.close()


def run(func: Callable[..., T], *args: Any, limits: Limits | None = None) -> T:
    """Run ``func(*args)`` in a child process and return its result."""
    return Job(func, *args, limits=limits).result()


class Pool(Generic[T]):
    """``func(*args)`` for each of ``calls``, each in its own child, up to ``jobs`` at a
    time (default: the number of CPUs). The first children start at once (so the caller
    can do other work meanwhile); iterating gives the results (or ChildFailed) in order.
    ``limits`` may give each call its own. :meth:`close` stops what is still running."""

    def __init__(
        self,
        func: Callable[..., T],
        calls: list[tuple[Any, ...]],
        limits: Limits | list[Limits] | None = None,
        jobs: int | None = None,
        group: bool = False,
    ) -> None:
        self.func = func
        self.group = group
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        each = limits if isinstance(limits, list) else [limits or Limits()] * len(calls)
        self._pending = iter(list(enumerate(zip(calls, each, strict=True))))
        self._running: dict[int, Job[T]] = {}
        self._done: dict[int, T | ChildFailed] = {}
        self._next = 0
        self._fill()

    def _fill(self) -> None:
        while len(self._running) < self.jobs:
            nxt = next(self._pending, None)
            if nxt is None:
                return
            n, (args, own) = nxt
            self._running[n] = Job(self.func, *args, limits=own, group=self.group)

    def __iter__(self) -> Iterator[T | ChildFailed]:
        try:
            while self._running or self._done:
                if self._next in self._done:
                    self._next += 1
                    yield self._done.pop(self._next - 1)
                    continue
                self._collect()
        finally:
            self.close()

    def _collect(self) -> None:
        """Wait until some child finishes (or runs out of time), keep its result, and
        start the next: a slow child holds only its own slot, never the others'."""
        import select

        jobs = list(self._running.items())
        if any(job._proc is not None for _, job in jobs):  # pragma: no cover - Windows
            ready = [min(self._running)]
        else:
            now = time.monotonic()
            timeout = max(0.0, min(job._deadline for _, job in jobs) - now)
            readable, _, _ = select.select([job._read for _, job in jobs], [], [], timeout)
            now = time.monotonic()
            ready = [n for n, job in jobs if job._read in readable or job._deadline <= now]
        for n in ready:
            job = self._running.pop(n)
            try:
                self._done[n] = job.result()
            except ChildFailed as exc:
                self._done[n] = exc
        self._fill()

    def close(self) -> None:
        for job in self._running.values():
            job.cancel()
        self._running = {}
        self._pending = iter(())


def run_many(
    func: Callable[..., T],
    calls: list[tuple[Any, ...]],
    limits: Limits | list[Limits] | None = None,
    jobs: int | None = None,
) -> Iterator[T | ChildFailed]:
    """The results of a :class:`Pool`, in order."""
    return iter(Pool(func, calls, limits, jobs))


def _each(func: Callable[..., T], calls: list[tuple[Any, ...]]) -> list[T]:
    return [func(*args) for args in calls]


class GroupedPool(Generic[T]):
    """Like :class:`Pool`, but consecutive calls share a child (up to ``group_calls`` of
    them, or ``group_bytes`` of input by ``sizes``): far fewer processes for many small
    records. The time limit is per call. A group whose child fails (time, memory, a
    crash) is run again one call per child, so that the failure names its call and the
    other calls of the group still succeed. The first children start at once."""

    def __init__(
        self,
        func: Callable[..., T],
        calls: list[tuple[Any, ...]],
        limits: Limits | None = None,
        jobs: int | None = None,
        sizes: list[int] | None = None,
        group_bytes: int = 64 * 1024**2,
        group_calls: int = 16,
    ) -> None:
        self.func, self.calls, self.jobs = func, calls, jobs
        self.limits = limits or Limits()
        self.groups: list[list[int]] = []
        weight = 0
        for n, size in enumerate(sizes or [0] * len(calls)):
            if (
                not self.groups
                or len(self.groups[-1]) >= group_calls
                or weight + size > group_bytes
            ):
                self.groups.append([])
                weight = 0
            self.groups[-1].append(n)
            weight += size
        batches = [(func, [calls[n] for n in group]) for group in self.groups]
        own = [Limits(self.limits.memory, self.limits.seconds * len(g)) for g in self.groups]
        self._pool: Pool[list[T]] = Pool(_each, batches, own, jobs)

    def __iter__(self) -> Iterator[T | ChildFailed]:
        for group, outcome in zip(self.groups, self._pool, strict=True):
            if isinstance(outcome, ChildFailed):
                yield from run_many(
                    self.func, [self.calls[n] for n in group], self.limits, self.jobs
                )
            else:
                yield from outcome

    def close(self) -> None:
        self._pool.close()
