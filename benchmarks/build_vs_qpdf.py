"""Build benchmark: ``sopacket build`` beside qpdf doing the same page work, in one run.

Targets (from the build issue), on 100 scanned-looking PDF records of 10 pages each
(about 1,000 pages, 60 MB; made by ``make_record_set.py``):

  * ``sopacket build`` takes no longer than qpdf merging the same pages, overlaying a stamp
    on every page and encrypting with AES-256 in one command (time ratio <= 1.0);
  * sopacket's peak memory stays under three times qpdf's (memory ratio <= 3.0).

The two commands:

  qpdf --empty --pages r001.pdf ... -- --overlay stamp.pdf --repeat=1 -- \\
       --encrypt USER OWNER 256 -- out-qpdf.pdf
  sopacket build packet.yaml --password-stdin -o out-sopacket.pdf --force -q

(The passwords on qpdf's command line are fine for a reference run; sopacket's is piped
on standard input.) sopacket does more than qpdf here: it also checks the packet, draws
the front matter, gives every page its own band in a strip added below it, adds the
outline and the manifest, and reopens the output to verify it; that is all in its time.

How: the record files are read once beforehand to warm the file cache, then the two
commands run ``--runs`` times each, alternating (and alternating which goes first), so
that machine noise hits both alike. Each runs as a child process; its wall-clock time is
taken around it, and its peak resident memory is the ``ru_maxrss`` that ``os.wait4``
returns for it (the largest resident set of the process or any child it waited for, such
as ``sopacket check``'s record reader). The median time and the largest peak are
compared. Both outputs are then opened with their password by ``qpdf --check`` and
``pdfinfo``, and their pages counted.

Run from the repository root, in the virtual environment where sopacket is installed:

    python benchmarks/build_vs_qpdf.py [--records 100] [--pages 10] [--runs 3] [--workdir DIR]

The record set is cached in ``DIR`` (default: ``sopacket-build-bench`` in the temporary
folder) and made again only when its parameters change. Exit status: 0 when both targets
are met, 1 when one is missed, 2 when a command fails or an output does not open.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_record_set import make

PASSWORD = "benchmark-user-pw-2026"
OWNER_PASSWORD = "benchmark-owner-pw-2026"
TIME_TARGET = 1.0
MEMORY_TARGET = 3.0


@dataclass
class Samples:
    seconds: list[float] = field(default_factory=list)
    peak_kib: list[int] = field(default_factory=list)


class CommandFailed(Exception):
    pass


def run_measured(cmd: list[str], stdin: bytes | None, log: Path) -> tuple[float, int]:
    """Run ``cmd``; its wall-clock seconds and peak resident set (KiB, from wait4)."""
    with log.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        if stdin is not None and proc.stdin is not None:
            proc.stdin.write(stdin)
            proc.stdin.close()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise CommandFailed(f"{cmd[0]} exited with {proc.returncode}:\n{tail}")
    return seconds, int(usage.ru_maxrss)  # kilobytes on Linux


def verify(path: Path, password: str) -> tuple[int, str]:
    """Open ``path`` with ``password`` (qpdf --check, pdfinfo); its pages and encryption."""
    check = subprocess.run(
        ["qpdf", "--check", f"--password={password}", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    # qpdf --check exits 0 when clean and 3 with warnings only; 2 is an error.
    if check.returncode not in (0, 3):
        raise CommandFailed(f"qpdf --check {path.name} failed:\n{check.stdout}{check.stderr}")
    info = subprocess.run(
        ["pdfinfo", "-upw", password, str(path)], capture_output=True, text=True, check=False
    )
    if info.returncode != 0:
        raise CommandFailed(f"pdfinfo {path.name} failed:\n{info.stderr}")
    pages = re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)
    encrypted = re.search(r"^Encrypted:\s+(.*)$", info.stdout, re.M)
    algorithm = re.search(r"algorithm:([\w-]+)", encrypted.group(1)) if encrypted else None
    if not pages or not encrypted or not encrypted.group(1).startswith("yes"):
        raise CommandFailed(f"{path.name} is not an encrypted PDF:\n{info.stdout}")
    return int(pages.group(1)), algorithm.group(1) if algorithm else "?"


def warm(paths: list[Path]) -> None:
    for path in paths:
        with path.open("rb") as fh:
            while fh.read(1 << 20):
                pass


def mib(kib: float) -> str:
    return f"{kib / 1024:.0f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100)
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "sopacket-build-bench"
    )
    args = parser.parse_args()

    sopacket = shutil.which("sopacket")
    qpdf = shutil.which("qpdf")
    if not sopacket or not qpdf or not shutil.which("pdfinfo"):
        print("needs sopacket (pip install .), qpdf and pdfinfo (poppler-utils)", file=sys.stderr)
        return 2

    setdir = args.workdir / f"set-{args.records}x{args.pages}"
    packet = make(setdir, args.records, args.pages)
    records = [setdir / "records" / f"record-{n + 1:03d}.pdf" for n in range(args.records)]
    outdir = args.workdir / "out"
    outdir.mkdir(parents=True, exist_ok=True)
    out_qpdf = outdir / "out-qpdf.pdf"
    out_sop = outdir / "out-sopacket.pdf"
    commands: dict[str, tuple[list[str], bytes | None]] = {
        "qpdf": (
            [
                *(qpdf, "--empty", "--pages", *map(str, records), "--"),
                *("--overlay", str(setdir / "stamp.pdf"), "--repeat=1", "--"),
                *("--encrypt", PASSWORD, OWNER_PASSWORD, "256", "--", str(out_qpdf)),
            ],
            None,
        ),
        "sopacket": (
            [
                *(sopacket, "build", str(packet), "--password-stdin"),
                *("-o", str(out_sop), "--force", "-q"),
            ],
            f"{PASSWORD}\n".encode(),
        ),
    }

    record_bytes = sum(p.stat().st_size for p in records)
    version = subprocess.run([qpdf, "--version"], capture_output=True, text=True, check=False)
    print(
        f"{args.records} records x {args.pages} pages = {args.records * args.pages} pages, "
        f"{record_bytes / 1e6:.1f} MB of record files; {args.runs} runs each, alternating; "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"qpdf {(version.stdout.split() + ['?'] * 3)[2]}",
        flush=True,
    )
    warm([*records, setdir / "stamp.pdf", packet])
    samples = {name: Samples() for name in commands}
    try:
        for run in range(args.runs):
            order = list(commands) if run % 2 == 0 else list(reversed(commands))
            for name in order:
                cmd, stdin = commands[name]
                seconds, kib = run_measured(cmd, stdin, outdir / f"{name}.log")
                samples[name].seconds.append(seconds)
                samples[name].peak_kib.append(kib)
                print(f"  run {run + 1}: {name:<8} {seconds:7.2f} s  {mib(kib):>9}", flush=True)
        checked = {
            "qpdf": verify(out_qpdf, PASSWORD),
            "sopacket": verify(out_sop, PASSWORD),
        }
    except CommandFailed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 2

    time_s = {name: statistics.median(s.seconds) for name, s in samples.items()}
    peak = {name: max(s.peak_kib) for name, s in samples.items()}
    size = {"qpdf": out_qpdf.stat().st_size, "sopacket": out_sop.stat().st_size}
    time_ratio = time_s["sopacket"] / time_s["qpdf"]
    mem_ratio = peak["sopacket"] / peak["qpdf"]
    time_ok = time_ratio <= TIME_TARGET
    mem_ok = mem_ratio <= MEMORY_TARGET

    print()
    print(f"| {'command':<8} | median time | peak RSS | pages | output | encryption |")
    print("|---|---|---|---|---|---|")
    for name in commands:
        pages, algorithm = checked[name]
        print(
            f"| {name:<8} | {time_s[name]:9.2f} s | {mib(peak[name]):>8} | {pages:5d} "
            f"| {size[name] / 1e6:5.1f} MB | {algorithm} |"
        )
    print()
    print("| ratio sopacket/qpdf | value | target | |")
    print("|---|---|---|---|")
    for label, ratio, target, ok in (
        ("time", time_ratio, TIME_TARGET, time_ok),
        ("peak memory", mem_ratio, MEMORY_TARGET, mem_ok),
    ):
        print(f"| {label} | {ratio:.2f}x | <= {target:.1f}x | {'ok' if ok else 'MISSED'} |")
    return 0 if time_ok and mem_ok else 1


if __name__ == "__main__":
    sys.exit(main())
