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

from .conftest import EXAMPLE

PW = "correct horse battery staple"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("again") / "jane-doe"
    shutil.copytree(EXAMPLE, folder)
    out = folder / "packet.pdf"
    result = CliRunner().invoke(
        app,
        ["build", str(folder / "packet.yaml"), "--password-stdin", "-o", str(out)],
        input=PW + "\n",
    )
    assert result.exit_code == 0, result.output
    return out


def tampered(built: Path, tmp_path: Path, change: Callable[[pikepdf.Pdf], None]) -> Path:
    """Opened with the password, changed, saved again encrypted with the same password."""
    out = tmp_path / "tampered.pdf"
    with pikepdf.open(built, password=PW) as pdf:
        change(pdf)
        pdf.save(out, encryption=pikepdf.Encryption(user=PW, owner="x" * 20, R=6))
    return out


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
