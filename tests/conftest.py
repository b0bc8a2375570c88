"""Shared fixtures. Record files are generated here, small, and named for what they are.

Tests that need more than Python (the one mechanism: tests/tools.py)
--------------------------------------------------------------------
``pip install -e '.[test]' && pytest`` passes on a machine with only Python: a test that
needs a system tool, a system font or a real keyring session *skips*, and its reason names
the package to install ("needs qpdf (Debian/Ubuntu: apt-get install qpdf; macOS: brew
install qpdf)"). With ``SOPACKET_REQUIRE_ALL=1`` (``.ci/run`` sets it) each such skip is a
*failure*: CI runs everything or fails. (Its earlier name, ``SOPACKET_REQUIRE_REALWORLD=1``,
is still honoured; read it through ``tools.required()``, never from ``os.environ``.)
``bash .ci/python-only`` runs the tests with the tools left out of PATH and the system fonts
hidden, to see the skips.

- Calling a tool: just call it. Every ``subprocess`` call (``run``, ``Popen``,
  ``check_output``...) whose program is listed in ``tools.TOOLS`` (qpdf, pdftotext, pdfinfo,
  pdftoppm, pdfimages, pdfsig, mutool, jbig2dec, ...) is guarded for the whole session
  (``tools.pytest_configure``): a missing program skips the test with its package.
  ``tools.run_tool("qpdf", "--check", path)`` does the same with text output captured.
  A new tool: add it to ``tools.TOOLS`` with its packages.
- Before the test starts: ``@pytest.mark.needs("qpdf", "mutool")`` (or in ``pytestmark``).
- Fonts: ``@pytest.mark.needs_font("王秀英")`` or ``tools.need_font(text)`` inside the test:
  sopacket's own font lookup must find a font for every character of the text.
- The real Secret Service: the ``real_keyring`` fixture (see tests/test_keyring_real.py).
- Anything else (a download, a service): ``tools.unavailable("needs ... (install ...)")``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from . import tools
from .tools import pytest_configure, pytest_runtest_setup  # noqa: F401 - the hooks: markers, guard

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "jane-doe"


@pytest.fixture
def real_keyring() -> None:
    """The real Secret Service session that .ci/run starts (SOPACKET_REAL_KEYRING=1)."""
    if os.environ.get("SOPACKET_REAL_KEYRING") != "1":
        tools.unavailable(
            "needs a real Secret Service: run the tests inside .ci/run's D-Bus session "
            "with an unlocked gnome-keyring, which sets SOPACKET_REAL_KEYRING=1 "
            "(Debian/Ubuntu: apt-get install gnome-keyring dbus)"
        )


def make_pdf(path: Path, pages: int = 1, text: str = "Record") -> Path:
    """A plain text PDF with ``pages`` pages, each saying ``text`` and its page number."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    path.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    for n in range(1, pages + 1):
        c.setFont("Helvetica", 14)
        c.drawString(72, 700, f"{text} - page {n}")
        c.showPage()
    c.save()
    return path


def make_image(path: Path, fmt: str = "PNG", frames: int = 1) -> Path:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    images = [Image.new("RGB", (200, 300), (255, 255, 255 - 40 * i)) for i in range(frames)]
    if frames > 1:
        images[0].save(path, format=fmt, save_all=True, append_images=images[1:])
    else:
        images[0].save(path, format=fmt)
    return path


@pytest.fixture
def pdf_factory(tmp_path: Path) -> Callable[..., Path]:
    def factory(name: str = "record.pdf", pages: int = 1, text: str = "Record") -> Path:
        return make_pdf(tmp_path / name, pages, text)

    return factory


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A private copy of the complete example packet; returns its packet.yaml."""
    dest = tmp_path / "jane-doe"
    shutil.copytree(EXAMPLE, dest)
    return dest / "packet.yaml"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """\
sopacket: 1
patient:
  name: Ana Test
  date_of_birth: 1970-01-31
request:
  reason: Second opinion on a test
"""


@pytest.fixture
def minimal(tmp_path: Path) -> Path:
    """The smallest valid packet file (not ready: almost everything is missing)."""
    return write(tmp_path / "packet.yaml", MINIMAL)


BUILT_PW = "correct horse battery staple"
"""The password of the ``built`` packet."""


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example packet, built once for the tests that read it (never changed: the
    tests that tamper with it do so on a copy, see :func:`tampered`)."""
    from sopacket.cli import app

    folder = tmp_path_factory.mktemp("built") / "jane-doe"
    shutil.copytree(EXAMPLE, folder)
    out = folder / "packet.pdf"
    result = CliRunner().invoke(
        app,
        ["build", str(folder / "packet.yaml"), "--password-stdin", "-o", str(out)],
        input=BUILT_PW + "\n",
    )
    assert result.exit_code == 0, result.output
    return out


def tampered(built: Path, tmp_path: Path, change: Callable[[Any], None]) -> Path:
    """The packet opened with its password, changed by ``change``, saved encrypted again
    with the same password (AES-256), as anyone holding the password can do."""
    import pikepdf

    out = tmp_path / "tampered.pdf"
    with pikepdf.open(built, password=BUILT_PW) as pdf:
        change(pdf)
        pdf.save(out, encryption=pikepdf.Encryption(user=BUILT_PW, owner="x" * 20, R=6))
    return out
