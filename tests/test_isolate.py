"""Child processes with limits: one bad call costs its own result, never the others."""

from __future__ import annotations

import os
import signal
import time

from sopacket.records.isolate import ChildFailed, GroupedPool, Limits, Pool


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
