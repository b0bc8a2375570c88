"""Property: random and mutated packet files never make `check` or `build` show a
traceback or leave partial output. Every outcome is a documented exit code, and a build
either writes a whole packet or writes nothing."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pikepdf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sopacket.cli import app

from .conftest import MINIMAL, make_image, make_pdf

PW = "correct horse battery staple"
DOCUMENTED = {0, 1, 2, 3, 4, 5, 6}

BASE = (
    MINIMAL
    + """\
records:
  - title: Pathology report
    kind: pathology
    date: 2026-01-15
    file: records/report.pdf
    pages: "1-2"
  - {title: Photo of the medication list, kind: other, file: records/photo.png}
medications:
  - {name: Tamoxifen, dose: 20 mg, frequency: daily}
questions:
  - text: Is surgery necessary?
    priority: high
symptoms:
  - {text: New lump, urgent: false}
"""
)
# Values a hostile or careless file might hold anywhere.
NASTY = [
    "",
    "~",
    "[]",
    "{}",
    "!!python/object/apply:os.system ['true']",
    "!tag x",
    "*nowhere",
    "&a [*a]",
    "'unterminated",
    '"\\x00"',
    "99999999999999999999999",
    "-1",
    "1-999",
    "0",
    "/dev/zero",
    "../../../etc/passwd",
    "records",
    "records/report.pdf",
    "\u202e\u0645\u0631\u062d\u0628\u0627 \U0001f600",
    "2026-02-30",
    "yes",
    "- a\n- b",
    "prompt",
    "keyring:x",
    "a" * 300,
]


def folder_with_records() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="sopacket-fuzz-"))
    make_pdf(folder / "records" / "report.pdf", 3, "Fuzz record")
    make_image(folder / "records" / "photo.png")
    return folder


@st.composite
def mutated(draw: st.DrawFn) -> str:
    lines = BASE.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        n = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(["value", "delete", "duplicate", "indent", "bytes"]))
        line = lines[n]
        if how == "value" and ":" in line:
            key = line.split(":", 1)[0]
            lines[n] = f"{key}: {draw(st.sampled_from(NASTY))}"
        elif how == "delete":
            del lines[n]
        elif how == "duplicate":
            lines.insert(n, line)
        elif how == "indent":
            lines[n] = " " * draw(st.integers(0, 5)) + line.lstrip()
        else:
            junk = draw(st.text(min_size=1, max_size=8))
            at = draw(st.integers(0, len(line)))
            lines[n] = line[:at] + junk + line[at:]
        if not lines:
            lines = [""]
    return "\n".join(lines) + "\n"


def outcome_is_clean(result, folder: Path, out: Path | None, before: set[str]) -> None:
    assert result.exit_code in DOCUMENTED, result.output
    assert "Traceback" not in result.output
    assert "unexpected problem" not in result.output
    left = {p.name for p in folder.rglob("*")} - before
    if out is None:
        assert not left
        return
    if result.exit_code == 0:
        assert left == {out.name}
        with pikepdf.open(out, password=PW) as pdf:  # whole: it opens and has its pages
            assert len(pdf.pages) > 0
        out.unlink()
    else:
        assert not left, left


FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@FUZZ
@given(text=mutated())
def test_check_survives_mutated_packets(text: str) -> None:
    folder = folder_with_records()
    try:
        (folder / "packet.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        before = {p.name for p in folder.rglob("*")}
        result = CliRunner().invoke(app, ["check", str(folder / "packet.yaml"), "--json"])
        outcome_is_clean(result, folder, None, before)
    finally:
        shutil.rmtree(folder)


@settings(FUZZ, max_examples=25)
@given(text=mutated())
def test_build_survives_mutated_packets(text: str) -> None:
    folder = folder_with_records()
    try:
        (folder / "packet.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        before = {p.name for p in folder.rglob("*")}
        out = folder / "out.pdf"
        result = CliRunner().invoke(
            app,
            [
                "build",
                str(folder / "packet.yaml"),
                "--password-stdin",
                "--allow-incomplete",
                "-o",
                str(out),
                "--json",
            ],
            input=PW + "\n",
        )
        outcome_is_clean(result, folder, out, before)
    finally:
        shutil.rmtree(folder)


@settings(FUZZ, max_examples=30)
@given(data=st.binary(max_size=400))
def test_check_survives_random_bytes(data: bytes) -> None:
    folder = folder_with_records()
    try:
        (folder / "packet.yaml").write_bytes(data)
        before = {p.name for p in folder.rglob("*")}
        result = CliRunner().invoke(app, ["check", str(folder / "packet.yaml")])
        assert result.exit_code in (1, 2), result.output
        outcome_is_clean(result, folder, None, before)
    finally:
        shutil.rmtree(folder)
