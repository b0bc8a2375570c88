"""Verify a built packet: open it with its password, then check what it claims to be.

    open -> encryption -> manifest -> pages -> records (and their original files) ->
    bookmarks -> active content

Each check is a :class:`Finding`; the packet is intact when every finding is. A file that
cannot be opened at all raises (:class:`PacketUnreadable`, or PasswordError for a wrong
password) instead: there is nothing to report on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import OriginalsNotFound, PacketUnreadable, PasswordError
from .records.objects import filters


@dataclass(frozen=True)
class Finding:
    """One check and its outcome."""

    check: str
    ok: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "ok": self.ok, "detail": self.detail}


@dataclass
class VerifyReport:
    file: Path
    packet_id: str | None = None
    pages: int = 0
    records: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    volume: dict[str, Any] | None = None
    """For a packet cut into parts: the manifest's ``volume`` (number, of, files...)."""
    signed: dict[str, Any] | None = None
    """For a signed packet: who signed it, whether the signature is valid and trusted."""

    @property
    def intact(self) -> bool:
        return all(f.ok for f in self.findings)

    def add(self, check: str, ok: bool, detail: str) -> bool:
        self.findings.append(Finding(check, ok, detail))
        return ok

    def to_json(self) -> dict[str, Any]:
        return {
            "sopacket_verify": 1,
            "file": str(self.file),
            "packet_id": self.packet_id,
            "intact": self.intact,
            "pages": self.pages,
            "records": self.records,
            "checks": [f.to_json() for f in self.findings],
            "signed": self.signed,
            **(
                {"volume": {"number": self.volume.get("number"), "of": self.volume.get("of")}}
                if self.volume
                else {}
            ),
        }


@dataclass
class SetReport:
    """The check of a packet cut into parts: each file's report, then the set's."""

    files: list[VerifyReport]
    packet_id: str | None = None
    volume_count: int = 0
    missing: list[str] = field(default_factory=list)
    """The file names of the parts not given."""
    findings: list[Finding] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return all(f.ok for f in self.findings) and all(r.intact for r in self.files)

    def add(self, check: str, ok: bool, detail: str) -> bool:
        self.findings.append(Finding(check, ok, detail))
        return ok

    def to_json(self) -> dict[str, Any]:
        return {
            "sopacket_verify": 1,
            "packet_id": self.packet_id,
            "intact": self.intact,
            "volume_count": self.volume_count,
            "missing": self.missing,
            "checks": [f.to_json() for f in self.findings],
            "files": [r.to_json() for r in self.files],
        }


PasswordFor = str | Callable[[], str]


VERIFY_LIMITS_SECONDS = 300.0
"""Time the child that reads a packet may take (it decodes every stream)."""


def verify(
    path: Path | str,
    password: PasswordFor,
    records: Path | None = None,
    trust: Sequence[Path] = (),
) -> VerifyReport:
    """Open ``path`` with ``password`` and check it; ``records`` is a folder holding the
    original record files, whose SHA-256 is then compared with the manifest's (a folder
    holding none of them raises :class:`OriginalsNotFound`: it is the wrong folder).
    ``trust``: certificate files (PEM or DER) of the authorities a signer's certificate
    is checked against (without them, a signature is checked but its signer not)."""
    report = _verify_one(Path(path), password, records, tuple(trust))
    _require_originals([report], records)
    return report


def _require_originals(reports: list[VerifyReport], folder: Path | None) -> None:
    """Raise when ``folder`` holds none of the original files of any of ``reports``."""
    entries = [e for r in reports for e in r.records]
    if folder is None or not entries or any(e["original"] != "missing" for e in entries):
        return
    raise OriginalsNotFound(
        f"none of the packet's {len(entries)} original files is in {folder}: the original "
        "files were not found there.",
        "Give --records the folder that holds the record files the packet was built "
        "from (or leave --records out to check the packet alone).",
    )


def _verify_one(
    path: Path, password: PasswordFor, records: Path | None, trust: tuple[Path, ...] = ()
) -> VerifyReport:
    """:func:`verify` of one file, whatever its originals.

    The file is untrusted: it is judged a PDF by its first bytes before the password is
    asked for, then read in a child process with a memory cap and a time limit. A child
    that runs out of either is a finding (the file is damaged), never a crash."""
    from .records.isolate import ChildFailed, Limits, run

    path = Path(path)
    check_is_pdf(path)
    secret = password() if callable(password) else password
    try:
        outcome = run(
            _verify_here,
            path,
            secret,
            records,
            trust,
            limits=Limits(seconds=VERIFY_LIMITS_SECONDS),
        )
    except ChildFailed as exc:
        report = VerifyReport(path)
        report.add(
            "readable",
            False,
            f"the file could not be checked ({exc.reason}): it is damaged, or not a packet "
            "sopacket built",
        )
        return report
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def _verify_here(
    path: Path, password: str, records: Path | None, trust: tuple[Path, ...]
) -> VerifyReport | Exception:
    """The checks, in the child process; an error to report is returned, not raised (it
    crosses the process boundary as a value)."""
    from .errors import SopacketError

    try:
        return _checks(path, password, records, trust)
    except SopacketError as exc:
        return exc


def _checks(
    path: Path, password: str, records: Path | None, trust: tuple[Path, ...] = ()
) -> VerifyReport:
    """Every check, of the packet as built: of a signed packet whose signature is valid,
    the revision before the signature's (and then the signature's revision is checked
    to add nothing but the signature)."""
    report = VerifyReport(path)
    with _open(path, password) as whole:  # the password is right before anything is judged
        fields = _signature_fields(whole)
    signature = check_signature(path, password, trust, report, fields)
    built = signature.first_revision if signature is not None else 0
    manifest = _check_built(path, built, password, records, report)
    if signature is not None and manifest is not None:
        check_signature_adds_nothing(path, password, built, manifest, report)
    return report


def _check_built(
    path: Path, end: int, password: str, records: Path | None, report: VerifyReport
) -> dict[str, Any] | None:
    """The checks of the file (or of its first ``end`` bytes, the packet as built before
    it was signed); returns its manifest."""
    pdf = _open(path, password, end)
    with pdf:
        report.pages = len(pdf.pages)
        check_encryption(pdf, report)
        check_one_revision(path, pdf, report, end)
        check_streams(pdf, report)
        manifest = read_manifest(pdf, report)
        if manifest is not None:
            report.packet_id = str(manifest.get("packet_id") or "") or None
            volume = manifest.get("volume")
            report.volume = volume if isinstance(volume, dict) else None
            check_pages(pdf, manifest, report)
            check_page_content(pdf, manifest, report)
            check_document(pdf, manifest, report)
            check_records(manifest, records, report)
            check_bookmarks(pdf, manifest, report)
        check_active_content(pdf, report)
    return manifest


def verify_all(
    paths: list[Path],
    password: PasswordFor,
    records: Path | None = None,
    trust: Sequence[Path] = (),
) -> VerifyReport | SetReport:
    """Verify one packet file, or the parts of a packet cut to fit a size limit: each
    file, then the set (every part given, once; every record's pages exactly once, in
    order, across them). One file that is a part is checked as a set of one: the parts
    not given are reported missing."""
    for p in paths:  # every file is a PDF before any password is asked for
        check_is_pdf(Path(p))
    if callable(password):
        asked = password()
        password = asked
    reports = [_verify_one(Path(p), password, records, tuple(trust)) for p in paths]
    _require_originals(reports, records)
    if len(reports) == 1 and reports[0].volume is None:
        return reports[0]
    return check_set(reports)


def check_set(reports: list[VerifyReport]) -> SetReport:
    result = SetReport(reports)
    ids = {r.packet_id for r in reports}
    result.packet_id = next(iter(ids)) if len(ids) == 1 else None
    if not result.add(
        "one packet",
        len(ids) == 1 and None not in ids,
        "every file is part of packet " + str(result.packet_id)
        if len(ids) == 1
        else "the files come from different packets (or are not packets)",
    ):
        return result
    loose = [r for r in reports if r.volume is None]
    if loose:
        result.add(
            "parts",
            False,
            f"{loose[0].file.name} is a whole packet, not a part; verify it on its own",
        )
        return result
    first = reports[0].volume or {}
    count = first.get("of")
    plan = first.get("records")
    files = first.get("files") or []
    result.volume_count = count if isinstance(count, int) else 0

    def build_of(r: VerifyReport) -> dict[str, Any]:
        return {k: v for k, v in (r.volume or {}).items() if k != "number"}

    same = all(build_of(r) == build_of(reports[0]) for r in reports)
    if not result.add(
        "one build",
        same and isinstance(count, int) and isinstance(plan, list) and len(plan) == count,
        "every file comes from the same build"
        if same
        else "the parts come from different builds of the packet; build it again and send "
        "all the new parts",
    ):
        return result
    numbers = [_int((r.volume or {}).get("number")) for r in reports]
    twice = sorted({n for n in numbers if numbers.count(n) > 1})
    missing = [n for n in range(1, result.volume_count + 1) if n not in numbers]
    result.missing = [str(files[n - 1]) if n <= len(files) else f"part {n}" for n in missing]
    detail = f"all {result.volume_count} parts are here"
    if missing:
        names = ", ".join(
            f"part {n} ({files[n - 1]})" if n <= len(files) else f"part {n}" for n in missing
        )
        detail = f"missing {names}: give every part to check the whole packet"
    if twice:
        detail += "; given twice: " + ", ".join(f"part {n}" for n in twice)
    result.add("parts", not missing and not twice, detail)
    result.add("record pages", *_pages_across(reports, first.get("record_pages")))
    return result


def _pages_across(reports: list[VerifyReport], totals: Any) -> tuple[bool, str]:
    """Every record's pages are in the files given exactly once, in order (by what each
    file's own manifest says it holds, taken in part order)."""
    if not isinstance(totals, list):
        return False, "the manifest does not say how many pages each record has"
    seen: dict[int, list[int]] = {}
    ordered = sorted(reports, key=lambda r: _int((r.volume or {}).get("number")))
    try:
        for r in ordered:
            for rec in r.records:
                first, last = rec["packet_pages"]
                pages = rec.get("record_pages") or [1, last - first + 1]
                if pages[1] - pages[0] != last - first or not 0 <= last - first < r.pages:
                    return False, f"the pages in {r.file.name} do not match its manifest"
                seen.setdefault(int(rec["number"]), []).extend(range(pages[0], pages[1] + 1))
    except (KeyError, TypeError, ValueError):
        return False, "a manifest's list of records is malformed"
    problems = []
    for n, total in enumerate(totals, 1):
        got = seen.get(n, [])
        # compared without a list of ``total`` pages: a damaged manifest may say 10**12
        if len(got) == _int(total) and got == list(range(1, len(got) + 1)):
            continue
        if len(got) > len(set(got)):
            problems.append(f"record {n} has pages twice")
        elif len(got) != _int(total) or set(got) != set(range(1, len(got) + 1)):
            problems.append(f"record {n} is missing pages")
        else:
            problems.append(f"record {n} is out of order")
    if problems:
        return False, "; ".join(problems)
    return True, "every record's pages are in the files exactly once, in order"


def _int(value: Any) -> int:
    """A manifest's number, or 0 when it is not one (a damaged manifest fails a check;
    it never crashes verify)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def opens(path: Path, password: str) -> bool:
    """Whether ``password`` opens the PDF ``path``."""
    import warnings

    import pikepdf

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pikepdf.open(path, password=password):
                return True
    except (pikepdf.PasswordError, pikepdf.PdfError, OSError, ValueError):
        return False


def check_is_pdf(path: Path) -> None:
    """Refuse (PacketUnreadable) a path that is not a regular file starting like a PDF,
    judged by its first bytes, before any password is asked for."""
    from .files import Unfit, read_guarded

    try:
        head = read_guarded(path, None, head_only=True)
    except Unfit as exc:
        raise _unreadable(path, exc) from None
    if head.kind != "pdf" and path.suffix.lower() in (".yaml", ".yml"):
        raise PacketUnreadable(
            f"{path} is the packet file (YAML), not the PDF that `sopacket build` wrote.",
            f"Give that PDF, e.g. `sopacket verify {_built_beside(path)}`.",
        )
    if head.kind != "pdf":
        raise PacketUnreadable(
            f"{path} is not a PDF file (judged by its content).",
            "Name the packet file that `sopacket build` wrote.",
        )


def _built_beside(packet_file: Path) -> str:
    """The packet PDF that ``build`` wrote beside ``packet_file`` under its default name,
    else that name's pattern."""
    from .errors import UsageError
    from .packaging.destination import built_in_folder

    try:
        return str(built_in_folder(packet_file.parent)[0])
    except UsageError:
        return str(packet_file.parent / "second-opinion-packet-DATE.pdf")


def _open(path: Path, password: str, end: int = 0) -> Any:
    """The PDF at ``path`` opened with ``password``; with ``end``, only its first ``end``
    bytes (its first revision)."""
    import io
    import warnings

    import pikepdf

    check_is_pdf(path)
    try:
        with warnings.catch_warnings():  # "no password was needed": reported as a finding
            warnings.simplefilter("ignore")
            if end:
                with path.open("rb") as fh:
                    return pikepdf.open(io.BytesIO(fh.read(end)), password=password)
            return pikepdf.open(path, password=password)
    except pikepdf.PasswordError:
        raise PasswordError(
            f"the password does not open {path}.",
            "Check the password you were given for this packet (letters, dashes, case).",
        ) from None
    except (pikepdf.PdfError, OSError, ValueError) as exc:
        raise PacketUnreadable(
            f"{path} is too damaged to open ({type(exc).__name__}).",
            "Build the packet again, or ask its sender for a new copy.",
        ) from None


def _unreadable(path: Path, exc: Any) -> PacketUnreadable:
    from .files import Why

    if exc.why is Why.MISSING:
        return PacketUnreadable(f"{path} does not exist.", "Check the file name.")
    if exc.why is Why.FOLDER:
        return PacketUnreadable(f"{path} is a folder.", "Name the packet's PDF file.")
    if exc.why is Why.NOT_REGULAR:
        return PacketUnreadable(
            f"{path} is not a regular file (a device or pipe).", "Name the packet's PDF file."
        )
    return PacketUnreadable(f"{path} cannot be read ({exc.reason}).", "Check its permissions.")


def check_encryption(pdf: Any, report: VerifyReport) -> None:
    if not pdf.is_encrypted:
        report.add("encryption", False, "the file is not encrypted")
        return
    enc = pdf.encryption
    methods = {m.name for m in (enc.stream_method, enc.string_method, enc.file_method)}
    strong = enc.R == 6 and enc.V == 5 and enc.bits == 256 and methods == {"aesv3"}
    report.add(
        "encryption",
        strong,
        "AES-256, revision 6"
        if strong
        else f"weaker than sopacket writes (revision {enc.R}, {enc.stream_method.name})",
    )


def check_one_revision(path: Path, pdf: Any, report: VerifyReport, end: int = 0) -> None:
    """The file is one revision, as sopacket writes it (one cross-reference stream, one
    ``%%EOF``), and every stream is encrypted. Stream dictionaries and cross-reference
    data are readable without the password, so anyone holding the file can append a
    revision whose pages are unencrypted streams (an Identity crypt filter, or a stream
    typed /XRef, which readers do not decrypt): that is what this refuses. With ``end``:
    the file's first ``end`` bytes are judged (a signed packet as it was built; the
    signature, which must cover the whole file, judges what follows)."""
    import pikepdf

    found = []
    revisions = _count_in_file(path, b"startxref", end), _count_in_file(path, b"%%EOF", end)
    if max(revisions) != 1 or "/Prev" in pdf.trailer:
        found.append(f"{max(revisions)} revisions (a change was appended after it was built)")
    if pdf.trailer.get("/Type") != pikepdf.Name.XRef:
        found.append("a cross-reference table sopacket does not write")
    xrefs = 0
    clear = 0
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Stream):
            continue
        xrefs += obj.get("/Type") == pikepdf.Name.XRef
        parms = obj.get("/DecodeParms")
        if "/Crypt" in filters(obj) or "/Identity" in repr(parms):
            clear += 1
    if clear:
        found.append(
            f"{clear} unencrypted stream{'s' if clear > 1 else ''} (Identity crypt filter)"
        )
    if xrefs > 1:
        found.append(f"{xrefs - 1} unencrypted stream{'s' if xrefs > 2 else ''} typed /XRef")
    report.add(
        "one revision",
        not found,
        (
            "one revision, every stream encrypted"
            if not end
            else "as built: one revision, every stream encrypted (then the signature's)"
        )
        if not found
        else "changed after it was built: " + "; ".join(found),
    )


def _count_in_file(path: Path, word: bytes, end: int = 0) -> int:
    """How many times ``word`` is in the file (or in its first ``end`` bytes)."""
    import mmap

    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        stop = end or len(data)
        count, at = 0, data.find(word, 0, stop)
        while at >= 0:
            count += 1
            at = data.find(word, at + len(word), stop)
    return count


def check_signature(
    path: Path, password: str, trust: tuple[Path, ...], report: VerifyReport, fields: int = 0
) -> Any:
    """The packet's signature, when its last revision is one (``build --sign``): valid
    (cryptographically sound, covering every byte of the file: nothing appended after
    it), and who made it. Returns it (a :class:`~sopacket.packaging.sign.Signature`)
    when valid, so that the packet as built (the revision before it) is checked; else
    None, and the one-revision check refuses what was appended."""
    from .packaging.sign import INSTALL, have_pyhanko, read_signature, trust_roots

    revisions = _count_in_file(path, b"%%EOF")
    if revisions < 2 and not fields:
        return _unsigned(trust, report)
    if not have_pyhanko():
        report.add(
            "signature",
            False,
            f"the file has {revisions} revisions; if the last is a signature, it cannot be "
            f"checked without pyHanko (install it with: {INSTALL})",
        )
        return None
    roots = trust_roots(trust)
    try:
        signature = read_signature(path, password, roots)
    except Exception:  # what was appended is not a signature pyHanko can read
        signature = None
    if signature is None:
        if fields:
            report.add("signature", False, "the file holds a signature that cannot be read")
            return None
        return _unsigned(trust, report)
    report.signed = signature.to_json()
    if not signature.valid:
        report.add("signature", False, f"signed by {signature.by}, but {signature.problem}")
        return None
    if not trust:
        whose = "the certificate was not checked against an authority you trust"
    elif signature.trusted:
        whose = "the certificate was issued by an authority you trust (--trust)"
    else:
        whose = "the certificate was NOT issued by an authority given with --trust"
    report.add(
        "signature",
        signature.trusted or not trust,
        f"signed by {signature.by}, covering the whole file; {whose}",
    )
    return signature


def _unsigned(trust: tuple[Path, ...], report: VerifyReport) -> None:
    """A packet without a signature: with ``--trust`` (a signed packet was expected) that
    is a finding, as a signature stripped off (the packet then changed and its digests
    made again by someone holding the password) must not pass for the clinic's."""
    if trust:
        report.add(
            "signature",
            False,
            "the packet is not signed, so it cannot be shown to come from an authority "
            "given with --trust; ask its sender for a signed copy",
        )


def check_signature_adds_nothing(
    path: Path, password: str, built: int, manifest: dict[str, Any], report: VerifyReport
) -> None:
    """The signature's revision adds the signature and nothing else: every page is
    still as built (the signature's own invisible field aside), and so is everything
    else the catalog holds (bookmarks, the manifest, what runs on opening...)."""
    from .packaging.digest import object_digest

    problems = []
    with _open(path, password) as signed, _open(path, password, built) as first:
        pages = VerifyReport(path)
        check_page_content(signed, manifest, pages, skip=_signature_field)
        problems += [f.detail.split(":")[0] for f in pages.findings if not f.ok]
        keys = (set(signed.Root.keys()) | set(first.Root.keys())) - SIGNING_MAY_CHANGE
        for key in sorted(keys):
            was, now = first.Root.get(key), signed.Root.get(key)
            if (
                was is None
                or now is None
                or object_digest(first, was) != object_digest(signed, now)
            ):
                problems.append(f"its {key.lstrip('/')} changed")
        fields = signed.Root.get("/AcroForm", {}).get("/Fields", [])
        if not all(_signature_field(f) for f in fields):
            problems.append("it adds form fields other than the signature")
    report.add(
        "signed revision",
        not problems,
        "the signature's revision adds the signature and nothing else"
        if not problems
        else "the signature's revision changes the packet: " + "; ".join(problems),
    )


SIGNING_MAY_CHANGE = frozenset({"/AcroForm", "/Extensions", "/Version", "/Metadata"})
"""What signing may change in the catalog: the signature's form field, the PDF version
and extensions it declares, and the document's XMP metadata (dates, producer); none of
them is drawn on a page."""


def _signature_fields(pdf: Any) -> int:
    """How many signature fields the catalog's form holds."""
    form = pdf.Root.get("/AcroForm")
    fields = form.get("/Fields") if form is not None else None
    try:
        return sum(1 for f in fields or [] if f.get("/FT") == "/Sig")
    except (AttributeError, TypeError):
        return 0


def _signature_field(annot: Any) -> bool:
    """Whether ``annot`` is a signature field's widget (what signing adds to a page)."""
    import pikepdf

    if not isinstance(annot, pikepdf.Dictionary) or annot.get("/Subtype") != pikepdf.Name.Widget:
        return False
    parent = annot.get("/Parent")
    kind = annot.get("/FT") or (
        parent.get("/FT") if isinstance(parent, pikepdf.Dictionary) else None
    )
    return bool(kind == pikepdf.Name.Sig)


def check_streams(pdf: Any, report: VerifyReport) -> None:
    """Every stream decodes completely (Flate with its checksum, images by qpdf), within
    the decoded-size cap, and opening the file needed no repair: a packet damaged on its
    way (a few bytes changed by a portal or a disk) is caught, by page where it can be."""
    import pikepdf

    pages = _pages_of_streams(pdf)
    damaged: dict[str, None] = {}
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream) and not _decodes(obj, STREAM_CAP):
            where = pages.get(obj.objgen)
            damaged[f"page {where}" if where else f"object {obj.objgen[0]}"] = None
    repaired = bool(pdf.get_warnings())
    if repaired and not damaged:
        damaged["its cross-reference data (the file needed repair to open)"] = None
    names = list(damaged)
    report.add(
        "streams",
        not names,
        "every stream decodes"
        if not names
        else "the packet is damaged in "
        + ", ".join(names[:10])
        + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        + ": ask its sender for a new copy (or build it again)",
    )


STREAM_CAP = 256 * 1024 * 1024
"""Largest decoded stream accepted (as for records, :data:`records.limits.STREAM_LIMIT`)."""


def _decodes(stream: Any, limit: int) -> bool:
    import zlib

    import pikepdf

    from .records.objects import FLATE, decoded_size

    found = filters(stream)
    try:
        if found and all(f in FLATE for f in found):
            return _inflates(stream.read_raw_bytes(), len(found), limit)
        if decoded_size(stream, limit) > limit:
            return False
        level = pikepdf.StreamDecodeLevel.generalized
        width, height = stream.get("/Width", 0), stream.get("/Height", 0)
        small = isinstance(width, int) and isinstance(height, int) and width * height * 4 <= limit
        if small and found[-1:] == ["/DCTDecode"]:  # never JBIG2: pikepdf would run jbig2dec
            level = pikepdf.StreamDecodeLevel.all  # a JPEG too (damaged, it fails)
        stream.read_bytes(decode_level=level)
    except pikepdf.PdfError as exc:
        # a filter qpdf cannot decode (JBIG2, JPX, some CCITT) is not damage: its data
        # decrypted is all there is to check
        return "unfilterable" in str(exc) and _decrypts(stream)
    except (zlib.error, ValueError):
        return False
    return True


def _decrypts(stream: Any) -> bool:
    import pikepdf

    try:
        stream.read_raw_bytes()
    except pikepdf.PdfError:
        return False
    return True


def _inflates(raw: bytes, times: int, limit: int) -> bool:
    """Whether ``raw`` inflates ``times`` over, each to its end (checksum included),
    within ``limit`` bytes: inflated piece by piece, so a bomb stops at ``limit`` (each
    pass's output, at most ``limit`` bytes, is held for the next)."""
    import zlib

    data = raw
    for _ in range(times):
        if not data:  # an empty stream (qpdf writes an empty form so): draws nothing
            return True
        inflate = zlib.decompressobj()
        out = bytearray()
        chunk = data
        while chunk and not inflate.eof:
            out += inflate.decompress(chunk, 1 << 20)
            if len(out) > limit:
                return False
            chunk = inflate.unconsumed_tail
        if not inflate.eof:
            return False
        data = bytes(out)
    return True


def _pages_of_streams(pdf: Any) -> dict[tuple[int, int], int]:
    """The page (1-based) each stream is drawn on first: its contents, and what its
    resources reach (forms, images, fonts)."""
    import pikepdf

    found: dict[tuple[int, int], int] = {}
    for n, page in enumerate(pdf.pages, 1):
        stack = [page.obj.get("/Contents"), page.obj.get("/Resources")]
        seen: set[tuple[int, int]] = set()
        while stack:
            obj = stack.pop()
            if isinstance(obj, pikepdf.Object) and obj.is_indirect:
                if obj.objgen in seen:
                    continue
                seen.add(obj.objgen)
                if isinstance(obj, pikepdf.Stream):
                    found.setdefault(obj.objgen, n)
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                stack.extend(v for k, v in obj.items() if k not in ("/Parent", "/P"))
            elif isinstance(obj, pikepdf.Array):
                stack.extend(obj)
    return found


MANIFEST_LIMIT = 16 * 1024 * 1024
"""Largest manifest read (sopacket writes a few kB per record)."""


def manifest_data(pdf: Any) -> dict[str, Any] | None:
    """The JSON of the manifest attached to an open packet; None when there is none, or
    it is damaged or far larger than any manifest sopacket writes."""
    from .records.objects import decoded_size

    try:
        spec = pdf.attachments.get("manifest.json")
        stream = spec.get_file().obj if spec is not None else None
        if stream is None or decoded_size(stream, MANIFEST_LIMIT) > MANIFEST_LIMIT:
            return None
        data = json.loads(stream.read_bytes())
    except Exception:  # a damaged attachment is the same finding as a missing one
        return None
    return data if isinstance(data, dict) else None


def read_manifest(pdf: Any, report: VerifyReport) -> dict[str, Any] | None:
    data = manifest_data(pdf)
    if isinstance(data, dict) and not _well_formed(data):
        report.add(
            "sopacket packet",
            False,
            "the manifest inside is damaged (its fields are not what sopacket writes)",
        )
        return None
    if not isinstance(data, dict) or data.get("sopacket_manifest") != 1:
        report.add(
            "sopacket packet",
            False,
            "no sopacket manifest inside: this is not a packet sopacket built, or it was "
            "changed after it was built",
        )
        return None
    report.add("sopacket packet", True, f"made by {data.get('generator', 'sopacket')}")
    return data


def _well_formed(data: dict[str, Any]) -> bool:
    records = data.get("records")
    return (
        isinstance(data.get("total_pages"), int)
        and isinstance(data.get("front_matter_pages"), int)
        and isinstance(records, list)
        and all(
            isinstance(r, dict)
            and isinstance(r.get("title", ""), str)
            and isinstance(r.get("original_file_name", ""), str)
            and isinstance(r.get("sha256", ""), str)
            for r in records
        )
    )


def check_pages(pdf: Any, manifest: dict[str, Any], report: VerifyReport) -> None:
    total = manifest.get("total_pages")
    report.add(
        "page count",
        total == len(pdf.pages),
        f"{len(pdf.pages)} pages"
        + ("" if total == len(pdf.pages) else f", the manifest says {total}"),
    )
    front = int(manifest.get("front_matter_pages") or 0)
    expected_first = front + 1
    problems = []
    for n, rec in enumerate(manifest.get("records") or [], 1):
        first, last = _span(rec)
        if first != expected_first or last < first or last > len(pdf.pages):
            problems.append(f"record {n} should start on page {expected_first}, not {first}")
        expected_first = max(last, first) + 1
    if expected_first != len(pdf.pages):  # exactly one closing page after the records
        problems.append(
            f"the records end on page {expected_first - 1}, but the file has {len(pdf.pages)}"
        )
    report.add(
        "page ranges",
        not problems,
        "; ".join(problems) if problems else "every record's pages are where the contents say",
    )


def check_page_content(
    pdf: Any, manifest: dict[str, Any], report: VerifyReport, skip: Any = None
) -> None:
    """Each page is what was built: its digest (content, resources, annotations, boxes)
    recomputed is the one the manifest recorded. ``skip``: annotations to leave out (the
    field a signature added). A packet built before digests were recorded is said to
    be unchecked, not changed (its manifest has none to compare with); so is a damaged
    one (the streams check has failed: its damaged pages are named there)."""
    from .packaging.digest import METHOD, page_digests

    if any(f.check == "streams" and not f.ok for f in report.findings):
        report.add(
            "page content",
            True,
            "not compared: the packet is damaged (see streams), so its pages cannot be",
        )
        return
    recorded = manifest.get("page_digests")
    if not isinstance(recorded, dict) or recorded.get("method") != METHOD:
        report.add(
            "page content",
            True,
            "not checked: this packet was built by an older sopacket that did not record "
            "its pages' content (build it again to have them checked)",
        )
        return
    wanted = recorded.get("sha256")
    try:
        found = page_digests(pdf, skip)
    except Exception:  # a page that cannot be walked is not what was built
        report.add("page content", False, "the pages cannot be read to compare them")
        return
    if not isinstance(wanted, list):
        report.add("page content", False, "the manifest's page digests are damaged")
        return
    changed = [
        n for n in range(1, max(len(found), len(wanted)) + 1) if _at(found, n) != _at(wanted, n)
    ]
    names = [_page_name(n, manifest) for n in changed]
    report.add(
        "page content",
        not changed,
        f"every page is as it was built ({len(found)} compared)"
        if not changed
        else "; ".join(names[:10])
        + (f"; and {len(names) - 10} more pages" if len(names) > 10 else "")
        + (" differs" if len(names) == 1 else " differ")
        + " from what was built: the packet was changed after it was built; ask its "
        "sender for a new copy",
    )


def check_document(pdf: Any, manifest: dict[str, Any], report: VerifyReport) -> None:
    """What a reader sees besides the pages (bookmarks and their titles, page labels,
    the document's title, viewer settings, layers, forms) is what was built: its
    recorded digest recomputed. A packet whose manifest recorded none (built before it
    was) is not checked here."""
    from .packaging.digest import METHOD, document_digest

    recorded = manifest.get("page_digests")
    if not isinstance(recorded, dict) or recorded.get("method") != METHOD:
        return  # check_page_content has said the packet is older
    wanted = recorded.get("document")
    if wanted is None:
        report.add(
            "document",
            True,
            "not checked: this packet was built by an older sopacket that did not record "
            "its bookmarks and viewer settings",
        )
        return
    try:
        same = document_digest(pdf) == wanted
    except Exception:  # a catalog that cannot be walked is not what was built
        same = False
    report.add(
        "document",
        same,
        "the bookmarks, page labels, title and viewer settings are as they were built"
        if same
        else "the bookmarks, page labels, title or viewer settings differ from what was built: "
        "the packet was changed after it was built; ask its sender for a new copy",
    )


def _at(items: list[Any], n: int) -> Any:
    return items[n - 1] if 0 < n <= len(items) else None


def _page_name(n: int, manifest: dict[str, Any]) -> str:
    """Page ``n`` and what it belongs to, as the manifest says: a record (its number and
    title), the front matter, or the closing page."""
    for i, rec in enumerate(manifest.get("records") or [], 1):
        first, last = _span(rec)
        if first <= n <= last:
            return f"page {n} (record {rec.get('number', i)}, '{rec.get('title')}')"
    if n <= _int(manifest.get("front_matter_pages")):
        return f"page {n} (the front matter: cover, summary and index)"
    if n == _int(manifest.get("total_pages")):
        return f"page {n} (the closing page)"
    return f"page {n}"


def _span(rec: dict[str, Any]) -> tuple[int, int]:
    """A manifest record's first and last packet page (0, 0 when malformed)."""
    pages = rec.get("packet_pages")
    if isinstance(pages, list) and len(pages) == 2 and all(isinstance(p, int) for p in pages):
        return pages[0], pages[1]
    return 0, 0


def check_records(manifest: dict[str, Any], folder: Path | None, report: VerifyReport) -> None:
    from .records.inspect import sha256

    files = _files_by_name(folder) if folder is not None else {}
    for n, rec in enumerate(manifest.get("records") or [], 1):
        first, last = _span(rec)
        entry = {
            "number": rec.get("number", n),
            "title": rec.get("title"),
            "file": rec.get("original_file_name"),
            "sha256": rec.get("sha256"),
            "packet_pages": [first, last],
            "original": None,
        }
        if "record_pages" in rec:
            entry["record_pages"] = rec.get("record_pages")
        report.records.append(entry)
        if folder is None:
            continue
        name = Path(str(rec.get("original_file_name") or "")).name
        label = f"record {n} original"
        candidates = files.get(name, []) if name else []
        if not candidates:
            entry["original"] = "missing"
            report.add(label, False, f"{name or 'its file'} is not in {folder}")
            continue
        digests = []
        for candidate in candidates:  # the same name in several folders: any of them
            try:
                digests.append(sha256(candidate)[0])
            except OSError:
                continue
        if not digests:
            entry["original"] = "unreadable"
            report.add(label, False, f"{name} cannot be read")
            continue
        same = rec.get("sha256") in digests
        digest = digests[0]
        entry["original"] = "same" if same else "different"
        report.add(
            label,
            same,
            f"{name} is the file that was packed"
            if same
            else f"{name} differs from the file that was packed (SHA-256 {digest[:12]}...)",
        )


def _files_by_name(folder: Path) -> dict[str, list[Path]]:
    """Every file under ``folder`` by its name (one walk, whatever the names hold)."""
    import os

    found: dict[str, list[Path]] = {}
    for root, _, names in os.walk(folder):
        for name in sorted(names):
            found.setdefault(name, []).append(Path(root) / name)
    return found


def check_bookmarks(pdf: Any, manifest: dict[str, Any], report: VerifyReport) -> None:
    """Each record's bookmark opens its first page."""
    pages = {p.obj.objgen: n + 1 for n, p in enumerate(pdf.pages)}
    found: dict[str, int] = {}
    try:
        with pdf.open_outline() as outline:
            for item in outline.root:
                dest = item.destination
                if dest is not None and len(dest) and hasattr(dest[0], "objgen"):
                    found[str(item.title)] = pages.get(dest[0].objgen, 0)
    except Exception:
        report.add("bookmarks", False, "the bookmarks cannot be read")
        return
    wrong = []
    for n, rec in enumerate(manifest.get("records") or [], 1):
        first, _ = _span(rec)
        number = rec.get("number", n)
        title = rec.get("bookmark") or f"{number}. {rec.get('title')}"
        if found.get(str(title)) != first:
            wrong.append(f"record {number}")
    report.add(
        "bookmarks",
        not wrong,
        "each record's bookmark opens its first page"
        if not wrong
        else f"wrong or missing bookmark for {', '.join(wrong)}",
    )


def check_active_content(pdf: Any, report: VerifyReport) -> None:
    """Nothing that runs, submits, launches or hides a file; the manifest is the only
    attachment and links only go to pages of the packet."""
    import pikepdf

    found: set[str] = set()
    names = pdf.Root.get("/Names")
    if isinstance(names, pikepdf.Dictionary) and "/JavaScript" in names:
        found.add("JavaScript")
    extra = [n for n in pdf.attachments if n != "manifest.json"]
    if extra:
        found.add(f"attached files ({len(extra)})")
    from .records.active import PACKET_KEYS, PACKET_NAMES
    from .records.objects import containers

    root = pdf.Root.objgen
    for obj in containers(pdf):
        for key in obj.keys():  # noqa: SIM118 - pikepdf objects need keys()
            if key == "/AF" and obj.is_indirect and obj.objgen == root and _only_manifest(obj.AF):
                continue  # the catalog names the manifest as its associated file
            if key in PACKET_KEYS:
                found.add(PACKET_KEYS[key])
        if isinstance(obj, pikepdf.Stream):
            found.update(_unsafe_stream(obj))
        for key in ("/S", "/Subtype"):
            value = obj.get(key)
            if isinstance(value, pikepdf.Name) and str(value) in PACKET_NAMES:
                found.add(PACKET_NAMES[str(value)])
        if obj.get("/Subtype") == pikepdf.Name.Link:
            dest = obj.get("/Dest")
            if not (isinstance(dest, pikepdf.Array) and len(dest) and hasattr(dest[0], "objgen")):
                found.add("a link that does not go to a page of the packet")
    for page in pdf.pages:  # a packet's only annotations are links to its own pages
        annots = page.obj.get("/Annots")
        for annot in annots if isinstance(annots, pikepdf.Array) else []:
            kind = annot.get("/Subtype") if isinstance(annot, pikepdf.Dictionary) else None
            if kind != pikepdf.Name.Link:
                found.add(f"an annotation of kind {str(kind or '?').lstrip('/')}")
    report.add(
        "no active content",
        not found,
        "no scripts, actions, forms, media or hidden files"
        if not found
        else "found " + ", ".join(sorted(found)),
    )


def _unsafe_stream(stream: Any) -> set[str]:
    """What in one stream a packet may never hold: PostScript (an XObject, a form's
    alternative, the PS operator in a form's drawing instructions) and JBIG2 data (the
    sanitiser stores every JBIG2 image again losslessly, so no viewer parses JBIG2)."""
    import re

    import pikepdf

    found: set[str] = set()
    keys = stream.keys()  # a set: looking a missing key up in pikepdf costs more
    if "/Filter" in keys and "/JBIG2Decode" in filters(stream):
        found.add("JBIG2 image data")
    subtype = stream.get("/Subtype") if "/Subtype" in keys else None
    if subtype == pikepdf.Name.PS or keys & {"/Subtype2", "/PS"}:
        found.add("PostScript code")  # (the sanitiser leaves neither key on any stream)
    elif subtype == pikepdf.Name.Form:
        try:  # only drawing instructions that hold the word are parsed
            data = stream.read_bytes()
            if re.search(rb"(?<![^\s\]\)>}])PS(?![^\s\[\(<{/%])", data) and any(
                str(i.operator) == "PS" for i in pikepdf.parse_content_stream(stream, "PS")
            ):
                found.add("PostScript code")
        except (pikepdf.PdfError, ValueError, TypeError):
            pass  # undecodable data is check_streams' finding
    return found


def _only_manifest(files: Any) -> bool:
    import pikepdf

    return isinstance(files, pikepdf.Array) and all(
        isinstance(f, pikepdf.Dictionary) and str(f.get("/UF", f.get("/F", ""))) == "manifest.json"
        for f in files
    )


def keyring_password_that_opens(pdf: Path) -> str:
    """The password stored in the OS keyring that opens ``pdf`` (``verify --keyring``
    without ``--id``): each stored packet password is tried."""
    import contextlib

    from . import keystore
    from .errors import KeyringError
    from .records.isolate import ChildFailed, Limits, run

    check_is_pdf(pdf)
    for candidate in keystore.list_ids():
        with contextlib.suppress(KeyringError, ChildFailed):
            value = keystore.fetch(candidate)
            # the untrusted file is opened in a capped child, as verify reads it
            if run(opens, pdf, value, limits=Limits(seconds=VERIFY_LIMITS_SECONDS)):
                return value
    raise KeyringError(
        f"no password stored in the OS keyring opens {pdf}.",
        "Give the packet's id with --id, or the password with --password-stdin.",
    )
