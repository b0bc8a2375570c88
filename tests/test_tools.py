"""The one mechanism for tests that need more than Python (tests/tools.py): on a machine
without the tool or font, the test skips and says which package to install; with
SOPACKET_REQUIRE_ALL=1 (CI) it fails instead. Run here in a child pytest whose PATH holds
no qpdf or pdftotext and whose font folders are empty."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, write

CHILD_TESTS = """
import subprocess
import pytest
from tests import tools

def test_direct_call():
    subprocess.run(["qpdf", "--version"], check=True)  # no helper: the guard catches it

def test_helper():
    tools.run_tool("pdftotext", "-v")

@pytest.mark.needs("mutool")
def test_marker():
    raise AssertionError("not reached: mutool is missing")

def test_font():
    from sopacket.render import fonts
    fonts.FONT_DIRS = (str(NO_FONTS),)
    tools.need_font("王秀英")

def test_python_only_runs():
    assert subprocess.run(["true"]).returncode == 0
"""


def child_pytest(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "no-fonts").mkdir()
    write(
        tmp_path / "conftest.py",
        "from tests.tools import pytest_configure, pytest_runtest_setup  # noqa: F401\n",
    )
    write(
        tmp_path / "test_child.py",
        f"from pathlib import Path\nNO_FONTS = Path({str(tmp_path / 'no-fonts')!r})\n"
        + CHILD_TESTS,
    )
    bin_dir = tmp_path / "bin"  # only `true`: none of the tools
    bin_dir.mkdir()
    true = next(Path(d) / "true" for d in ("/usr/bin", "/bin") if (Path(d) / "true").exists())
    (bin_dir / "true").symlink_to(true)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SOPACKET_REQUIRE")}
    environ |= {"PATH": str(bin_dir), "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-rsf", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        env=environ,
        cwd=tmp_path,
        timeout=300,
    )


@pytest.fixture(autouse=True)
def _has_true() -> None:
    if not any((Path(d) / "true").exists() for d in ("/usr/bin", "/bin")):
        pytest.skip("needs coreutils' true")


def test_missing_tools_and_fonts_skip_naming_the_package(tmp_path: Path) -> None:
    run = child_pytest(tmp_path)
    assert run.returncode == 0, run.stdout
    assert "1 passed, 4 skipped" in run.stdout
    out = " ".join(run.stdout.split())
    assert "needs qpdf (Debian/Ubuntu: apt-get install qpdf; macOS: brew install qpdf)" in out
    assert "needs pdftotext (Debian/Ubuntu: apt-get install poppler-utils;" in out
    assert "needs mutool (Debian/Ubuntu: apt-get install mupdf-tools;" in out
    assert (
        "needs a font that draws '王秀英' (Debian/Ubuntu: apt-get install fonts-droid-fallback)"
        in out
    )
    assert "FileNotFoundError" not in out


def test_with_require_all_they_fail(tmp_path: Path) -> None:
    run = child_pytest(tmp_path, SOPACKET_REQUIRE_ALL="1")
    assert run.returncode == 1, run.stdout
    assert "3 failed, 1 passed, 1 error" in run.stdout  # the marker fails in set-up
    out = " ".join(run.stdout.split())
    assert "needs qpdf (Debian/Ubuntu: apt-get install qpdf;" in out
    assert "(SOPACKET_REQUIRE_ALL=1: this test must run)" in out
