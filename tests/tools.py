"""What the tests need beyond Python, and the one place that decides: skip, or fail.

Many tests check packets with independent readers (qpdf, poppler's pdftotext/pdfinfo/
pdftoppm/pdfimages, MuPDF's mutool), draw text that needs a system font (Chinese, Japanese,
Arabic...), or talk to a real Secret Service. On a machine with only Python those tests
skip, each with a reason naming the package that brings what is missing. With
``SOPACKET_REQUIRE_ALL=1`` (set by ``.ci/run``) a missing tool, font, keyring session or
download is a failure instead, so that CI cannot pass by skipping.

Use (see also the top of ``tests/conftest.py``):

- any ``subprocess`` call whose program is one of ``TOOLS`` is guarded automatically
  (``conftest.py`` installs :func:`guard_subprocess` for the whole session): a missing
  program skips the test with the reason, rather than raising ``FileNotFoundError``;
- ``run_tool("qpdf", "--check", path)``: the same, spelled out (text output, no check);
- ``@pytest.mark.needs("qpdf", "mutool")`` on a test or ``pytestmark``: skip before the
  test starts;
- ``need_font("王秀英")`` or ``@pytest.mark.needs_font("王秀英")``: sopacket's own font
  lookup must find a font for every character;
- ``unavailable("reason")`` for anything else (skip, or fail when required).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, NoReturn

import pytest

REQUIRE_ENV = "SOPACKET_REQUIRE_ALL"
"""Set to 1 to turn every skip for something missing into a failure (CI does)."""
_OLD_REQUIRE_ENV = "SOPACKET_REQUIRE_REALWORLD"  # its earlier name, still honoured

# program -> (Debian/Ubuntu package, Homebrew formula)
TOOLS: dict[str, tuple[str, str]] = {
    "qpdf": ("qpdf", "qpdf"),
    "pdftotext": ("poppler-utils", "poppler"),
    "pdftoppm": ("poppler-utils", "poppler"),
    "pdfinfo": ("poppler-utils", "poppler"),
    "pdfimages": ("poppler-utils", "poppler"),
    "pdfsig": ("poppler-utils", "poppler"),
    "pdffonts": ("poppler-utils", "poppler"),
    "mutool": ("mupdf-tools", "mupdf-tools"),
    "jbig2dec": ("jbig2dec", "jbig2dec"),
    "gnome-keyring-daemon": ("gnome-keyring", ""),
    "dbus-run-session": ("dbus", "dbus"),
}

# a sample of a script -> the Debian/Ubuntu package whose TrueType font sopacket uses for it
FONT_PACKAGES: tuple[tuple[str, str], ...] = (
    ("\u4e00-\u9fff\u3040-\u30ff\uac00-\ud7af", "fonts-droid-fallback"),  # CJK
    # Hebrew and Arabic, with Arabic's joined presentation forms
    ("\u0590-\u05ff\u0600-\u06ff\ufb1d-\ufdff\ufe70-\ufeff", "fonts-dejavu-core"),
)


def required() -> bool:
    """True when a missing tool, font, session or download must fail the test (CI)."""
    return "1" in (os.environ.get(REQUIRE_ENV), os.environ.get(_OLD_REQUIRE_ENV))


def unavailable(reason: str) -> NoReturn:
    """Skip the test (or the module, at import) for ``reason``; fail instead in CI."""
    if required():
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1: this test must run)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)
    raise AssertionError("unreachable")


def install_hint(tool: str) -> str:
    debian, brew = TOOLS[tool]
    hint = f"Debian/Ubuntu: apt-get install {debian}"
    return f"{hint}; macOS: brew install {brew}" if brew else hint


def need(tool: str) -> str:
    """The path of ``tool``, or skip (fail in CI) with the package that provides it."""
    found = shutil.which(tool)
    if found is None:
        unavailable(f"needs {tool} ({install_hint(tool)})")
    return found


def run_tool(tool: str, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a system tool the tests check packets with; skips when it is not installed."""
    need(tool)
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    return subprocess.run([tool, *args], **kwargs)


def missing_characters(text: str) -> set[str]:
    """Characters of ``text`` that sopacket's own font lookup finds no font for."""
    from sopacket.render import fonts

    found = fonts.load().fresh()
    found.markup(text)
    return found.missing


def need_font(text: str) -> None:
    """Skip (fail in CI) unless an installed font draws every character of ``text``."""
    missing = missing_characters(text)
    if missing:
        packages = [
            package
            for chars, package in FONT_PACKAGES
            if any(_in_ranges(ch, chars) for ch in missing)
        ]
        unavailable(
            f"needs a font that draws {text!r} "
            f"(Debian/Ubuntu: apt-get install {' '.join(packages) or 'fonts-noto-core'})"
        )


def _in_ranges(ch: str, ranges: str) -> bool:
    return any(ranges[i] <= ch <= ranges[i + 2] for i in range(0, len(ranges), 3))


class _GuardedPopen(subprocess.Popen):  # type: ignore[type-arg]
    """``subprocess.Popen`` that skips the test when its program is a missing test tool."""

    def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
        program = _program(args, kwargs)
        if program in TOOLS and shutil.which(program, path=_path_of(kwargs)) is None:
            unavailable(f"needs {program} ({install_hint(program)})")
        super().__init__(args, *rest, **kwargs)


def _program(args: Any, kwargs: dict[str, Any]) -> str | None:
    if kwargs.get("executable"):
        return Path(os.fspath(kwargs["executable"])).name
    if isinstance(args, (str, bytes, os.PathLike)):
        first = os.fsdecode(args).split()[0] if kwargs.get("shell") else os.fsdecode(args)
    elif args:
        first = os.fsdecode(args[0])
    else:
        return None
    return first if os.sep not in first else None  # a path given in full is not looked up


def _path_of(kwargs: dict[str, Any]) -> str | None:
    env = kwargs.get("env")
    return env.get("PATH") if env is not None else None


def pytest_configure(config: pytest.Config) -> None:
    """The hooks ``tests/conftest.py`` takes from here: markers, and the guard."""
    config.addinivalue_line("markers", "needs(*tools): system programs the test runs")
    config.addinivalue_line("markers", "needs_font(text): a system font must draw the text")
    guard_subprocess()


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("needs"):
        for tool in mark.args:
            need(tool)
    for mark in item.iter_markers("needs_font"):
        for text in mark.args:
            need_font(text)


def guard_subprocess() -> None:
    """From now on, a test that starts a missing test tool skips (fails in CI) instead."""
    subprocess.Popen = _GuardedPopen  # type: ignore[misc]


def default_signals() -> None:
    """For ``preexec_fn``: a child that is to be sent Ctrl-C or Ctrl-\\ gets the default
    dispositions back (a run started in the background, ``cmd &``, ignores SIGINT and
    SIGQUIT, and a child would inherit that and never see the signal the test sends)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)
