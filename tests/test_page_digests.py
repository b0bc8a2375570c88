"""Tampering by someone who has the password (issue 13, item 2): the packet opened with
its password, changed, and saved again encrypted with the same password. Each change
is one a reader would see; `verify` names the page and the record that changed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pikepdf
from typer.testing import CliRunner

from sopacket.cli import app
from sopacket.verify import manifest_data

from .conftest import BUILT_PW, tampered

PW = BUILT_PW


def failed_checks(pdf: Path) -> dict[str, str]:
    result = CliRunner().invoke(
        app, ["verify", str(pdf), "--password-stdin", "--json"], input=PW + "\n"
    )
    assert result.exit_code == 1, result.output
    return {c["check"]: c["detail"] for c in json.loads(result.stdout)["checks"] if not c["ok"]}


def text_of(pdf: Path, page: int) -> str:
    return subprocess.run(
        ["pdftotext", "-upw", PW, "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def records(pdf: Path) -> list[dict]:
    with pikepdf.open(pdf, password=PW) as opened:
        data = manifest_data(opened)
    assert data is not None
    return data["records"]


def longer(pdf: Path) -> list[dict]:
    """The records of more than one page."""
    return [r for r in records(pdf) if r["packet_pages"][1] > r["packet_pages"][0]]


def streams_of(page: pikepdf.Page) -> list[pikepdf.Stream]:
    """The page's content streams and those of the forms it draws (where its text is)."""
    found, stack = [], [page.obj.get("/Contents"), page.obj.get("/Resources")]
    while stack:
        obj = stack.pop()
        if isinstance(obj, pikepdf.Stream):
            found.append(obj)
            stack.append(obj.get("/Resources"))
        elif isinstance(obj, pikepdf.Array):
            stack.extend(obj)
        elif isinstance(obj, pikepdf.Dictionary):
            stack.extend(obj.get(k) for k in ("/XObject",) if k in obj)
            stack.extend(v for k, v in obj.items() if k not in ("/XObject", "/Font", "/Parent"))
    return found


def test_an_untouched_packet_has_every_page_as_built(built: Path) -> None:
    result = CliRunner().invoke(
        app, ["verify", str(built), "--password-stdin", "--json"], input=PW + "\n"
    )
    assert result.exit_code == 0, result.output
    checks = {c["check"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["page content"]["ok"] and "18 compared" in checks["page content"]["detail"]


def test_summary_changed_from_grade_2_to_grade_1(built: Path, tmp_path: Path) -> None:
    summary = next(n for n in range(1, 6) if "grade 2," in text_of(built, n))

    def regrade(pdf: pikepdf.Pdf) -> None:
        for stream in streams_of(pdf.pages[summary - 1]):
            data = stream.read_bytes()
            if b"grade 2," in data:
                stream.write(data.replace(b"grade 2,", b"grade 1,"))

    forged = tampered(built, tmp_path, regrade)
    assert "grade 1," in text_of(forged, summary) and "grade 2," not in text_of(forged, summary)
    failed = failed_checks(forged)
    assert set(failed) == {"page content"}
    assert f"page {summary} (the front matter" in failed["page content"]
    assert "differs from what was built" in failed["page content"]


def test_benign_drawn_over_a_record_page(built: Path, tmp_path: Path) -> None:
    record = longer(built)[0]
    page = record["packet_pages"][0] + 1  # its second page

    def overlay(pdf: pikepdf.Pdf) -> None:
        target = pdf.pages[page - 1]
        font = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
            )
        )
        resources = target.obj.Resources
        if "/Font" not in resources:
            resources.Font = pikepdf.Dictionary()
        resources.Font.Fbenign = font
        target.contents_add(
            pdf.make_stream(b"BT /Fbenign 60 Tf 120 400 Td (BENIGN) Tj ET"), prepend=False
        )

    forged = tampered(built, tmp_path, overlay)
    assert "BENIGN" in text_of(forged, page) and "BENIGN" not in text_of(built, page)
    failed = failed_checks(forged)
    assert set(failed) == {"page content"}
    assert failed["page content"].startswith(
        f"page {page} (record {record['number']}, '{record['title']}') differs"
    )


def test_two_pages_of_different_records_swapped(built: Path, tmp_path: Path) -> None:
    one, two = longer(built)[:2]
    a, b = one["packet_pages"][0] + 1, two["packet_pages"][0] + 1  # not first pages

    def swap(pdf: pikepdf.Pdf) -> None:
        first, second = pdf.pages[a - 1], pdf.pages[b - 1]
        kids = pdf.Root.Pages.Kids
        kids[a - 1], kids[b - 1] = second.obj, first.obj
        pdf.Root.Pages = pdf.Root.Pages  # the page tree read again

    forged = tampered(built, tmp_path, swap)
    assert text_of(forged, a) == text_of(built, b) and text_of(forged, b) == text_of(built, a)
    failed = failed_checks(forged)
    # the bookmarks into those records now open the other record's page: "document"
    assert "page content" in failed and set(failed) <= {"page content", "document"}
    detail = failed["page content"]
    assert f"page {a} (record {one['number']}, '{one['title']}')" in detail
    assert f"page {b} (record {two['number']}, '{two['title']}')" in detail


def test_a_record_page_hidden_behind_a_layer_turned_off(built: Path, tmp_path: Path) -> None:
    record = records(built)[2]
    page = record["packet_pages"][0]

    def hide(pdf: pikepdf.Pdf) -> None:
        layer = pdf.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.OCG, Name=pikepdf.String("Hidden"))
        )
        pdf.Root.OCProperties = pikepdf.Dictionary(
            OCGs=pikepdf.Array([layer]), D=pikepdf.Dictionary(OFF=pikepdf.Array([layer]))
        )
        target = pdf.pages[page - 1]
        target.obj.Resources.Properties = pikepdf.Dictionary(Hide=layer)
        target.contents_add(pdf.make_stream(b"/OC /Hide BDC\n"), prepend=True)
        target.contents_add(pdf.make_stream(b"\nEMC\n"), prepend=False)

    forged = tampered(built, tmp_path, hide)
    failed = failed_checks(forged)
    assert "page content" in failed
    assert failed["page content"].startswith(
        f"page {page} (record {record['number']}, '{record['title']}') differs"
    )


def test_a_packet_without_page_digests_says_they_were_not_checked(
    built: Path, tmp_path: Path
) -> None:
    """As a packet built by an earlier sopacket: intact, and says what was not checked."""

    def older(pdf: pikepdf.Pdf) -> None:
        data = manifest_data(pdf)
        assert data is not None
        del data["page_digests"]
        from sopacket.packaging.manifest import attach_manifest

        attach_manifest(pdf, data)

    result = CliRunner().invoke(
        app,
        ["verify", str(tampered(built, tmp_path, older)), "--password-stdin", "--json"],
        input=PW + "\n",
    )
    assert result.exit_code == 0, result.output
    (content,) = [c for c in json.loads(result.stdout)["checks"] if c["check"] == "page content"]
    assert content["detail"].startswith("not checked: this packet was built by an older")
