"""The attacks of issue 13 tried again from outside, after its fixes landed: the ones
that still got through, each performed here as an attacker would."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from typer.testing import CliRunner

from sopacket.cli import app

from .conftest import BUILT_PW, EXAMPLE, tampered
from .tools import unavailable

PW = BUILT_PW


def verify_json(pdf: Path) -> tuple[int, dict[str, str]]:
    result = CliRunner().invoke(
        app, ["verify", str(pdf), "--password-stdin", "--json"], input=PW + "\n"
    )
    checks = json.loads(result.stdout)["checks"]
    return result.exit_code, {c["check"]: c["detail"] for c in checks if not c["ok"]}


def outline_titles(pdf: Path) -> list[str]:
    with pikepdf.open(pdf, password=PW) as opened, opened.open_outline() as outline:
        return [str(item.title) for item in outline.root]


def test_an_untouched_packet_has_its_document_as_built(built: Path) -> None:
    code, failed = verify_json(built)
    assert code == 0 and failed == {}


def test_a_bookmark_retitled_benign_is_caught(built: Path, tmp_path: Path) -> None:
    def retitle(pdf: pikepdf.Pdf) -> None:
        with pdf.open_outline() as outline:
            outline.root[0].title = "Pathology: BENIGN, no treatment needed"

    forged = tampered(built, tmp_path, retitle)
    assert "Pathology: BENIGN, no treatment needed" in outline_titles(forged)
    code, failed = verify_json(forged)
    assert code == 1 and set(failed) == {"document"}
    assert "bookmarks" in failed["document"] and "changed after it was built" in failed["document"]


def test_a_bookmark_added_for_a_record_that_is_not_there_is_caught(
    built: Path, tmp_path: Path
) -> None:
    def add(pdf: pikepdf.Pdf) -> None:
        with pdf.open_outline() as outline:
            outline.root.append(pikepdf.OutlineItem("Second pathology: no cancer", 3))

    forged = tampered(built, tmp_path, add)
    assert "Second pathology: no cancer" in outline_titles(forged)
    code, failed = verify_json(forged)
    assert code == 1 and "document" in failed


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda pdf: setattr(
                pdf.Root,
                "PageLabels",
                pikepdf.Dictionary(Nums=[0, pikepdf.Dictionary(P=pikepdf.String("BENIGN-"))]),
            ),
            id="page labels",
        ),
        pytest.param(
            lambda pdf: setattr(pdf.Root, "PageMode", pikepdf.Name.FullScreen), id="page mode"
        ),
        pytest.param(
            lambda pdf: setattr(
                pdf.Root,
                "ViewerPreferences",
                pikepdf.Dictionary(HideToolbar=True, HideWindowUI=True),
            ),
            id="viewer preferences",
        ),
    ],
)
def test_what_the_viewer_shows_besides_the_pages_is_caught(
    built: Path, tmp_path: Path, change: Callable[[pikepdf.Pdf], None]
) -> None:
    forged = tampered(built, tmp_path, change)
    code, failed = verify_json(forged)
    assert code == 1 and set(failed) == {"document"}


def test_the_title_a_viewer_shows_changed_is_caught(built: Path, tmp_path: Path) -> None:
    def retitle(pdf: pikepdf.Pdf) -> None:
        pdf.docinfo.Title = pikepdf.String("BENIGN: no cancer found")

    forged = tampered(built, tmp_path, retitle)
    with pikepdf.open(forged, password=PW) as opened:
        assert str(opened.docinfo.Title) == "BENIGN: no cancer found"
    code, failed = verify_json(forged)
    assert code == 1 and set(failed) == {"document"} and "title" in failed["document"]


def test_page_labels_a_reader_shows_are_caught(built: Path, tmp_path: Path) -> None:
    def label(pdf: pikepdf.Pdf) -> None:
        pdf.Root.PageLabels = pikepdf.Dictionary(
            Nums=[0, pikepdf.Dictionary(P=pikepdf.String("BENIGN-"))]
        )

    forged = tampered(built, tmp_path, label)
    with pikepdf.open(forged, password=PW) as opened:
        assert opened.pages[0].label == "BENIGN-"  # what a reader shows as the page number
    code, failed = verify_json(forged)
    assert code == 1 and set(failed) == {"document"}


def test_a_clinic_signature_stripped_off_fails_verify_with_trust(
    built: Path, tmp_path: Path
) -> None:
    """The clinic's signature cut off (the file's first revision kept: an unsigned
    packet, whose pages someone holding the password may then have rewritten, digests
    and all): `verify --trust clinic-ca.pem`, as the README tells a clinic to check, must
    not call it intact."""
    try:
        import pyhanko  # noqa: F401
    except ImportError:
        unavailable("signing needs pyHanko: pip install 'sopacket[sign]'")
    from .test_sign import PASSPHRASE, make_key

    ca, ca_key, ca_cert = make_key(tmp_path, "Test Clinic CA", ca=True)
    clinic, _, _ = make_key(tmp_path, "Dr Ada Test", issuer=(ca_key, ca_cert))
    passphrase = tmp_path / "passphrase.txt"
    passphrase.write_text(PASSPHRASE + "\n")
    passphrase.chmod(0o600)
    signed = tmp_path / "signed.pdf"
    args = ["build", str(built.parent / "packet.yaml"), "--password-stdin", "-o", str(signed)]
    args += ["--sign", str(clinic.p12), "--sign-password-file", str(passphrase)]
    assert CliRunner().invoke(app, args, input=PW + "\n").exit_code == 0
    data = signed.read_bytes()
    stripped = tmp_path / "stripped.pdf"
    stripped.write_bytes(data[: data.index(b"%%EOF") + 6])
    trust = ["--trust", str(ca.cert_pem)]

    def verify_with(pdf: Path) -> tuple[int, dict]:
        result = CliRunner().invoke(
            app, ["verify", str(pdf), "--password-stdin", "--json", *trust], input=PW + "\n"
        )
        return result.exit_code, json.loads(result.stdout)

    code, report = verify_with(signed)
    assert code == 0 and report["signed"]["trusted"]
    code, report = verify_with(stripped)
    failed = {c["check"]: c["detail"] for c in report["checks"] if not c["ok"]}
    assert code == 1 and report["signed"] is None and not report["intact"]
    assert set(failed) == {"signature"} and "not signed" in failed["signature"]
    plain = CliRunner().invoke(app, ["verify", str(stripped), "--password-stdin"], input=PW + "\n")
    assert plain.exit_code == 0  # without --trust an unsigned packet is judged as unsigned


@pytest.mark.parametrize(
    "guess",
    [
        "12 Birch Lane Maple Falls",  # the patient's address
        "MapleFalls55000",
        "Michael Doe husband",  # the companion and who he is
        "LakesideOncology2026",  # the treating clinic
        "Dr.AlanSmith2026",  # the treating clinician
        "UniversityCancerCenter1",  # the reviewing clinic
    ],
)
def test_a_password_made_of_the_packets_other_details_is_refused(
    tmp_path: Path, guess: str
) -> None:
    folder = tmp_path / "jane-doe"
    shutil.copytree(EXAMPLE, folder)
    out = folder / "packet.pdf"
    result = CliRunner().invoke(
        app,
        ["build", str(folder / "packet.yaml"), "--password-stdin", "-o", str(out)],
        input=guess + "\n",
    )
    assert result.exit_code == 4 and not out.exists()
    assert "made of the packet's own details" in result.stderr
