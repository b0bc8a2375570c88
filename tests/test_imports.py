"""Quick commands stay quick: heavy libraries are imported only where they are needed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import EXAMPLE, MINIMAL, write

HEAVY = ("pypdf", "pikepdf", "reportlab", "keyring", "PIL")

PROBE = """
import json, sys
args, heavy_names = json.loads(sys.argv[1]), set(json.loads(sys.argv[2]))
sys.argv = ["sopacket", *args]
from sopacket.cli import main
try:
    main()
except SystemExit:
    pass
heavy = sorted({m.split(".")[0] for m in sys.modules} & heavy_names)
print("HEAVY=" + json.dumps(heavy))
"""


def heavy_modules(args: list[str], cwd: Path) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=True,
    ).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("HEAVY="))
    return json.loads(line.removeprefix("HEAVY="))


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["schema"],
        ["init", "new"],
        ["add", "--help"],
        ["add", "question", "p.yaml", "Why?"],
        ["check", "p.yaml"],
    ],
    ids=["help", "version", "schema", "init", "add-help", "add", "check-no-records"],
)
def test_quick_commands_import_no_heavy_library(tmp_path: Path, args: list[str]) -> None:
    write(tmp_path / "p.yaml", MINIMAL)
    assert heavy_modules(args, tmp_path) == []


def test_check_reads_records_in_a_child_process(tmp_path: Path) -> None:
    # The example has PDF and JPEG records: the parent process still imports neither
    # pikepdf nor Pillow, because the child reads them.
    assert heavy_modules(["check", str(EXAMPLE / "packet.yaml")], tmp_path) == []


def test_record_reader_imports_pikepdf_only_for_pdfs(tmp_path: Path) -> None:
    from .conftest import make_image

    make_image(tmp_path / "a.png")
    code = (
        "import sys; from pathlib import Path; from sopacket.records.inspect import inspect; "
        "info = inspect(Path('a.png')); assert info.ok, info; print('pikepdf' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    assert out.stdout.strip() == "False"
