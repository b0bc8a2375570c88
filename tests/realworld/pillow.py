"""Four image files from Pillow's own test suite, fetched from PyPI for the tests.

Source: the source distribution of Pillow 13.0.0 on PyPI (``pillow-13.0.0.tar.gz``,
47 MB, SHA-256 pinned below), ``Tests/images/``. Each file is pinned by its own SHA-256
too. They are cases sopacket once refused although they are valid (or refused with words
no patient could act on):

- ``16bit.MM.deflate.tif``: 16-bit greyscale, big-endian ("MM"), Deflate; Pillow decodes
  it (mode I;16B), sopacket called it "damaged (ValueError)".
- ``tiff_16bit_RGB.tiff``: 16-bit-per-channel RGB (built before too: kept as a control).
- ``junk_jpeg_header.jpg``: a JPEG with stray bytes between its segments; Pillow decodes
  it, sopacket called it "damaged (damaged JPEG marker)".
- ``hopper_webp.tif``: a TIFF compressed with WebP, which this Pillow build's libtiff
  cannot decode; sopacket called it "damaged (OSError)" rather than saying the
  compression is not supported.

Licence: the sdist holds no per-file licence for its test images; the distribution as a
whole is under Pillow's licence (MIT-CMU, the sdist's ``LICENSE``). We only download and
read the files in tests; we neither ship nor commit them.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

NAME, VERSION = "pillow", "13.0.0"
ARCHIVE = f"{NAME}-{VERSION}.tar.gz"
SHA256 = "cdcd1ba258178f7356d74170c9a81ba4eab6a5d55748bc402a5a2a6fe6be3510"
FILES = {
    "16bit.MM.deflate.tif": "6e06ec2159d2d50213b8ef80a7820402697f224f6139de015737b6aeeeb5f013",
    "tiff_16bit_RGB.tiff": "f96f39e61be80e5f9abfd47375200f807fc68f765cb0612deed895c5bb279cc9",
    "junk_jpeg_header.jpg": "fcb61dacabfdc97c4f714492401c05b94f181f48fd272fc18b6e457fc71a6120",
    "hopper_webp.tif": "f9b718a3e379a346cb2d27f40c0a453b6f67039ae7b3d56f77ca507018505e60",
}
DOWNLOAD_TIMEOUT = 600  # seconds


def fetch(cache: Path) -> dict[str, Path]:
    """The pinned files (by name), in ``cache/pillow-13.0.0-images/``; downloaded and
    extracted only when a file is missing or not the pinned one. RuntimeError if the
    download fails or anything is not what is pinned."""
    dest = Path(cache) / f"{NAME}-{VERSION}-images"
    if not all(_ok(dest / name, digest) for name, digest in FILES.items()):
        dest.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".fetch-", dir=dest.parent) as tmp:
            archive = _download(Path(tmp))
            with tarfile.open(archive, "r:gz") as tar:
                for name, digest in FILES.items():
                    member = tar.extractfile(f"{NAME}-{VERSION}/Tests/images/{name}")
                    if member is None:
                        raise RuntimeError(f"{ARCHIVE} does not hold Tests/images/{name}")
                    data = member.read()
                    if hashlib.sha256(data).hexdigest() != digest:
                        raise RuntimeError(f"{name} in {ARCHIVE} is not the pinned file")
                    (dest / name).write_bytes(data)
    return {name: dest / name for name in FILES}


def _ok(path: Path, digest: str) -> bool:
    return path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == digest


def _download(into: Path) -> Path:
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", NAME,
        "--disable-pip-version-check", "--quiet", "--dest", str(into), f"{NAME}=={VERSION}",
    ]  # fmt: skip
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RuntimeError(f"could not download {NAME}=={VERSION} from PyPI: {exc}") from exc
    archive = into / ARCHIVE
    if done.returncode != 0 or not archive.is_file():
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"could not download {NAME}=={VERSION} from PyPI: {tail}")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != SHA256:
        shutil.rmtree(into, ignore_errors=True)
        raise RuntimeError(f"{ARCHIVE} has SHA-256 {digest}, expected the pinned {SHA256}")
    return archive
