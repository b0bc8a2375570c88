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

from fit_records import photo_of_document, scan_pdf  # noqa: E402 - the test suite's generator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", type=Path, default=ROOT / "examples/scanned/records")
    out = parser.parse_args().output
    out.mkdir(parents=True, exist_ok=True)
    for record in sorted((ROOT / "examples/jane-doe/records").iterdir()):
        shutil.copyfile(record, out / record.name)
    scan_pdf(out / "pathology-scan.pdf", pages=3, dpi=600, mode="gray", marker="PATHOLOGY")
    scan_pdf(out / "imaging-scan.pdf", pages=2, dpi=600, mode="rgb", marker="IMAGING")
    scan_pdf(out / "lab-fax.pdf", pages=4, dpi=600, mode="bw", marker="LAB")
    photo_of_document(out / "letter-photo.jpg", megapixels=12, marker="LETTER")
    total = sum(p.stat().st_size for p in out.iterdir())
    print(f"{len(list(out.iterdir()))} records, {total / 1e6:.1f} MB, in {out}")


if __name__ == "__main__":
    main()
