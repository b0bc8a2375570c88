"""Two versions of sopacket side by side, in one run: is a change (a restructure, a new
dependency) slower or larger than what it replaces?

Each version is a ``sopacket`` executable, for example one installed from an earlier
commit into a virtual environment of its own:

  git worktree add /tmp/before <commit>
  python -m venv /tmp/venv-before && /tmp/venv-before/bin/pip install /tmp/before
  python -m venv /tmp/venv-after && /tmp/venv-after/bin/pip install .
  python benchmarks/versions.py /tmp/venv-before/bin/sopacket /tmp/venv-after/bin/sopacket

Install both the same way (not one editable and one not: an editable install starts
slower). The workloads, each run ``--runs`` times per version, alternating which goes
first so that machine noise hits both alike:

  * ``--help`` (start-up);
  * ``check`` of the example packet;
  * ``build`` of the 1,000-page record set of ``build_vs_qpdf.py``;
  * the same build with ``--max-size 25MB`` (recompression considered, cut into parts).

Printed: the median wall-clock time and the largest peak RSS of each, and the ratios
second/first (<= 1.0 means the second version is no slower, no larger).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_vs_qpdf import PASSWORD, Samples, mib, run_measured, warm
from make_record_set import make

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "jane-doe" / "packet.yaml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path, help="the sopacket executable to compare against")
    parser.add_argument("second", type=Path, help="the sopacket executable being measured")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--records", type=int, default=100)
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "sopacket-build-bench"
    )
    args = parser.parse_args()
    for exe in (args.first, args.second):
        if not os.access(exe, os.X_OK):
            print(f"{exe} is not an executable sopacket", file=sys.stderr)
            return 2

    setdir = args.workdir / f"set-{args.records}x{args.pages}"
    packet = make(setdir, args.records, args.pages)
    warm([*sorted((setdir / "records").iterdir()), packet])
    outdir = args.workdir / "versions"
    outdir.mkdir(parents=True, exist_ok=True)
    password = f"{PASSWORD}\n".encode()

    def workloads(exe: Path, tag: str) -> dict[str, tuple[list[str], bytes | None]]:
        out = outdir / tag
        out.mkdir(exist_ok=True)
        build = [str(exe), "build", str(packet), "--password-stdin", "--force", "-q"]
        return {
            "--help": ([str(exe), "--help"], None),
            "check example": ([str(exe), "check", str(EXAMPLE)], None),
            "build 1,000 pages": ([*build, "-o", str(out / "plain.pdf")], password),
            "build --max-size 25MB": (
                [*build, "-o", str(out / "fit.pdf"), "--max-size", "25MB"],
                password,
            ),
        }

    versions = {"first": workloads(args.first, "first"), "second": workloads(args.second, "second")}
    names = list(versions["first"])
    samples = {(v, n): Samples() for v in versions for n in names}
    print(
        f"{args.first} (first) beside {args.second} (second); {args.runs} runs each, "
        f"alternating; {os.cpu_count()} CPUs, Python {sys.version.split()[0]}",
        flush=True,
    )
    for run in range(args.runs):
        for name in names:
            order = ["first", "second"] if run % 2 == 0 else ["second", "first"]
            for version in order:
                cmd, stdin = versions[version][name]
                log = outdir / f"{version}.log"
                seconds, kib = run_measured(cmd, stdin, log)
                samples[(version, name)].seconds.append(seconds)
                samples[(version, name)].peak_kib.append(kib)
        print(f"  run {run + 1} of {args.runs} done", flush=True)

    print()
    print("| workload | first: median | second: median | time ratio | first: peak | "
          "second: peak | memory ratio |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for name in names:
        first, second = samples[("first", name)], samples[("second", name)]
        t1, t2 = statistics.median(first.seconds), statistics.median(second.seconds)
        m1, m2 = max(first.peak_kib), max(second.peak_kib)
        print(
            f"| {name} | {t1:.3f} s | {t2:.3f} s | {t2 / t1:.2f}x | {mib(m1)} | {mib(m2)} | "
            f"{m2 / m1:.2f}x |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
