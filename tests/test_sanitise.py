"""Records are made safe before they enter a packet (sopacket.records.sanitise), through the
library API: protected records, --base-dir, links and bookmarks that must keep working."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pikepdf
import pytest

from sopacket.build import BuildOptions, build
from sopacket.checking.check import check_file
from sopacket.errors import RecordError
from sopacket.records.access import RecordAccess
from sopacket.records.isolate import Limits

from .conftest import MINIMAL, make_pdf, write

PW = "correct horse battery staple"
RECORD_PW = "record-pass-123"


def packet_with(tmp_path: Path, *records: str) -> Path:
    body = "".join(f"  - {r}\n" for r in records)
    return write(tmp_path / "packet.yaml", MINIMAL + "records:\n" + body)


def build_it(packet: Path, **access: object) -> tuple[object, Path]:
    out = packet.parent / "out.pdf"
    options = BuildOptions(
        output=out,
        allow_incomplete=True,
        access=RecordAccess(**access),  # type: ignore[arg-type]
    )
    return build(packet, PW, options), out


def protected(path: Path) -> Path:
    plain = make_pdf(path.with_suffix(".plain.pdf"), 2, "Protected lab result")
    with pikepdf.open(plain) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(user=RECORD_PW, owner="o" * 20, R=6))
    plain.unlink()
    return path


def text_of(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-upw", PW, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


# --- protected records ---------------------------------------------------------------


def test_protected_record_opens_with_the_password_asked_for(tmp_path: Path) -> None:
    protected(tmp_path / "labs.pdf")
    packet = packet_with(tmp_path, "{title: Labs, kind: lab, file: labs.pdf, password: prompt}")
    asked: list[str] = []

    def ask(record: str) -> str:
        asked.append(record)
        return RECORD_PW

    _, out = build_it(packet, ask=ask)
    assert asked == ["\u201cLabs\u201d (labs.pdf)"]  # once, naming the record
    assert "Protected lab result - page 2" in text_of(out)
    assert RECORD_PW.encode() not in out.read_bytes()


def test_wrong_record_password_is_a_clear_error_that_never_echoes_it(tmp_path: Path) -> None:
    protected(tmp_path / "labs.pdf")
    packet = packet_with(tmp_path, "{title: Labs, kind: lab, file: labs.pdf, password: prompt}")
    with pytest.raises(RecordError) as caught:
        build_it(packet, ask=lambda _: "not-the-password-42")
    message = str(caught.value)
    assert "Labs" in message and "labs.pdf" in message and "wrong" in message
    assert "not-the-password-42" not in message
    assert not (tmp_path / "out.pdf").exists()


def test_protected_record_without_anyone_to_ask_says_how(tmp_path: Path) -> None:
    protected(tmp_path / "labs.pdf")
    packet = packet_with(tmp_path, "{title: Labs, kind: lab, file: labs.pdf, password: prompt}")
    report = check_file(packet, access=RecordAccess(ask=None))
    (record,) = report.records
    assert not record.ok and "no terminal" in (record.problem or "")
    assert "password set record:labs.pdf" in record.fix


def test_protected_record_without_a_password_setting(tmp_path: Path) -> None:
    protected(tmp_path / "labs.pdf")
    packet = packet_with(tmp_path, "{title: Labs, kind: lab, file: labs.pdf}")
    (record,) = check_file(packet).records
    assert record.problem == "the PDF is protected with a password"
    assert "password: prompt" in record.fix


def test_password_setting_never_holds_a_password(tmp_path: Path) -> None:
    from sopacket.errors import PacketFileError

    make_pdf(tmp_path / "labs.pdf")
    packet = packet_with(tmp_path, "{title: Labs, kind: lab, file: labs.pdf, password: Hunter2x}")
    with pytest.raises(PacketFileError) as caught:
        check_file(packet)
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "prompt, keyring or keyring:NAME" in text
    assert "Hunter2x" not in text


# --- --base-dir ----------------------------------------------------------------------


def test_base_dir_confines_records_and_follows_links(tmp_path: Path) -> None:
    inside = tmp_path / "export"
    make_pdf(inside / "ok.pdf", 1, "Inside")
    secret = make_pdf(tmp_path / "elsewhere" / "secret.pdf", 1, "Outside")
    (inside / "link.pdf").symlink_to(secret)
    packet = write(
        inside / "packet.yaml",
        MINIMAL
        + "records:\n"
        + "  - {title: Fine, kind: other, file: ok.pdf}\n"
        + "  - {title: Sneaky link, kind: other, file: link.pdf}\n"
        + "  - {title: Climbing out, kind: other, file: ../elsewhere/secret.pdf}\n",
    )
    report = check_file(packet, access=RecordAccess(base_dir=inside))
    fine, link, climb = report.records
    assert fine.ok
    for bad in (link, climb):
        assert "outside the folder allowed by --base-dir" in (bad.problem or "")
    with pytest.raises(RecordError, match="Sneaky link"):
        build_it(packet, base_dir=inside)
    # Without confinement the same packet builds (the files are fine).
    build_it(packet)


# --- what survives: pages, links, bookmarks ------------------------------------------


def linked_record(path: Path) -> Path:
    """Four pages; page 1 links to page 3 (explicit) and to page 4 (named destination);
    bookmarks to pages 2 and 4."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    for n in range(1, 5):
        c.bookmarkPage(f"p{n}")
        c.addOutlineEntry(f"Section {n}", f"p{n}", 0) if n in (2, 4) else None
        c.drawString(72, 700, f"Linked record page {n}")
        if n == 1:
            c.linkRect("", "p3", (72, 600, 200, 620), relative=0)
            c.linkRect("", "p4", (72, 560, 200, 580), relative=0)
        c.showPage()
    c.save()
    return path


def test_links_and_bookmarks_within_a_record_point_at_its_pages(tmp_path: Path) -> None:
    linked_record(tmp_path / "r.pdf")
    packet = packet_with(tmp_path, "{title: Linked, kind: other, file: r.pdf}")
    result, out = build_it(packet)
    first = result.records[0].first_page - 1  # type: ignore[attr-defined]
    with pikepdf.open(out, password=PW) as pdf:
        pages = {p.obj.objgen: n for n, p in enumerate(pdf.pages)}
        annots = pdf.pages[first].obj.get("/Annots")
        targets = sorted(pages[a.Dest[0].objgen] - first for a in annots if "/Dest" in a)
        assert targets == [2, 3]
        with pdf.open_outline() as outline:
            record = next(i for i in outline.root if str(i.title).endswith("Linked"))
            children = {
                str(c.title): pages[c.destination[0].objgen] - first for c in record.children
            }
    assert children == {"Section 2": 1, "Section 4": 3}


def test_selected_pages_keep_only_links_to_selected_pages(tmp_path: Path) -> None:
    linked_record(tmp_path / "r.pdf")
    packet = packet_with(tmp_path, '{title: Linked, kind: other, file: r.pdf, pages: "1-3"}')
    result, out = build_it(packet)
    first = result.records[0].first_page - 1  # type: ignore[attr-defined]
    with pikepdf.open(out, password=PW) as pdf:
        pages = {p.obj.objgen: n for n, p in enumerate(pdf.pages)}
        annots = pdf.pages[first].obj.get("/Annots")
        assert [pages[a.Dest[0].objgen] - first for a in annots] == [2]
    assert "Linked record page 4" not in text_of(out)


def test_record_that_takes_too_long_is_named(tmp_path: Path) -> None:
    make_pdf(tmp_path / "r.pdf", 3)
    packet = packet_with(tmp_path, "{title: Slow one, kind: other, file: r.pdf}")
    # A limit no reader can meet: the check's own reading fails first, naming the file.
    report = check_file(packet, access=RecordAccess(limits=Limits(seconds=0.000001)))
    (record,) = report.records
    assert not record.ok and "longer than" in (record.problem or "")


# --- the command line -----------------------------------------------------------------


def test_add_record_password_from_never_takes_or_echoes_a_password(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from sopacket.cli import app

    protected(tmp_path / "labs.pdf")
    packet = write(tmp_path / "packet.yaml", MINIMAL)
    runner = CliRunner()
    bad = runner.invoke(
        app,
        [
            "add",
            "record",
            str(packet),
            str(tmp_path / "labs.pdf"),
            "--title",
            "Labs",
            "--password-from",
            "Hunter2secret",
        ],
    )
    assert bad.exit_code == 2 and "Hunter2secret" not in bad.output
    assert "Hunter2secret" not in packet.read_text()
    good = runner.invoke(
        app,
        [
            "add",
            "record",
            str(packet),
            str(tmp_path / "labs.pdf"),
            "--title",
            "Labs",
            "--password-from",
            "prompt",
        ],
    )
    assert good.exit_code == 0, good.output
    assert "password: prompt" in packet.read_text()
    # No terminal here: check says how to give the password instead of hanging.
    checked = runner.invoke(app, ["check", str(packet), "--json"])
    assert checked.exit_code == 1
    import json

    (record,) = json.loads(checked.stdout)["records"]
    assert "no terminal" in record["problem"]


def test_base_dir_and_limit_options(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from sopacket.cli import app

    make_pdf(tmp_path / "elsewhere" / "r.pdf")
    packet = packet_with(tmp_path / "in", "{title: Outside, kind: other, file: ../elsewhere/r.pdf}")
    runner = CliRunner()
    confined = runner.invoke(
        app, ["check", str(packet), "--base-dir", str(tmp_path / "in"), "--json"]
    )
    assert confined.exit_code == 1
    assert "outside the folder allowed" in confined.stdout
    built = runner.invoke(
        app,
        [
            "build",
            str(packet),
            "--base-dir",
            str(tmp_path / "in"),
            "--password-stdin",
            "--allow-incomplete",
            "-o",
            str(tmp_path / "o.pdf"),
        ],
        input=PW + "\n",
    )
    assert built.exit_code == 6 and "Outside" in built.output
    assert not (tmp_path / "o.pdf").exists()
    tiny = runner.invoke(app, ["check", str(packet), "--record-memory-limit", "10"])
    assert tiny.exit_code == 2 and "at least 256 MiB" in tiny.output
    missing = runner.invoke(app, ["check", str(packet), "--base-dir", str(tmp_path / "nope")])
    assert missing.exit_code == 2
