"""`sopacket build`: the encrypted packet, checked with independent PDF tools.

qpdf, poppler (pdftotext, pdfinfo) and MuPDF (mutool) are installed by .ci/run; the
tests read the packet the way a clinic's software would.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sopacket.cli import app
from sopacket.errors import ExitCode
from sopacket.records.images import clean_jpeg

from .conftest import EXAMPLE, make_image, make_pdf
from .tools import need_font

PW = "correct horse battery staple"
FRONT = 6  # cover, contents, summary, questions, medications, records index (example)
RECORD_PAGES = 2 + 1 + 1 + 2 + 1 + 3 + 1


def run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def text_of(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    args = ["pdftotext", "-layout", "-upw", PW]
    if first:
        args += ["-f", str(first), "-l", str(last or first)]
    return run(*args, str(pdf), "-").stdout


def build(runner: CliRunner, packet: Path, *args: str, password: str = PW):
    return runner.invoke(
        app, ["build", str(packet), "--password-stdin", *args], input=password + "\n"
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example packet, built once for the read-only tests below."""
    folder = tmp_path_factory.mktemp("built") / "jane-doe"
    shutil.copytree(EXAMPLE, folder)
    result = build(CliRunner(), folder / "packet.yaml")
    assert result.exit_code == 0, result.output
    return Path(result.stdout.strip())


def reader(pdf: Path):
    from pypdf import PdfReader

    r = PdfReader(pdf)
    assert r.decrypt(PW)
    return r


# --- the file ---------------------------------------------------------------------------


def test_default_name_place_and_permissions(built: Path) -> None:
    assert re.fullmatch(r"second-opinion-packet-\d{4}-\d{2}-\d{2}\.pdf", built.name)
    assert built.parent.name == "jane-doe"
    assert stat.S_IMODE(built.stat().st_mode) == 0o600
    assert not list(built.parent.glob(".sopacket-*"))  # no temporary file left


def test_qpdf_checks_it_and_reports_aes256_r6(built: Path) -> None:
    check = run("qpdf", "--check", f"--password={PW}", str(built))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No syntax or stream encoding errors found" in check.stdout
    assert "PDF Version: 1.7 extension level 8" in check.stdout
    enc = run("qpdf", "--show-encryption", f"--password={PW}", str(built)).stdout
    assert "R = 6" in enc
    assert "stream encryption method: AESv3" in enc and "string encryption method: AESv3" in enc
    assert "print high resolution: allowed" in enc and "extract for any purpose: allowed" in enc
    assert "modify other: not allowed" in enc and "modify annotations: not allowed" in enc


def test_refused_without_the_password(built: Path) -> None:
    assert run("qpdf", "--check", str(built)).returncode != 0
    assert run("pdfinfo", str(built)).returncode != 0
    assert run("pdftotext", "-upw", "wrong password", str(built), "-").returncode != 0
    assert (
        run("mutool", "info", str(built)).returncode != 0
        or "password" in run("mutool", "info", str(built)).stderr.lower()
    )


def test_page_count_in_three_readers(built: Path) -> None:
    expected = FRONT + RECORD_PAGES + 1
    info = run("pdfinfo", "-upw", PW, str(built)).stdout
    assert re.search(rf"^Pages:\s+{expected}$", info, flags=re.M)
    assert len(reader(built).pages) == expected
    drawn = run("mutool", "draw", "-p", PW, "-F", "txt", "-o", "/dev/null", str(built))
    assert drawn.returncode == 0, drawn.stderr
    qpdf_pages = run("qpdf", f"--password={PW}", "--show-npages", str(built)).stdout.strip()
    assert qpdf_pages == str(expected)


def test_nothing_about_the_patient_is_readable_without_the_password(built: Path) -> None:
    raw = built.read_bytes()
    for secret in [
        "Jane",
        "Doe",
        "1968-04-12",
        "Tamoxifen",
        "Alendronate",
        "Penicillin",
        "pathology",
        "St. Mary",
        "example-jd-2026",
        "manifest",
        "recurrence",
    ]:
        assert secret.encode() not in raw, secret
        assert secret.encode("utf-16-be") not in raw, secret
    assert "jane" not in built.name.lower()


# --- what a reviewer reads -----------------------------------------------------------------


def test_cover(built: Path) -> None:
    cover = " ".join(text_of(built, 1).split())
    for expected in [
        "Second-opinion packet",
        "Jane Doe",
        "1968-04-12",
        "example-jd-2026",
        "Oncology",
        "Dr. Alan Smith",
        "University Cancer Center",
        "Video call",
        "2026-12-03",
        "CONFIDENTIAL",
        "whether chemotherapy would really help",
    ]:
        assert expected in cover, expected


def test_contents_page_numbers_and_links_are_right(built: Path) -> None:
    contents = text_of(built, 2)
    r = reader(built)
    expected = {
        "Clinical summary": 3,
        "Questions for the reviewer": 4,
        "Medications": 5,
        "Records index": 6,
        "1. Core biopsy pathology report": 7,
        "2. Diagnostic mammogram and ultrasound": 9,
        "7. Handwritten medication list": 17,
        "About this packet": 18,
    }
    for title, page in expected.items():
        assert re.search(re.escape(title) + rf".*\s{page}\s*$", contents, flags=re.M), title
        assert title.split(". ", 1)[-1] in r.pages[page - 1].extract_text() or page < 7
    targets = []
    for annot in r.pages[1]["/Annots"]:
        annot = annot.get_object()
        assert annot["/Subtype"] == "/Link"
        dest = annot["/Dest"] if "/Dest" in annot else annot["/A"]["/D"]
        targets.append(r.get_page_number(dest[0].get_object()) + 1)
    assert targets == [3, 4, 5, 6, 7, 9, 10, 11, 13, 14, 17, 18]


def test_summary_questions_medications_index(built: Path) -> None:
    summary = " ".join(text_of(built, 3).split())
    assert "Invasive ductal carcinoma" in summary and "Penicillin" in summary
    assert "Osteoporosis" in summary and "Mild tenderness at the biopsy site" in summary
    questions = text_of(built, 4)
    numbered = re.findall(r"^\s*(\d)\s+(.+?)\s{2,}(High|Normal|Low)\s*$", questions, flags=re.M)
    assert [(n, p) for n, _, p in numbered] == [
        ("1", "High"),
        ("2", "High"),
        ("3", "Normal"),
        ("4", "Normal"),
        ("5", "Low"),
    ]
    meds = text_of(built, 5)
    for name in ["Tamoxifen", "Alendronate", "Vitamin D3"]:
        assert name in meds
    index = text_of(built, 6)
    for record in (EXAMPLE / "records").iterdir():
        digest = hashlib.sha256(record.read_bytes()).hexdigest()
        assert digest[:32] in index and digest[32:] in index, record.name
        assert record.name in index


def test_every_page_has_the_band(built: Path) -> None:
    r = reader(built)
    total = len(r.pages)
    for n, page in enumerate(r.pages, start=1):
        text = page.extract_text()
        assert f"Page {n} of {total}" in text
        assert "Jane Doe · born 1968-04-12" in text
        assert float(page.mediabox.height) == 792  # the band is inside the Letter page
    assert "Record 1: Core biopsy pathology report" in r.pages[6].extract_text()
    # the record's own content is intact and above the band
    assert "SURGICAL PATHOLOGY REPORT" in r.pages[6].extract_text()


def test_outline_has_sections_records_and_the_records_own_bookmarks(built: Path) -> None:
    r = reader(built)
    top = [item for item in r.outline if not isinstance(item, list)]
    titles = [i.title for i in top]
    assert titles[:6] == [
        "Cover",
        "Contents",
        "Clinical summary",
        "Questions for the reviewer",
        "Medications",
        "Records index",
    ]
    assert titles[6] == "1. Core biopsy pathology report" and titles[-1] == "About this packet"
    assert [r.get_destination_page_number(i) + 1 for i in top[6:13]] == [7, 9, 10, 11, 13, 14, 17]
    children = r.outline[r.outline.index(top[6]) + 1]
    assert [c.title for c in children] == ["Diagnosis", "Receptor studies"]
    assert [r.get_destination_page_number(c) + 1 for c in children] == [7, 8]


def test_manifest_is_attached_and_matches_the_files(built: Path) -> None:
    r = reader(built)
    (data,) = r.attachments["manifest.json"]
    manifest = json.loads(data)
    assert manifest["sopacket_manifest"] == 1 and manifest["packet_id"] == "example-jd-2026"
    assert manifest["packet"]["patient"]["name"] == "Jane Doe"
    for entry in manifest["records"]:
        path = EXAMPLE / "records" / entry["original_file_name"]
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert manifest["records"][0]["packet_pages"] == [7, 8]


def test_photo_is_embedded_without_recompression_or_gps(built: Path) -> None:
    r = reader(built)
    photo = (EXAMPLE / "records" / "medication-list-photo.jpg").read_bytes()

    def walk(resources) -> list:
        found = []
        for x in resources.get("/XObject", {}).values():
            x = x.get_object()
            if x.get("/Subtype") == "/Image":
                found.append(x)
            elif "/Resources" in x:
                found += walk(x["/Resources"])
        return found

    images = walk(r.pages[16]["/Resources"])
    assert len(images) == 1 and images[0]["/Filter"] in ("/DCTDecode", ["/DCTDecode"])
    raw = images[0]._data  # the stream as stored (decrypted), not decoded
    assert raw == clean_jpeg(photo)
    assert b"Exif" not in raw and b"GPS" not in raw


def test_closing_page(built: Path) -> None:
    closing = " ".join(text_of(built, FRONT + RECORD_PAGES + 1).split())
    assert "not a diagnosis" in closing and "local emergency number" in closing


# --- failures leave nothing behind --------------------------------------------------------


def test_not_ready_packet_is_not_built(runner: CliRunner, example: Path) -> None:
    example.write_text(example.read_text().replace("release_signed: true", "release_signed: false"))
    result = build(runner, example)
    assert result.exit_code == ExitCode.NOT_READY
    assert "Records-release authorization signed" in result.stderr
    assert not list(example.parent.glob("*.pdf")) and not list(example.parent.glob(".sopacket-*"))
    incomplete = build(runner, example, "--allow-incomplete", "-o", str(example.parent / "p.pdf"))
    assert incomplete.exit_code == 0, incomplete.output
    cover = " ".join(text_of(example.parent / "p.pdf", 1).split())
    assert "Incomplete packet" in cover and "Records-release authorization signed" in cover


def test_existing_output_and_inputs_are_not_overwritten(runner: CliRunner, example: Path) -> None:
    out = example.parent / "out.pdf"
    out.write_bytes(b"keep me")
    result = build(runner, example, "-o", str(out))
    assert result.exit_code == ExitCode.OUTPUT_ERROR and "--force" in result.stderr
    assert out.read_bytes() == b"keep me"
    record = example.parent / "records" / "blood-tests.pdf"
    before = record.read_bytes()
    clash = build(runner, example, "-o", str(record), "--force")
    assert clash.exit_code == ExitCode.OUTPUT_ERROR and record.read_bytes() == before
    assert build(runner, example, "-o", str(out), "--force").exit_code == 0
    assert out.read_bytes().startswith(b"%PDF-1.7")


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        ([], "\n", ExitCode.PASSWORD_ERROR, "no password arrived"),
        ([], "short\n", ExitCode.PASSWORD_ERROR, "shorter than"),
        (["--paper", "legal"], PW + "\n", ExitCode.INPUT_ERROR, "letter or a4"),
        (["-o", "packet.txt"], PW + "\n", ExitCode.INPUT_ERROR, "does not end in .pdf"),
    ],
)
def test_bad_build_options(
    runner: CliRunner, example: Path, args: list[str], stdin: str, code: int, message: str
) -> None:
    result = runner.invoke(app, ["build", str(example), "--password-stdin", *args], input=stdin)
    assert result.exit_code == code and message in result.stderr
    assert not list(example.parent.glob("*.pdf"))
    assert PW not in result.output and "short" not in result.stderr.replace("shorter", "")


def test_no_terminal_and_no_password_option(runner: CliRunner, example: Path) -> None:
    result = runner.invoke(app, ["build", str(example)])
    assert result.exit_code == ExitCode.PASSWORD_ERROR
    assert "--password-stdin" in result.stderr


def test_json_result(runner: CliRunner, example: Path) -> None:
    result = build(runner, example, "--json", "-o", str(example.parent / "j.pdf"))
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["sopacket_build"] == 1 and data["pages"] == FRONT + RECORD_PAGES + 1
    assert data["records"][0] == {
        "title": "Core biopsy pathology report",
        "file": "pathology-report.pdf",
        "sha256": hashlib.sha256(
            (EXAMPLE / "records/pathology-report.pdf").read_bytes()
        ).hexdigest(),
        "first_page": 7,
        "pages": 2,
        "volume": 1,
        "pieces": [],
        "recompressed": None,
        "removed": [],
        "flattened_fields": 0,
        "repaired": False,
    }
    assert PW not in result.output


# --- records of every kind ----------------------------------------------------------------


MIN = """\
sopacket: 1
patient: {{name: {name}, date_of_birth: 1950-02-03}}
request: {{reason: Review, diagnosis: Test, current_plan: None yet,
  treating_provider: {{name: Dr. T, phone: "555"}}}}
medications: []
allergies: []
questions: ["{question}"]
preparation: {{release_signed: true}}
records:
{records}
"""


def packet_with(
    tmp_path: Path,
    records: list[tuple[str, str]],
    name: str = "Ana Test",
    question: str = "Is this right?",
) -> Path:
    lines = "\n".join(
        f"  - {{title: {t}, kind: lab, file: {f}{p}}}"
        for t, f, p in [
            (t, f.split("|")[0], f", pages: '{f.split('|')[1]}'" if "|" in f else "")
            for t, f in records
        ]
    )
    path = tmp_path / "packet.yaml"
    path.write_text(MIN.format(name=name, question=question, records=lines), encoding="utf-8")
    return path


def test_page_selection_images_tiff_and_rotation(runner: CliRunner, tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    make_pdf(tmp_path / "long.pdf", 5, "Long report")
    rotated = PdfWriter(clone_from=PdfReader(make_pdf(tmp_path / "r.pdf", 1, "Sideways text")))
    rotated.pages[0].rotate(90)
    with (tmp_path / "rotated.pdf").open("wb") as fh:
        rotated.write(fh)
    make_image(tmp_path / "scan.tif", "TIFF", frames=3)
    from PIL import Image

    Image.new("RGBA", (300, 200), (255, 0, 0, 0)).save(tmp_path / "clear.png")
    packet = packet_with(
        tmp_path,
        [
            ("Selected pages", "long.pdf|2-3,5"),
            ("Rotated", "rotated.pdf"),
            ("Scan", "scan.tif|1,3"),
            ("Transparent", "clear.png"),
        ],
    )
    result = build(runner, packet, "--paper", "a4", "-o", str(tmp_path / "p.pdf"))
    assert result.exit_code == 0, result.output
    r = reader(tmp_path / "p.pdf")
    texts = [p.extract_text() for p in r.pages]
    start = next(n for n, t in enumerate(texts) if "Record 1: Selected pages" in t)
    assert [
        "Long report - page 2" in texts[start],
        "Long report - page 3" in texts[start + 1],
        "Long report - page 5" in texts[start + 2],
    ] == [True, True, True]
    rot = r.pages[start + 3]
    assert rot.get("/Rotate", 0) == 90 and "Sideways text" in rot.extract_text()
    # the band is inside the page, along the edge a reader sees at the bottom (the right
    # edge here); the record's page keeps its own size
    assert float(rot.mediabox.width) == 612 and float(rot.mediabox.height) == 792
    assert "Record 2: Rotated" in rot.extract_text()
    scan_pages = [t for t in texts if "Record 3: Scan" in t]
    assert len(scan_pages) == 2 and len(r.pages) == 6 + 3 + 1 + 2 + 1 + 1
    assert abs(float(r.pages[0].mediabox.width) - 595.28) < 0.5  # a4


@pytest.mark.parametrize(
    "name", ["Zoë Ångström-Núñez", "Ελένη Παπαδοπούλου", "Анна Иванова", "王秀英", "山田 花子"]
)
def test_names_in_any_script_render_as_written(
    runner: CliRunner, tmp_path: Path, name: str
) -> None:
    need_font(name)  # Chinese and Japanese: fonts-droid-fallback
    make_pdf(tmp_path / "a.pdf")
    packet = packet_with(
        tmp_path, [("Report", "a.pdf")], name=name, question=f"Question from {name}?"
    )
    result = build(runner, packet, "-o", str(tmp_path / "p.pdf"))
    assert result.exit_code == 0, result.output
    assert "could not be drawn" not in result.stderr
    text = text_of(tmp_path / "p.pdf")
    assert name in text and f"Question from {name}?" in text
    assert name.encode() not in (tmp_path / "p.pdf").read_bytes()


def test_characters_no_font_has_are_reported(runner: CliRunner, tmp_path: Path) -> None:
    make_pdf(tmp_path / "a.pdf")
    packet = packet_with(tmp_path, [("Report", "a.pdf")], question="Is this 𓀀 sign bad?")
    result = build(runner, packet, "-o", str(tmp_path / "p.pdf"))
    assert result.exit_code == 0
    assert "could not be drawn" in result.stderr and "𓀀" in result.stderr
    assert "\ufffd" in result.stderr


def test_a_record_that_fails_at_build_leaves_nothing(runner: CliRunner, tmp_path: Path) -> None:
    make_pdf(tmp_path / "a.pdf")
    packet = packet_with(tmp_path, [("Report", "a.pdf"), ("Missing", "gone.pdf")])
    result = build(runner, packet, "--allow-incomplete", "-o", str(tmp_path / "p.pdf"))
    assert result.exit_code == ExitCode.RECORD_ERROR
    assert "Missing" in result.stderr and "gone.pdf" in result.stderr
    assert not (tmp_path / "p.pdf").exists() and not list(tmp_path.glob(".sopacket-*"))


def test_missing_characters_are_visible_replacements(runner: CliRunner, tmp_path: Path) -> None:
    make_pdf(tmp_path / "a.pdf")
    packet = packet_with(tmp_path, [("Report", "a.pdf")], question="Is this 𓀀 sign bad?")
    assert build(runner, packet, "-o", str(tmp_path / "p.pdf")).exit_code == 0
    assert "Is this \ufffd sign bad?" in " ".join(text_of(tmp_path / "p.pdf").split())


def test_long_name_is_shortened_in_the_band_but_the_birth_date_stays(
    runner: CliRunner, tmp_path: Path
) -> None:
    make_pdf(tmp_path / "a.pdf")
    name = "María Guadalupe Fernández de la Concepción Rodríguez-Villanueva y Santamaría"
    packet = packet_with(tmp_path, [("Report", "a.pdf")], name=name)
    assert build(runner, packet, "-o", str(tmp_path / "p.pdf")).exit_code == 0
    for page in reader(tmp_path / "p.pdf").pages:
        band = page.extract_text().splitlines()[-3:]
        assert any("born 1950-02-03" in line for line in band), band
        assert any("María Guadalupe" in line for line in band)


def test_urgent_symptoms_lead_the_cover_of_an_incomplete_packet(
    runner: CliRunner, example: Path
) -> None:
    example.write_text(example.read_text().replace("urgent: false}", "urgent: true}"))
    result = build(runner, example, "--allow-incomplete", "-o", str(example.parent / "u.pdf"))
    assert result.exit_code == 0
    assert "in-person care now" in " ".join(result.stderr.replace("│", " ").split())
    cover = " ".join(text_of(example.parent / "u.pdf", 1).split())
    assert "URGENT SYMPTOMS REPORTED: Mild tenderness at the biopsy site" in cover
    assert "No urgent symptoms" not in cover  # not listed as a "missing item"


def test_partly_included_record_says_so_in_the_index(runner: CliRunner, tmp_path: Path) -> None:
    make_pdf(tmp_path / "long.pdf", 5, "Long report")
    packet = packet_with(tmp_path, [("Selected pages", "long.pdf|2-3")])
    assert build(runner, packet, "-o", str(tmp_path / "p.pdf")).exit_code == 0
    index = " ".join(text_of(tmp_path / "p.pdf", 6).split())
    assert "only pages 2-3 of its 5" in index


@pytest.mark.parametrize("name", ["שרה כהן", "فاطمة الزهراء"])
def test_right_to_left_names_read_back_as_written(
    runner: CliRunner, tmp_path: Path, name: str
) -> None:
    import unicodedata

    need_font(name)
    make_pdf(tmp_path / "a.pdf")
    packet = packet_with(tmp_path, [("Report", "a.pdf")], name=name)
    result = build(runner, packet, "-o", str(tmp_path / "p.pdf"))
    assert result.exit_code == 0 and "could not be drawn" not in result.stderr
    text = unicodedata.normalize("NFKC", text_of(tmp_path / "p.pdf", 1))
    text = "".join(ch for ch in text if ch not in "\u202a\u202b\u202c\u200e\u200f")
    assert name in text


def test_sixteen_bit_greyscale_scan_is_not_blank(runner: CliRunner, tmp_path: Path) -> None:
    from PIL import Image

    deep = Image.new("I;16", (256, 256))
    deep.putdata([x * 256 for _ in range(256) for x in range(256)])  # 0 ... 65280
    deep.save(tmp_path / "scan16.png")
    assert Image.open(tmp_path / "scan16.png").mode.startswith("I")
    assert Image.open(tmp_path / "scan16.png").getextrema()[1] > 255
    packet = packet_with(tmp_path, [("Scan", "scan16.png")])
    assert build(runner, packet, "-o", str(tmp_path / "p.pdf")).exit_code == 0
    out = tmp_path / "page"
    run(
        "pdftoppm",
        "-png",
        "-r",
        "30",
        "-f",
        "7",
        "-l",
        "7",
        "-upw",
        PW,
        str(tmp_path / "p.pdf"),
        str(out),
    )
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    dark = sum(page.histogram()[:100])
    assert dark > 500  # the dark half of the gradient is there, not clipped to white


def test_jpeg_trailers_and_second_images_are_cut(tmp_path: Path) -> None:
    photo = (EXAMPLE / "records" / "medication-list-photo.jpg").read_bytes()
    cleaned = clean_jpeg(photo + b"SECRET-TRAILER" + photo)
    assert cleaned == clean_jpeg(photo) and cleaned.endswith(b"\xff\xd9")
    assert b"SECRET" not in cleaned and b"Exif" not in cleaned


@pytest.mark.parametrize(
    "damage",
    [b"/Rotate /ninety", b"/Rotate 90.0", b"/CropBox [0 0 /x 792]", b"/CropBox [0 0 612]"],
)
def test_odd_page_dictionaries_are_handled(
    runner: CliRunner, tmp_path: Path, damage: bytes
) -> None:
    pdf = make_pdf(tmp_path / "odd.pdf")
    data = pdf.read_bytes().replace(b"/Type /Page\n", b"/Type /Page " + damage + b"\n", 1)
    assert damage in data
    pdf.write_bytes(data)
    packet = packet_with(tmp_path, [("Odd", "odd.pdf")])
    result = build(runner, packet, "-o", str(tmp_path / "p.pdf"))
    assert result.exit_code in (0, ExitCode.RECORD_ERROR), result.output
    if result.exit_code == 0:
        assert "Page 7 of 8" in text_of(tmp_path / "p.pdf", 7)


def test_broken_record_content_cannot_swallow_the_band(runner: CliRunner, tmp_path: Path) -> None:
    import pikepdf

    pdf = pikepdf.open(make_pdf(tmp_path / "a.pdf"))
    pdf.pages[0].obj.Contents = pdf.make_stream(b"BT /F1 12 Tf 72 700 Td (unterminated")
    pdf.save(tmp_path / "broken.pdf")
    packet = packet_with(tmp_path, [("Broken", "broken.pdf")])
    assert build(runner, packet, "-o", str(tmp_path / "p.pdf")).exit_code == 0
    assert "Page 7 of 8" in text_of(tmp_path / "p.pdf", 7)


def test_output_checks_speak_about_the_real_problem(runner: CliRunner, example: Path) -> None:
    folder = build(runner, example, "-o", str(example.parent / "records"))
    assert folder.exit_code == ExitCode.OUTPUT_ERROR and "is a folder" in folder.stderr
    itself = build(runner, example, "-o", str(example))
    assert itself.exit_code == ExitCode.OUTPUT_ERROR and "packet's own files" in itself.stderr
    upper = build(runner, example, "--paper", "A4", "-o", str(example.parent / "a4.pdf"))
    assert upper.exit_code == 0
