"""Size budgets: `build --max-size/--fit`. Packets of heavy generated records (600 dpi
scans, a 12-megapixel phone photo, a bilevel fax, text PDFs) are built under several
limits; every file written is measured, opened alone with the password by qpdf and
poppler, and read back: text, image resolutions, and every record page exactly once, in
order, across the parts."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pikepdf
import pytest
import yaml
from typer.testing import CliRunner

from sopacket.cli import app
from sopacket.errors import ExitCode
from sopacket.packaging import fit

from .conftest import EXAMPLE
from .fit_records import photo_of_document, scan_pdf, shared_logo_pdf, text_pdf
from .test_passwords import MemoryKeyring
from .test_passwords import memory_keyring as memory_keyring

PW = "correct horse battery staple"
MB = 1_000_000


def shown(dpi: int) -> int:
    """The resolution pdfimages reports for an image of a Letter PDF record: its content is
    shrunk from 792 to 768 pt tall so the 24 pt band fits inside the page (issue 14)."""
    return round(dpi * 792 / 768)


# (title, kind, file, marker, pages): the checklist (oncology) wants pathology, imaging,
# lab and genetic records.
RECORDS = [
    ("Pathology scan", "pathology", "gray.pdf", "GRAY", 2),
    ("Letter from the genetics lab (phone photo)", "genetic", "photo.jpg", "PHOTO", 1),
    ("Blood tests (fax)", "lab", "fax.pdf", "FAX", 3),
    ("Imaging report", "imaging", "text.pdf", "TEXT", 4),
]


@pytest.fixture(scope="module")
def heavy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example packet with heavy records: two 600 dpi greyscale scan pages (about 11
    MB), a 12 MP photo (3 MB), a 600 dpi bilevel fax (1-bit Flate) and a text PDF."""
    folder = tmp_path_factory.mktemp("fit") / "packet"
    shutil.copytree(EXAMPLE, folder)
    records = folder / "records"
    scan_pdf(records / "gray.pdf", pages=2, dpi=600, mode="gray", marker="GRAY")
    photo_of_document(records / "photo.jpg", megapixels=12, marker="PHOTO")
    scan_pdf(records / "fax.pdf", pages=3, dpi=600, mode="bw", marker="FAX")
    text_pdf(records / "text.pdf", pages=4, marker="TEXT")
    return _packet(folder, RECORDS)


def _packet(folder: Path, records: list[tuple[str, str, str, str, int]]) -> Path:
    path = folder / "packet.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["records"] = [
        {
            "title": t,
            "kind": k,
            "date": "2026-09-01",
            "source": "Fernhill Clinic",
            "file": f"records/{f}",
        }
        for t, k, f, _, _ in records
    ]
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def build(packet: Path, out: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(
        app,
        ["build", str(packet), "--password-stdin", "-o", str(out), "--json", *args],
        input=PW + "\n",
    )
    data = json.loads(result.stdout) if result.exit_code == 0 else {}
    return result.exit_code, data, result.stderr


def opens_alone(path: Path) -> int:
    """qpdf, poppler and MuPDF each open the file with the password; its page count."""
    check = subprocess.run(
        ["qpdf", f"--password={PW}", "--check", str(path)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert (
        "AESv3"
        in subprocess.run(
            ["qpdf", f"--password={PW}", "--show-encryption", str(path)],
            capture_output=True,
            text=True,
        ).stdout
    )
    info = subprocess.run(
        ["pdfinfo", "-upw", PW, str(path)], capture_output=True, text=True, check=True
    ).stdout
    mupdf = subprocess.run(  # MuPDF draws every page (JPEG and CCITT images included)
        ["mutool", "draw", "-q", "-p", PW, "-r", "8", "-F", "pgm", "-o", "/dev/null", str(path)],
        capture_output=True,
        text=True,
    )
    assert mupdf.returncode == 0 and "error" not in mupdf.stderr, mupdf.stderr
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]


def text_of(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-upw", PW, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def images(path: Path) -> list[dict[str, str]]:
    """pdfimages -list: one row per image drawn, with its encoding and resolution."""
    rows = subprocess.run(
        ["pdfimages", "-upw", PW, "-list", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    keys = "page num type width height color comp bpc enc interp object id xppi yppi size ratio"
    return [dict(zip(keys.split(), row.split(), strict=False)) for row in rows]


def markers(paths: list[Path]) -> list[str]:
    """Every record-page marker ("GRAY page 1 of 2"...) in the files, in reading order."""
    found: list[str] = []
    for path in paths:
        found += re.findall(r"\b(GRAY|FAX|TEXT) page (\d+) of (\d+)", text_of(path))
    return [f"{m} page {k} of {n}" for m, k, n in found]


EXPECTED = [
    f"{m} page {k} of {n}" for _, _, _, m, n in RECORDS if m != "PHOTO" for k in range(1, n + 1)
]


def test_plain_build_is_over_the_limits_used_below(heavy: Path, tmp_path: Path) -> None:
    code, data, _ = build(heavy, tmp_path / "plain.pdf")
    assert code == 0 and data["fit"] is None and len(data["volumes"]) == 1
    assert data["bytes"] > 14 * MB  # what the limits below have to shrink
    ppi = {int(i["xppi"]) for i in images(tmp_path / "plain.pdf")}
    assert shown(600) in ppi


def test_recompresses_only_as_far_as_needed(heavy: Path, tmp_path: Path) -> None:
    """8 MB: recompressing the scan is enough; the photo and the fax stay as they were."""
    out = tmp_path / "p.pdf"
    code, data, stderr = build(heavy, out, "--max-size", "8MB")
    assert code == 0, stderr
    assert [Path(v["output"]) for v in data["volumes"]] == [out]
    assert out.stat().st_size <= 8 * MB and data["bytes"] == out.stat().st_size
    shrunk = data["records"][0]["recompressed"]
    assert shrunk["images_downsampled"] == 2 and shrunk["dpi"] == 200
    assert shrunk["largest_dpi_before"] == 600
    assert shrunk["bytes_after"] < shrunk["bytes_before"] / 4
    assert [r["recompressed"] for r in data["records"][1:]] == [None, None, None]
    rows = images(out)
    gray = [r for r in rows if r["color"] == "gray" and r["bpc"] == "8"]
    assert len(gray) == 2 and all(r["enc"] == "jpeg" and r["xppi"] == str(shown(200)) for r in gray)
    assert all((r["width"], r["height"]) == ("1700", "2200") for r in gray)
    fax = [r for r in rows if r["bpc"] == "1"]
    assert len(fax) == 3 and all(r["xppi"] == str(shown(600)) for r in fax)
    assert any(r["color"] == "rgb" and int(r["xppi"]) > 500 for r in rows)  # the photo
    assert markers([out]) == EXPECTED  # text is still text
    index = " ".join(text_of(out).split())  # the reviewer is told, in the records index
    assert "To fit the upload size limit, 2 images in this record were stored at 200 dpi" in index
    assert index.count("To fit the upload size limit") == 1
    assert opens_alone(out) == data["pages"]
    assert data["fit"]["max_bytes"] == 8 * MB and data["fit"]["split"] is False


@pytest.fixture(scope="module")
def tight(heavy: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The heavy packet built to fit 1.2 MB files."""
    out = tmp_path_factory.mktemp("tight") / "tight.pdf"
    code, data, stderr = build(heavy, out, "--max-size", "1.2MB")
    assert code == 0, stderr
    return out, data


@pytest.fixture(scope="module")
def split6(heavy: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The heavy packet built to fit 6 MB files without recompression."""
    out = tmp_path_factory.mktemp("split") / "n.pdf"
    code, data, stderr = build(heavy, out, "--max-size", "6MB", "--no-recompress")
    assert code == 0, stderr
    return out, data


def test_tight_limit_recompresses_everything_and_splits(tight: tuple[Path, Any]) -> None:
    out, data = tight
    paths = [Path(v["output"]) for v in data["volumes"]]
    assert len(paths) >= 2
    assert [p.name for p in paths] == [
        f"tight-part-{k}-of-{len(paths)}.pdf" for k in range(1, len(paths) + 1)
    ]
    assert not out.exists()
    for path in paths:
        assert path.stat().st_size <= 1_200_000
        assert path.stat().st_mode & 0o777 == 0o600
    assert sum(opens_alone(p) for p in paths) == data["pages"]
    assert markers(paths) == EXPECTED  # every record page once, in order, across the parts
    shrunk = [r["recompressed"] for r in data["records"]]
    assert shrunk[1] and shrunk[1]["images_downsampled"] == 1  # the photo
    assert shrunk[2] and shrunk[2]["images_bilevel_lossless"] == 3  # the fax
    photo = [r for p in paths for r in images(p) if r["color"] == "rgb"]
    assert len(photo) == 1 and int(photo[0]["xppi"]) in range(195, 206)
    fax = [r for p in paths for r in images(p) if r["bpc"] == "1"]
    assert len(fax) == 3 and all(r["enc"] == "ccitt" and r["xppi"] == str(shown(600)) for r in fax)


def test_bilevel_scans_keep_every_pixel(
    heavy: Path, tight: tuple[Path, Any], tmp_path: Path
) -> None:
    _, data = tight
    paths = [Path(v["output"]) for v in data["volumes"]]
    before = _extracted(heavy.parent / "records" / "fax.pdf", tmp_path / "a", password=None)
    after = [  # the scans were downsampled: the fax pages are the full-size images
        img
        for p in paths
        for img in _extracted(p, tmp_path / p.stem, PW)
        if img.size == (5100, 6600)
    ]
    assert len(before) == len(after) == 3
    from PIL import ImageChops

    for a, b in zip(before, after, strict=True):
        assert a.size == b.size and ImageChops.difference(a, b).getbbox() is None


def _extracted(pdf: Path, folder: Path, password: str | None) -> list[Any]:
    from PIL import Image

    folder.mkdir()
    args = ["pdfimages", "-png"] + (["-upw", password] if password else []) + [str(pdf)]
    subprocess.run([*args, str(folder / "i")], check=True)
    return [Image.open(p).convert("1") for p in sorted(folder.glob("*.png"))]


def test_no_recompress_only_splits_and_cuts_a_large_record(
    heavy: Path, split6: tuple[Path, Any]
) -> None:
    """6 MB without recompression: each 600 dpi scan page (5.5 MB) needs a file of its
    own, so the scan is cut at its page boundary and the covers say so."""
    _, data = split6
    paths = [Path(v["output"]) for v in data["volumes"]]
    assert len(paths) == 3 and all(p.stat().st_size <= 6 * MB for p in paths)
    assert sum(opens_alone(p) for p in paths) == data["pages"]
    assert all(r["recompressed"] is None for r in data["records"])
    gray = {r["xppi"] for p in paths for r in images(p) if r["color"] == "gray"}
    assert gray == {str(shown(600))}
    assert markers(paths) == EXPECTED
    assert [v["records"] for v in data["volumes"]] == [[1], [1], [2, 3, 4]]
    scan = data["records"][0]
    assert [(p["volume"], p["pages"]) for p in scan["pieces"]] == [(1, 1), (2, 1)]
    cover = text_of(paths[1]).split("\f")[0]
    flat = " ".join(cover.split())
    assert "Part 2 of 3" in flat and "same password" in flat
    assert "Part 1: record 1 (page 1 of 2)" in flat
    assert "Part 2 (this file): record 1 (page 2 of 2)" in flat
    assert "Part 3: records 2–4" in flat
    with pikepdf.open(paths[1], password=PW) as pdf:
        manifest = json.loads(pdf.attachments["manifest.json"].get_file().read_bytes())
    assert manifest["volume"]["number"] == 2 and manifest["volume"]["of"] == 3
    assert manifest["records"][0]["part"] == [2, 2]
    assert manifest["records"][0]["bookmark"] == "1. Pathology scan (page 2 of 2)"
    assert manifest["records"][0]["record_pages"] == [2, 2]
    original = heavy.parent / "records" / "gray.pdf"
    import hashlib

    assert manifest["records"][0]["sha256"] == hashlib.sha256(original.read_bytes()).hexdigest()


def test_a_failure_in_a_later_part_leaves_no_part(
    heavy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sopacket.packaging.encrypt

    real = sopacket.packaging.encrypt.encrypt_to
    calls = []

    def fail_second(*args: Any) -> int:
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(*args)

    monkeypatch.setattr(sopacket.packaging.encrypt, "encrypt_to", fail_second)
    code, _, stderr = build(heavy, tmp_path / "f.pdf", "--max-size", "6MB", "--no-recompress")
    assert (code, len(calls)) == (ExitCode.OUTPUT_ERROR, 2), stderr
    assert "No space left on device" in stderr and "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []  # part 1 was complete, but is not left alone


def test_a_page_too_large_for_any_file_is_refused(heavy: Path, tmp_path: Path) -> None:
    code, _, stderr = build(heavy, tmp_path / "x.pdf", "--max-size", "4MB", "--no-recompress")
    assert code == ExitCode.RECORD_ERROR
    flat = " ".join(stderr.split())
    assert "Pathology scan" in flat and "too large for the 4.0 MB limit" in flat
    assert "--no-recompress" in flat and "Traceback" not in stderr
    assert not list(tmp_path.iterdir())


def test_verify_checks_the_parts_together(heavy: Path, split6: tuple[Path, Any]) -> None:
    _, data = split6
    paths = [v["output"] for v in data["volumes"]]
    runner = CliRunner()
    ok = runner.invoke(
        app,
        [
            "verify",
            *paths,
            "--password-stdin",
            "--json",
            "--records",
            str(heavy.parent / "records"),
        ],
        input=PW + "\n",
    )
    assert ok.exit_code == 0, ok.output
    report = json.loads(ok.stdout)
    assert report["intact"] and report["volume_count"] == 3 and report["missing"] == []
    assert all(f["intact"] for f in report["files"])
    gap = runner.invoke(app, ["verify", paths[0], paths[2], "--password-stdin"], input=PW + "\n")
    assert gap.exit_code == ExitCode.NOT_READY
    assert "n-part-2-of-3.pdf" in " ".join(gap.stdout.split())
    twice = runner.invoke(
        app, ["verify", paths[0], *paths, "--password-stdin", "--json"], input=PW + "\n"
    )
    assert twice.exit_code == ExitCode.NOT_READY
    checks = {c["check"]: c for c in json.loads(twice.stdout)["checks"]}
    assert not checks["parts"]["ok"] and "given twice: part 1" in checks["parts"]["detail"]
    assert checks["record pages"]["detail"] == "record 1 has pages twice"
    one = runner.invoke(app, ["verify", paths[1], "--password-stdin", "--json"], input=PW + "\n")
    assert one.exit_code == ExitCode.NOT_READY
    alone = json.loads(one.stdout)
    assert alone["missing"] == ["n-part-1-of-3.pdf", "n-part-3-of-3.pdf"]
    assert alone["files"][0]["intact"]  # the part itself is fine: only the others are not here


def test_identical_resources_are_stored_once(tmp_path: Path) -> None:
    folder = tmp_path / "packet"
    shutil.copytree(EXAMPLE, folder)
    records = [
        ("Pathology report", "pathology", "a.pdf", "LOGOA", 2),
        ("Imaging report", "imaging", "b.pdf", "LOGOB", 2),
        ("Genetic test", "genetic", "c.pdf", "TEXT", 1),
        ("Blood tests", "lab", "d.pdf", "TEXT", 1),
    ]
    shared_logo_pdf(folder / "records" / "a.pdf", pages=2, marker="LOGOA")
    shared_logo_pdf(folder / "records" / "b.pdf", pages=2, marker="LOGOB")
    text_pdf(folder / "records" / "c.pdf", pages=1)
    text_pdf(folder / "records" / "d.pdf", pages=1)
    packet = _packet(folder, records)
    code, plain, _ = build(packet, tmp_path / "plain.pdf")
    assert code == 0
    code, data, _ = build(packet, tmp_path / "fit.pdf", "--max-size", "1MB")
    assert code == 0
    plain_ids = {r["object"] for r in images(tmp_path / "plain.pdf")}
    fit_ids = {r["object"] for r in images(tmp_path / "fit.pdf")}
    assert plain["bytes"] > 1_000_000 >= data["bytes"]
    assert len(plain_ids) == 2 and len(fit_ids) == 1  # one logo, drawn on all four pages
    assert data["fit"]["duplicate_bytes_saved"] > 400_000
    assert data["bytes"] < plain["bytes"] - 400_000
    assert all(r["recompressed"] is None for r in data["records"])  # nothing lossy needed


def test_a_packet_that_fits_is_left_as_it_is(heavy: Path, tmp_path: Path) -> None:
    code, data, _ = build(heavy, tmp_path / "ok.pdf", "--max-size", "50MB")
    assert code == 0
    assert len(data["volumes"]) == 1 and data["fit"]["recompressed_records"] == 0
    assert data["fit"]["duplicates_removed"] == 0  # nothing at all was needed
    said = CliRunner().invoke(
        app,
        ["build", str(heavy), "--password-stdin", "-o", str(tmp_path / "t.pdf"), "--fit", "portal"],
        input=PW + "\n",
    )
    assert said.exit_code == 0
    assert "It fits within the portal limit (20.0 MB) as it is." in " ".join(said.stderr.split())


def test_summary_says_what_was_done(heavy: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["build", str(heavy), "--password-stdin", "-o", str(tmp_path / "s.pdf"), "--fit", "email"],
        input=PW + "\n",
    )
    assert result.exit_code == 0, result.output
    flat = " ".join(result.stderr.split())
    assert "over the email limit (10.0 MB). To fit, sopacket:" in flat
    assert "“Pathology scan”: 2 images stored at 200 dpi as JPEG quality 75" in flat
    assert result.stdout.strip() == str(tmp_path / "s.pdf")


def test_config_presets_and_option_errors(heavy: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("fit:\n  portal: 9MB\n  hospital: 12MiB\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["--config", str(config), "build", str(heavy), "--password-stdin", "--json",
         "-o", str(tmp_path / "c.pdf"), "--fit", "portal"],
        input=PW + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["fit"]["max_bytes"] == 9 * MB
    for args, message in [
        (["--max-size", "25XB"], "is not a size"),
        (["--max-size", "25MB", "--fit", "email"], "Give one of them"),
        (["--max-size", "200kB"], "too small"),
        (["--fit", "fax"], "email, hospital, portal"),
        (["--max-size", ""], "is not a size"),
        (["--max-size", "100"], "is not a size with its unit"),
        (["--max-size", "100b"], "100 bytes is too small"),
        (["--no-recompress"], "only matters with a size limit"),
    ]:
        bad = runner.invoke(
            app,
            ["--config", str(config), "build", str(heavy), "--password-stdin",
             "-o", str(tmp_path / "bad.pdf"), *args],
            input=PW + "\n",
        )  # fmt: skip
        assert bad.exit_code == ExitCode.INPUT_ERROR, (args, bad.output)
        assert message in " ".join(bad.stderr.split()) and "Traceback" not in bad.stderr
    assert not (tmp_path / "bad.pdf").exists()
    config.write_text("fit:\n  portal: lots\n", encoding="utf-8")
    broken = runner.invoke(app, ["--config", str(config), "config", "show"])
    assert broken.exit_code == ExitCode.INPUT_ERROR and "fit.portal" in broken.stderr


def test_earlier_parts_need_force_and_are_replaced(heavy: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    code, first, _ = build(heavy, out, "--max-size", "6MB", "--no-recompress")
    assert code == 0 and len(first["volumes"]) == 3
    code, _, stderr = build(heavy, out, "--max-size", "8MB")
    assert code == ExitCode.OUTPUT_ERROR and "--force" in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"r-part-{k}-of-3.pdf" for k in (1, 2, 3)]
    code, data, _ = build(heavy, out, "--max-size", "8MB", "--force")
    assert code == 0 and len(data["volumes"]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.pdf"]  # no stale part to upload
    assert len(data["removed_files"]) == 3


def test_check_warns_when_records_exceed_the_limit(heavy: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["check", str(heavy), "--fit", "email", "--json"])
    assert result.exit_code == 0  # a warning: the build can still make it fit
    size = json.loads(result.stdout)["size"]
    assert size["over"] and size["records_bytes"] > 14 * MB and size["max_bytes"] == 10 * MB
    text = runner.invoke(app, ["check", str(heavy), "--max-size", "25MB"])
    flat = " ".join(text.stdout.split())
    assert "Size: the records add up to" in flat and "within the 25.0 MB limit." in flat
    tight = runner.invoke(app, ["check", str(heavy), "--max-size", "5MB", "--no-recompress"])
    flat = " ".join(tight.stdout.split())
    assert "more than the 5.0 MB limit" in flat and "(at least 4)" in flat


def test_batch_cuts_what_is_too_large_and_skips_it_when_up_to_date(
    heavy: Path, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    root = tmp_path / "in"
    shutil.copytree(heavy.parent, root / "heavy")
    shutil.copytree(EXAMPLE, root / "small")
    small = root / "small" / "packet.yaml"
    small.write_text(small.read_text().replace("id: example-jd-2026", "id: small-2026"))
    out = tmp_path / "out"
    args = ["batch", str(root), "-o", str(out), "--generate-password", "--json"]
    first = CliRunner().invoke(app, [*args, "--max-size", "6MB", "--no-recompress"])
    assert first.exit_code == 0, first.output
    rows = {r["id"]: r for r in json.loads(first.stdout)["packets"]}
    assert [Path(p).name for p in rows["example-jd-2026"]["volumes"]] == [
        f"example-jd-2026-part-{k}-of-3.pdf" for k in (1, 2, 3)
    ]
    assert rows["small-2026"]["volumes"] == [] and rows["small-2026"]["status"] == "built"
    assert any("cut into 3 files" in p for p in rows["example-jd-2026"]["notes"])
    secret = dict(memory_keyring.store)[("sopacket", "example-jd-2026")]
    for part in rows["example-jd-2026"]["volumes"]:
        assert Path(part).stat().st_size <= 6 * MB
        assert (
            subprocess.run(
                ["qpdf", f"--password={secret}", "--check", part], capture_output=True
            ).returncode
            == 0
        )
    again = CliRunner().invoke(app, [*args, "--max-size", "6MB", "--no-recompress"])
    assert [r["status"] for r in json.loads(again.stdout)["packets"]] == ["skipped"] * 2
    Path(rows["example-jd-2026"]["volumes"][1]).unlink()  # a part lost: built again
    third = CliRunner().invoke(app, [*args, "--max-size", "6MB", "--no-recompress"])
    statuses = {r["id"]: r["status"] for r in json.loads(third.stdout)["packets"]}
    assert statuses == {"example-jd-2026": "built", "small-2026": "skipped"}


def test_parts_of_two_builds_are_not_one_packet(
    heavy: Path, split6: tuple[Path, Any], tmp_path: Path
) -> None:
    _, first = split6
    code, second, _ = build(heavy, tmp_path / "n.pdf", "--max-size", "6MB", "--no-recompress")
    assert code == 0
    mixed = [first["volumes"][0]["output"], *(v["output"] for v in second["volumes"][1:])]
    result = CliRunner().invoke(
        app, ["verify", *mixed, "--password-stdin", "--json"], input=PW + "\n"
    )
    assert result.exit_code == ExitCode.NOT_READY
    checks = {c["check"]: c["ok"] for c in json.loads(result.stdout)["checks"]}
    assert checks == {"one packet": True, "one build": False}


def test_images_alike_but_for_their_palette_are_kept_apart(tmp_path: Path) -> None:
    """De-duplication compares every value that says how an image is drawn, nested ones
    included: two images with the same bytes and different palettes stay two."""
    pdf = pikepdf.new()
    pixels = bytes(range(16)) * 16
    for colour in (b"\xff\x00\x00", b"\x00\x00\xff"):
        lookup = pdf.make_stream(b"\x00" * 45 + colour * 16)  # differs after its 45th byte
        image = pdf.make_stream(
            pixels,
            Type=pikepdf.Name.XObject,
            Subtype=pikepdf.Name.Image,
            Width=16,
            Height=16,
            BitsPerComponent=8,
            ColorSpace=pikepdf.Array([pikepdf.Name.Indexed, pikepdf.Name.DeviceRGB, 30, lookup]),
        )
        page = pdf.add_blank_page(page_size=(100, 100))
        page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
        page.obj.Contents = pdf.make_stream(b"q 100 0 0 100 0 0 cm /Im0 Do Q")
    assert fit.dedupe(pdf) == (0, 0)
    twin = pdf.pages[0].obj.Resources.XObject.Im0
    copy = pdf.make_stream(pixels, **{k[1:]: twin[k] for k in twin.keys() if k != "/Length"})  # noqa: SIM118
    pdf.pages[1].obj.Resources.XObject.Im0 = copy  # now truly the same as page 1's
    assert fit.dedupe(pdf) == (1, len(pixels))


def test_a_shared_image_is_counted_in_every_part_that_uses_it(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    logo = pdf.make_stream(
        b"\x80" * 3000,
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=50,
        Height=60,
        BitsPerComponent=8,
        ColorSpace=pikepdf.Name.DeviceGray,
    )
    for _ in range(6):
        page = pdf.add_blank_page(page_size=(100, 100))
        page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Logo=logo))
        page.obj.Contents = pdf.make_stream(b"q 50 0 0 60 0 0 cm /Logo Do Q")
    costs = fit.record_costs(pdf, 0)
    assert all(dict(page.shared).get(fit._stream_key(logo)) == 3000 for page in costs)
    assert fit.packet_size([costs]) < 3000 + 6 * 2000  # stored once in one file
    page = costs[1].alone() - 3000  # a page without the logo
    plan = fit.plan_volumes([costs], 3000 + int(3.5 * page))
    assert len(plan) == 2  # three pages and the logo in each part
    for volume in plan:
        assert sum(p.count for p in volume) == 3


# --- the planning, on its own -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "size"),
    [("25MB", 25_000_000), ("10MiB", 10 * 2**20), ("1.5 GB", 1_500_000_000), ("800kB", 800_000)],
)
def test_sizes(text: str, size: int) -> None:
    assert fit.parse_size(text) == size


def test_volumes_hold_every_page_once_in_order_within_their_room() -> None:
    import random

    rng = random.Random(7)
    for _ in range(300):
        sizes = [
            [rng.randint(1, 90) for _ in range(rng.randint(1, 12))]
            for _ in range(rng.randint(1, 9))
        ]
        room = rng.randint(90, 400)
        plan = fit.plan_volumes(sizes, room)
        pages = [(p.record, p.first + k) for v in plan for p in v for k in range(p.count)]
        assert pages == [(r, k) for r, s in enumerate(sizes) for k in range(len(s))]
        for volume in plan:
            assert sum(sum(sizes[p.record][p.first : p.first + p.count]) for p in volume) <= room
        for r, s in enumerate(sizes):
            pieces = [p for v in plan for p in v if p.record == r]
            if sum(s) <= room:  # a record that fits a file is never cut
                assert len(pieces) == 1
            assert [p.part for p in pieces] == list(range(1, len(pieces) + 1))
            assert {p.parts for p in pieces} == {len(pieces)}
