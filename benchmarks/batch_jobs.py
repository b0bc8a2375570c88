"""Batch benchmark: ``sopacket batch --jobs 2`` beside ``--jobs 1``, in one run.

Target (from the batch issue): on a 2-core machine, ``--jobs 2`` builds at least 1.7 times
as many packets per second as ``--jobs 1``.

The packets: ``--packets`` copies (default 32) of the example packet (examples/jane-doe:
7 records, 18 pages each), each under its own id. Passwords come from a keyring kept in a
JSON file in the work folder (tests/plain_keyring.py, selected with
PYTHON_KEYRING_BACKEND): the benchmark needs no desktop keyring. Each run is a fresh
process building every packet (``--force``); the two settings alternate (and alternate
which goes first) ``--runs`` times, and the median wall-clock times are compared. Every
output is then opened with its password by qpdf.

The machine's own parallelism is measured in the same run, as a reference: a pure CPU loop
(no I/O, no shared state) run as 1 and as 2 processes at once. Where that loop itself
gets no speed-up (cores that are hyperthreads of one physical core, or a CPU quota), no
program can; the benchmark then also reports sopacket's speed-up as a share of the
machine's.

Run from the repository root, in the virtual environment where sopacket is installed:

    python benchmarks/batch_jobs.py [--packets 32] [--runs 5] [--workdir DIR]

Exit status: 0 when the target is met, 1 when it is missed, 2 when a run fails.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "jane-doe"
TARGET = 1.7
PASSWORD = "benchmark-batch-pw-2026"


def prepare(work: Path, packets: int) -> tuple[Path, dict[str, str]]:
    inputs = work / "in"
    shutil.rmtree(inputs, ignore_errors=True)
    text = (EXAMPLE / "packet.yaml").read_text()
    for n in range(packets):
        folder = inputs / f"patient-{n:03d}"
        shutil.copytree(EXAMPLE, folder)
        (folder / "packet.yaml").write_text(
            text.replace("id: example-jd-2026", f"id: bench-{n:03d}")
        )
    keyring = work / "keyring.json"
    keyring.write_text(json.dumps({f"sopacket/bench-{n:03d}": PASSWORD for n in range(packets)}))
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        PYTHON_KEYRING_BACKEND="tests.plain_keyring.PlainFileKeyring",
        SOPACKET_TEST_KEYRING_FILE=str(keyring),
    )
    return inputs, env


def _burn(_: int) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(8_000_000):
        total += i
    return time.perf_counter() - started


def machine_speedup() -> float:
    """How much faster 2 CPU-bound processes finish 4 equal tasks than 1 process does."""
    from multiprocessing import get_context

    times = {}
    for n in (1, 2):
        started = time.perf_counter()
        with get_context("fork").Pool(n) as pool:
            pool.map(_burn, range(4))
        times[n] = time.perf_counter() - started
    return times[1] / times[2]


def run(inputs: Path, out: Path, jobs: int, env: dict[str, str]) -> float:
    cmd = [
        sys.executable,
        "-m",
        "sopacket",
        "batch",
        str(inputs),
        "-o",
        str(out),
        "--keyring",
        "--force",
        "--jobs",
        str(jobs),
        "-q",
    ]
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        print(done.stdout, done.stderr, file=sys.stderr)
        raise SystemExit(2)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packets", type=int, default=32)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "sopacket-batch-bench"
    )
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    inputs, env = prepare(args.workdir, args.packets)
    times: dict[int, list[float]] = {1: [], 2: []}
    pairs: list[float] = []
    machine: list[float] = []
    print(
        f"{args.packets} packets (the example, 7 records and 18 pages each); {args.runs} runs "
        f"each, alternating, each pair beside the machine's own reference; "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    for r in range(args.runs):
        machine.append(machine_speedup())
        order = (1, 2) if r % 2 == 0 else (2, 1)
        pair = {}
        for jobs in order:
            pair[jobs] = run(inputs, args.workdir / f"out{jobs}", jobs, env)
            times[jobs].append(pair[jobs])
        pairs.append(pair[1] / pair[2])
        print(
            f"  run {r + 1}: --jobs 1 {pair[1]:5.2f} s, --jobs 2 {pair[2]:5.2f} s: "
            f"{pairs[-1]:.2f}x; CPU loop 2 vs 1 process: {machine[-1]:.2f}x"
        )
    for jobs in (1, 2):
        for pdf in sorted((args.workdir / f"out{jobs}").glob("*.pdf")):
            ok = subprocess.run(
                ["qpdf", f"--password={PASSWORD}", "--check", str(pdf)], capture_output=True
            )
            if ok.returncode != 0:
                print(f"{pdf} does not open cleanly", file=sys.stderr)
                return 2
    one, two = statistics.median(times[1]), statistics.median(times[2])
    ratio = statistics.median(pairs)
    reference = statistics.median(machine)
    print()
    print("| setting | median time | packets/s |")
    print("|---|---|---|")
    print(f"| `--jobs 1` | {one:.2f} s | {args.packets / one:.2f} |")
    print(f"| `--jobs 2` | {two:.2f} s | {args.packets / two:.2f} |")
    verdict = "met" if ratio >= TARGET else "MISSED"
    print(
        f"| speed-up (median of the pairs) | **{ratio:.2f}×** (target ≥ {TARGET}×, {verdict}) | |"
    )
    print(f"| reference: a pure CPU loop, 2 processes vs 1 | {reference:.2f}× | |")
    print(f"| sopacket's share of the machine's speed-up | {ratio / reference:.0%} | |")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
