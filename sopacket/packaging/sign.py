"""Sign a written packet with a clinic's certificate (a PAdES signature, by pyHanko), and
read a packet's signature back for ``verify``.

A password opens a packet, so anyone holding it can also write a whole new one, manifest
and all; a signature made with the clinic's private key cannot be forged that way. The
signature is added to the encrypted file as one incremental update (its own revision,
encrypted with the packet's password), covering every byte of the file before it.

pyHanko is an optional dependency (``pip install 'sopacket[sign]'``); without it, asking
to sign fails at once with that command, and ``verify`` says it cannot check a signature.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from ..errors import OutputError, PasswordError, UsageError

INSTALL = "pip install 'sopacket[sign]'"
FIELD = "sopacket-signature"
"""The name of the signature field sopacket adds."""


@dataclass(frozen=True)
class SignWith:
    """Sign every file written with the key and certificate in ``key`` (PKCS#12)."""

    key: Path
    """The PKCS#12 file (.p12 or .pfx) holding the private key and its certificate."""
    passphrase: str = field(repr=False)
    """The passphrase that opens ``key`` (never shown, never on a command line)."""


def missing_pyhanko() -> UsageError:
    return UsageError(
        "signing packets needs pyHanko, which is not installed.",
        f"Install it with: {INSTALL}",
    )


def have_pyhanko() -> bool:
    try:
        import pyhanko.sign  # noqa: F401
    except ImportError:
        return False
    return True


def load_signer(sign: SignWith, now: dt.datetime | None = None) -> Any:
    """The pyHanko signer for ``sign``, checked: the file is PKCS#12, the passphrase opens
    it, it holds a key and a certificate valid ``now``. Raises with the fix otherwise."""
    if not have_pyhanko():
        raise missing_pyhanko()
    from cryptography.hazmat.primitives.serialization import pkcs12
    from pyhanko.sign import signers

    try:
        data = sign.key.read_bytes()
    except OSError as exc:
        raise UsageError(
            f"the signing key {sign.key} cannot be read ({exc.strerror}).", "Check the path."
        ) from None
    if not _looks_like_pkcs12(data):
        raise UsageError(
            f"{sign.key} is not a PKCS#12 file (.p12 or .pfx).",
            "Export the clinic's certificate with its private key as PKCS#12, and give that.",
        )
    secret = sign.passphrase.encode("utf-8")
    try:
        key, cert, _ = pkcs12.load_key_and_certificates(data, secret or None)
    except ValueError:
        raise PasswordError(
            f"the passphrase does not open the signing key {sign.key}.",
            "Check the passphrase of the .p12 file (letters, case).",
        ) from None
    if key is None or cert is None:
        raise UsageError(
            f"{sign.key} does not hold both a private key and its certificate.",
            "Export the certificate together with its private key.",
        )
    now = now or dt.datetime.now(dt.UTC)
    if cert.not_valid_after_utc < now:
        raise UsageError(
            f"the certificate in {sign.key} expired on {cert.not_valid_after_utc:%Y-%m-%d}.",
            "Renew the clinic's certificate, then sign with the new one.",
        )
    if cert.not_valid_before_utc > now:
        raise UsageError(
            f"the certificate in {sign.key} is not valid until "
            f"{cert.not_valid_before_utc:%Y-%m-%d}.",
            "Check the computer's clock, or sign with a certificate valid today.",
        )
    return signers.SimpleSigner.load_pkcs12_data(data, [], secret or None)


def _looks_like_pkcs12(data: bytes) -> bool:
    """Whether ``data`` parses as a PKCS#12 structure (whatever its passphrase)."""
    from asn1crypto import pkcs12 as asn1_pkcs12

    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        return bool(pfx["version"].native == "v3" and pfx["auth_safe"]["content_type"].native)
    except Exception:
        return False


def sign_into(fh: IO[bytes], password: str, signer: Any, pages: int) -> int:
    """Sign the encrypted packet of ``pages`` pages in the open file ``fh`` (opened with
    ``password``), as an incremental update written into the same file; then reopen it
    and count its pages. Returns the file's new size."""
    import pikepdf
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter

    fh.seek(0)
    writer = IncrementalPdfFileWriter(fh)
    writer.encrypt(password)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason="Second-opinion packet prepared and sent by the signer",
    )
    with _quiet():
        signers.sign_pdf(writer, meta, signer=signer, in_place=True)
    fh.flush()
    size = fh.seek(0, 2)
    fh.seek(0)
    with pikepdf.open(cast(BinaryIO, fh), password=password) as check:
        if len(check.pages) != pages:
            raise OutputError(
                f"the signed packet has {len(check.pages)} pages instead of {pages}.",
                "This is a bug; please report it.",
            )
    return int(size)


@dataclass(frozen=True)
class Signature:
    """What a packet's signature says, as ``verify`` reports it."""

    by: str
    """The signer's certificate: its common name, and organisation when it has one."""
    valid: bool
    """Cryptographically sound, and covering the whole file (nothing appended after)."""
    trusted: bool
    """The certificate leads to an authority given with ``verify --trust``."""
    problem: str = ""
    """Why it is not valid, in plain words."""
    first_revision: int = 0
    """Bytes of the file before the signature's revision (the packet as built)."""

    def to_json(self) -> dict[str, Any]:
        return {"by": self.by, "valid": self.valid, "trusted": self.trusted}


def trust_roots(trust: Sequence[Path]) -> list[Any]:
    """The certificates in the files given to ``verify --trust``."""
    from pyhanko.keys import load_certs_from_pemder

    roots = []
    for path in trust:
        try:
            roots += list(load_certs_from_pemder([str(path)]))
        except Exception:
            raise UsageError(
                f"--trust {path} is not a certificate file (PEM or DER).",
                "Give the certificate of the authority that issued the clinic's certificate.",
            ) from None
    return roots


def read_signature(path: Path, password: str, roots: Sequence[Any] = ()) -> Signature | None:
    """The signature of the packet at ``path`` when its last revision is one (validated
    by pyHanko; the certificate is checked against the authorities ``roots`` only, see
    :func:`trust_roots`), or None when it has none. Run in verify's capped child."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    with path.open("rb") as fh, _quiet():
        reader = PdfFileReader(fh, strict=False)
        reader.decrypt(password)
        found = reader.embedded_signatures
        if not found:
            return None
        sig = found[-1]
        status = validate_pdf_signature(
            sig, ValidationContext(trust_roots=list(roots), allow_fetching=False)
        )
        by = _name(status.signing_cert.subject.native)
        revisions = reader.xrefs.total_revisions
        whole = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
        sound = bool(status.intact and status.valid)
        problem = ""
        if not sound:
            problem = "the signature does not match the file: it was changed after signing"
        elif not whole:
            problem = "something was added to the file after it was signed"
        elif len(found) != 1 or revisions != 2:
            problem = "the file is not one packet and one signature"
        start = sig.signed_revision - 1 if sig.signed_revision else 0
        first = reader.xrefs.get_startxref_for_revision(start) if start >= 0 else 0
    trusted = bool(roots) and bool(status.trusted)
    return Signature(by, not problem, trusted, problem, _end_of(path, first))


def _end_of(path: Path, startxref: int) -> int:
    """Where the revision whose cross-reference data starts at ``startxref`` ends: after
    the first ``%%EOF`` from there, and its line end."""
    import mmap

    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        at = data.find(b"%%EOF", startxref)
        if at < 0:
            return 0
        end = at + 5
        while end < len(data) and data[end : end + 1] in (b"\r", b"\n"):
            end += 1
    return end


def _name(subject: dict[str, Any]) -> str:
    common = str(subject.get("common_name") or "")
    org = str(subject.get("organization_name") or "")
    if common and org and org != common:
        return f"{common} ({org})"
    return common or org or "an unnamed certificate"


class _quiet:
    """pyHanko logs its validation steps (tracebacks included) as warnings: not for the
    person reading verify's report, which says what they mean."""

    def __enter__(self) -> None:
        self.logger = logging.getLogger("pyhanko")
        self.level, self.propagate = self.logger.level, self.logger.propagate
        self.logger.setLevel(logging.CRITICAL + 1)
        self.logger.propagate = False
        cv = logging.getLogger("pyhanko_certvalidator")
        self.cv_level = cv.level
        cv.setLevel(logging.CRITICAL + 1)

    def __exit__(self, *exc: object) -> None:
        self.logger.setLevel(self.level)
        self.logger.propagate = self.propagate
        logging.getLogger("pyhanko_certvalidator").setLevel(self.cv_level)
