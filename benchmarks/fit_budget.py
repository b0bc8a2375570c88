"""Size-budget benchmark: ``sopacket build --max-size 25MB`` beside the plain build of the
same 1,000-page record set, in one run.

The set (``make_record_set.py``: 100 scanned-looking PDF records of 10 pages, about 60 MB)
is larger than 25 MB, and its pages are 150 dpi JPEG scans: already at a reading
resolution, so nothing is recompressed and the packet must be cut into parts. The fitted
build therefore measures the whole budget path: estimating every page's size, planning
the parts, drawing a cover, contents and index for each, and de-duplicating resources.

The two builds run ``--runs`` times each, alternating (and alternating which goes first),
as child processes; wall-clock time is taken around each and peak resident memory is the
``ru_maxrss`` that ``os.wait4`` returns (the process and the children it waited for). Every
file written is then opened with the password by ``qpdf --check`` and ``pdfinfo``, its pages
counted, and each part's size checked against the limit. The medians and the largest peaks
are printed, with the ratios fitted/plain.

Run from the repository root, in the virtual environment where sopacket is installed:

    python benchmarks/fit_budget.py [--records 100] [--pages 10] [--runs 3] [--max-size 25MB]

Exit status: 0 when every part fits its limit and every file opens, 2 otherwise.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_vs_qpdf import CommandFailed, mib, run_measured, verify, warm
from make_record_set import make

PASSWORD = "benchmark-user-pw-2026"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100)
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-size", default="25MB")
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "sopacket-build-bench"
    )
    args = parser.parse_args()
    sopacket = shutil.which("sopacket")
    if not sopacket or not shutil.which("qpdf") or not shutil.which("pdfinfo"):
        print("needs sopacket (pip install .), qpdf and pdfinfo (poppler-utils)", file=sys.stderr)
        return 2
    from sopacket.packaging.fit import parse_size

    limit = parse_size(args.max_size)
    setdir = args.workdir / f"set-{args.records}x{args.pages}"
    packet = make(setdir, args.records, args.pages)
    records = sorted((setdir / "records").glob("record-*.pdf"))
    record_bytes = sum(p.stat().st_size for p in records)
    folders = {"plain": args.workdir / "fit-plain", "fitted": args.workdir / "fit-fitted"}
    base = [sopacket, "build", str(packet), "--password-stdin", "--force", "-q"]
    commands = {
        "plain": [*base, "-o", str(folders["plain"] / "packet.pdf")],
        "fitted": [*base, "-o", str(folders["fitted"] / "packet.pdf"), "--max-size", args.max_size],
    }
    print(
        f"{len(records)} records, {args.records * args.pages} pages, {record_bytes / 1e6:.1f} MB "
        f"of record files; limit {args.max_size} ({limit:,} bytes); {args.runs} runs each, "
        "alternating",
        flush=True,
    )
    warm([*records, packet])
    seconds: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, list[int]] = {name: [] for name in commands}
    try:
        for run in range(args.runs):
            order = list(commands) if run % 2 == 0 else list(reversed(commands))
            for name in order:
                shutil.rmtree(folders[name], ignore_errors=True)
                folders[name].mkdir(parents=True)
                took, kib = run_measured(
                    commands[name], f"{PASSWORD}\n".encode(), args.workdir / f"{name}.log"
                )
                seconds[name].append(took)
                peaks[name].append(kib)
                print(f"  run {run + 1}: {name:<6} {took:7.2f} s  {mib(kib):>9}", flush=True)
        files = {name: sorted(folders[name].glob("*.pdf")) for name in commands}
        pages = {name: sum(verify(p, PASSWORD)[0] for p in files[name]) for name in commands}
    except CommandFailed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 2
    over = [p for p in files["fitted"] if p.stat().st_size > limit]
    median = {name: statistics.median(s) for name, s in seconds.items()}
    peak = {name: max(p) for name, p in peaks.items()}
    print()
    print("| build | median time | peak RSS | files | pages | largest file | total |")
    print("|---|---|---|---|---|---|---|")
    for name in commands:
        sizes = [p.stat().st_size for p in files[name]]
        print(
            f"| {name} | {median[name]:.2f} s | {mib(peak[name])} | {len(sizes)} "
            f"| {pages[name]} | {max(sizes) / 1e6:.1f} MB | {sum(sizes) / 1e6:.1f} MB |"
        )
    print()
    print(
        f"fitted/plain: time {median['fitted'] / median['plain']:.2f}x, "
        f"peak memory {peak['fitted'] / peak['plain']:.2f}x"
    )
    if over:
        print(f"FAILED: over the limit: {', '.join(p.name for p in over)}", file=sys.stderr)
        return 2
    print(f"every part is within {args.max_size}; every file opens with the password")
    return 0


if __name__ == "__main__":
    sys.exit(main())
