"""Child processes with limits: one bad call costs its own result, never the others."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sopacket.records.isolate import ChildFailed, GroupedPool, Limits, Pool

from .tools import default_signals


def work(n: int) -> int:
    if n == 3:
        os.kill(os.getpid(), signal.SIGSEGV)  # a parser crash
    if n == 5:
        time.sleep(30)  # an endless loop
    if n == 7:
        _ = bytearray(3 * 1024**3)  # a decompression bomb
    return n * n


def test_grouped_pool_names_each_failure_and_keeps_the_rest() -> None:
    calls = [(n,) for n in range(10)]
    pool = GroupedPool(work, calls, Limits(memory=1024**3, seconds=1), jobs=2, group_calls=4)
    outcomes = list(pool)
    for n, outcome in enumerate(outcomes):
        if n in (3, 5, 7):
            assert isinstance(outcome, ChildFailed), n
        else:
            assert outcome == n * n
    assert "signal 11" in outcomes[3].reason  # type: ignore[union-attr]
    assert "longer than 1 second" in outcomes[5].reason  # type: ignore[union-attr]
    assert "memory" in outcomes[7].reason  # type: ignore[union-attr]


def test_pool_close_stops_children() -> None:
    pool = Pool(work, [(5,), (5,)], Limits(seconds=30), jobs=2)
    pids = [job._pid for job in pool._running.values()]
    pool.close()
    for pid in pids:
        assert pid is not None
        try:
            os.kill(pid, 0)
            alive = True
        except ProcessLookupError:
            alive = False
        assert not alive


def finish_time(seconds: float) -> float:
    time.sleep(seconds)
    return time.monotonic()


def test_a_slow_child_holds_only_its_own_slot() -> None:
    outcomes = list(Pool(finish_time, [(3,)] + [(0.05,)] * 20, Limits(0, 30), jobs=3))
    assert len(outcomes) == 21 and all(isinstance(t, float) for t in outcomes)
    slow = outcomes[0]
    # While the slow one sleeps, the other two slots keep working through the rest (with
    # head-of-line waiting, only the two already started would finish before it).
    assert sum(1 for t in outcomes[1:] if t < slow) == 20


# --- no core dumps: a core file would hold the password and patient data ------------------

_SETUP = """
import os, resource, signal, sys
# As in a shell after `ulimit -c unlimited`: a crash would write ./core.
soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))

def status():
    import ctypes  # prctl(PR_GET_DUMPABLE): /proc/self/status lacks it on some kernels
    dumpable = ctypes.CDLL(None).prctl(3, 0, 0, 0, 0)
    return resource.getrlimit(resource.RLIMIT_CORE), dumpable
"""


def _crash_in_fresh_python(code: str, cwd: Path, crash: bool = True) -> str:
    """Run ``code`` (after _SETUP) in a new Python in ``cwd``; it prints what it found and
    (``crash``) ends with SIGQUIT (Ctrl-\\), which dumps core unless forbidden. No core
    file may be left."""
    end = "\nsys.stdout.flush()\nos.kill(os.getpid(), signal.SIGQUIT)\n" if crash else ""
    done = subprocess.run(
        [sys.executable, "-c", _SETUP + code + end],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=default_signals,
    )
    assert done.returncode == (-signal.SIGQUIT if crash else 0), done.stderr
    assert not [p.name for p in cwd.iterdir() if p.name.startswith("core")]
    return done.stdout


linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux prctl")


@linux_only
def test_the_command_line_forbids_core_dumps(tmp_path: Path) -> None:
    out = _crash_in_fresh_python(
        "from sopacket.cli.root import main\n"
        "sys.argv = ['sopacket', '--version']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(status())",
        tmp_path,
    )
    assert out.splitlines()[-1] == "((0, 0), 0)"


@linux_only
def test_the_library_build_forbids_core_dumps(tmp_path: Path) -> None:
    out = _crash_in_fresh_python(
        "from sopacket.build import build\n"
        "from sopacket.errors import SopacketError\n"
        "try:\n    build('missing.yaml', 'correct horse battery staple')\n"
        "except SopacketError:\n    pass\n"
        "print(status())",
        tmp_path,
    )
    assert out.strip() == "((0, 0), 0)"


def _child_status() -> tuple[tuple[int, int], int]:
    import ctypes

    return resource.getrlimit(resource.RLIMIT_CORE), ctypes.CDLL(None).prctl(3, 0, 0, 0, 0)


def _dump_core() -> None:
    os.kill(os.getpid(), signal.SIGQUIT)


@linux_only
def test_record_children_cannot_dump_core_even_from_a_parent_that_allows_it(
    tmp_path: Path,
) -> None:
    """A library caller that never went through main() or build(): the record-reading
    children forbid core dumps themselves; one that crashes leaves no core file."""
    out = _crash_in_fresh_python(
        "from sopacket.records import isolate\n"
        "from tests.test_isolate import _child_status, _dump_core\n"
        "print(isolate.run(_child_status))\n"
        "try:\n    isolate.run(_dump_core)\nexcept isolate.ChildFailed as exc:\n"
        "    print(exc.reason)\n"
        "print(status())",
        tmp_path,
        crash=False,
    )
    child, crash, parent = out.splitlines()
    assert child == "((0, 0), 0)"
    assert crash == f"the reader crashed (signal {int(signal.SIGQUIT)})"
    assert parent != "((0, 0), 0)"  # the parent was left as it was: the children did it
