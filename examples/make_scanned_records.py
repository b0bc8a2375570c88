"""Generate a heavy, scanned version of the example patient's records, to try size limits.

Writes into ``examples/scanned/records/`` (or the folder given): the seven records of
``examples/jane-doe`` (copied), and four heavy ones like those a patient gathers from
paper:

* ``pathology-scan.pdf``   3 pages scanned at 600 dpi in greyscale (JPEG, about 17 MB)
* ``imaging-scan.pdf``     2 pages scanned at 600 dpi in colour (JPEG, about 12 MB)
* ``lab-fax.pdf``          4 pages of a 600 dpi black-and-white fax (1-bit, about 1 MB)
* ``letter-photo.jpg``     a 12-megapixel phone photo of a letter (about 3 MB)

Each scanned page carries small print (6 pt) and an invisible text line, like OCR.
``examples/scanned/packet.yaml`` lists all eleven. EVERYTHING IS FICTIONAL. The files are
deterministic (the same bytes on every run) and are not kept in the repository.

Usage (from the repository root)::

    python examples/make_scanned_records.py [OUTPUT_DIR]
    sopacket build examples/scanned/packet.yaml --fit email
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fit_records import Letterhead, photo_of_document, scan_pdf  # noqa: E402 - the tests'


def letterhead(clinic: str, address: str, mrn: str, about: str, day: str) -> Letterhead:
    """A letter about the example's patient, Jane Doe, dated as packet.yaml dates it."""
    return Letterhead(
        clinic=f"{clinic} (fictional)",
        address=address,
        patient=f"Patient: Jane Doe   Born 1968-04-12   MRN {mrn}",
        about=f"Re: {about}, {day}",
        received=day,
        ocr=f"DOE, JANE   DOB 1968-04-12   {clinic}   {day}",
    )


ST_MARYS = "1450 Harbor View Road, Maple Falls, MN 55990  -  Tel (555) 555-0134"
HEADS = {
    "pathology": letterhead(
        "St. Mary's Hospital", ST_MARYS, "SMH-00482913", "core biopsy pathology", "2026-08-28"
    ),
    "imaging": letterhead(
        "Riverside Imaging Center",
        "220 River Street, Suite 3, Maple Falls, MN 55990  -  Tel (555) 555-0148",
        "RIC-7731046",
        "breast MRI",
        "2026-09-02",
    ),
    "lab": letterhead(
        "Maple Falls Family Practice",
        "Maple Falls, MN 55990  -  Fax (555) 555-0121",
        "MFFP-10442",
        "routine blood tests",
        "2026-06-11",
    ),
    "letter": letterhead(
        "Northfield Genomics",
        "4410 Innovation Drive, Suite 200, Cedar Grove, CA 94999",
        "NG-26-0091734",
        "genetic counseling referral",
        "2026-09-25",
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", type=Path, default=ROOT / "examples/scanned/records")
    out = parser.parse_args().output
    out.mkdir(parents=True, exist_ok=True)
    for record in sorted((ROOT / "examples/jane-doe/records").iterdir()):
        shutil.copyfile(record, out / record.name)
    for name, pages, mode, marker in [
        ("pathology-scan.pdf", 3, "gray", "PATHOLOGY"),
        ("imaging-scan.pdf", 2, "rgb", "IMAGING"),
        ("lab-fax.pdf", 4, "bw", "LAB"),
    ]:
        head = HEADS[marker.lower()]
        scan_pdf(out / name, pages, dpi=600, mode=mode, marker=marker, letterhead=head)
    photo_of_document(out / "letter-photo.jpg", 12, marker="LETTER", letterhead=HEADS["letter"])
    total = sum(p.stat().st_size for p in out.iterdir())
    print(f"{len(list(out.iterdir()))} records, {total / 1e6:.1f} MB, in {out}")


if __name__ == "__main__":
    main()
