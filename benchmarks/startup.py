"""Start-up benchmark: sopacket beside a minimal two-command Typer app, in one run.

Targets (from the packet-format issue):
  * ``sopacket --help`` takes at most 1.3 times as long as the minimal app's ``--help``;
  * ``sopacket check`` on the example packet takes at most 2.5 times as long.

Each command runs as a fresh process, interleaved with the others so that machine noise
hits all of them alike; the median of the runs is compared. Run from the repository root:

    python benchmarks/startup.py [--runs 30]

Exit status is 0 when both targets are met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "jane-doe" / "packet.yaml"

MINIMAL_APP = """\
import typer

app = typer.Typer()


@app.command()
def hello(name: str) -> None:
    print(f"Hello {name}")


@app.command()
def goodbye(name: str) -> None:
    print(f"Goodbye {name}")


if __name__ == "__main__":
    app()
"""


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    sopacket = shutil.which("sopacket") or ""
    if not sopacket:
        print("sopacket is not installed in this environment (pip install .)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "minimal_app.py"
        app.write_text(MINIMAL_APP)
        commands = {
            "typer minimal --help": [sys.executable, str(app), "--help"],
            "sopacket --help": [sopacket, "--help"],
            "sopacket check example": [sopacket, "check", str(EXAMPLE)],
        }
        for cmd in commands.values():  # warm the file cache
            timed(cmd)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, cmd in commands.items():
                samples[name].append(timed(cmd))

    medians = {name: statistics.median(xs) for name, xs in samples.items()}
    base = medians["typer minimal --help"]
    print(f"{'command':<26}{'median':>10}{'ratio':>8}{'target':>8}")
    ok = True
    targets = {"sopacket --help": 1.3, "sopacket check example": 2.5}
    for name, median in medians.items():
        ratio = median / base
        target = targets.get(name)
        verdict = ""
        if target is not None:
            met = ratio <= target
            ok &= met
            verdict = f"{target:>7.1f}x {'ok' if met else 'MISSED'}"
        print(f"{name:<26}{median * 1000:>8.0f}ms{ratio:>7.2f}x {verdict}")
    python = sys.version.split()[0]
    print(f"({args.runs} runs each, interleaved; {os.cpu_count()} CPUs; Python {python})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
