"""Build many packets at once, for clinic staff: find -> plan -> build in parallel -> report.

    find the packet files -> read each one's id -> keep this shard -> skip what is up to
    date -> build the rest, each in its own process -> one row per packet

One bad or slow packet costs its own row, never the batch: each packet builds in a child
process (which reads its records in children of its own, with their limits). Passwords
are handled here, in the parent, before a packet's build starts: the one stored in the
keyring for its id, or (only where none is stored) a new one, stored at once; so every
copy of a packet that sopacket wrote opens with the password stored for it. Only when
asked (``new_passwords``) is a stored password replaced, once the packet built with the
new one is written. One batch at a time writes to an output folder (an OS file lock).
No password is ever in a row, a report or a message, and rows name packets by id and
records by number, never by the file or folder names (which often name the patient).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from .errors import ExitCode, KeyringError, OutputError, SopacketError, UsageError, stop_code
from .options import BuildOptions
from .progress import NullProgress, Progress
from .records.access import RecordAccess
from .records.isolate import ChildFailed, Limits

Status = Literal["built", "skipped", "incomplete", "failed", "not started"]
STATUSES: tuple[Status, ...] = ("built", "skipped", "incomplete", "failed", "not started")
"""Every status a row can have, in the order the summary counts them. ``skipped``: up to
date; ``not started``: the batch was stopped (Ctrl-C, SIGTERM) before its turn."""
PasswordKind = Literal["stored", "new", "replaced"]
LOCK_NAME = ".sopacket-batch.lock"
"""The lock file in the output folder (empty; held with an OS file lock while a batch runs)."""
PACKET_SUFFIXES = (".yaml", ".yml")
_PACKET_HEAD = re.compile(rb"^sopacket\s*:", re.M)


@dataclass(frozen=True)
class BatchOptions:
    """How to build a batch: where the packets go, how each is built, and the batch's own
    choices."""

    output_dir: Path
    """The folder the packets go to, each named by its id (created when the batch runs)."""
    build: BuildOptions = field(default_factory=BuildOptions)
    """How each packet is built (paper, checklist, clinic, record access, size limit ...).
    Its ``output`` and ``force`` are the batch's to set (``OUTDIR/ID.pdf``; up-to-date
    packets are skipped, the rest rebuilt), and records are read with no one to ask for a
    protected record's password."""
    passwords: Literal["keyring", "generate", "new"] = "keyring"
    """keyring: each packet's stored password; generate: the stored one, or where none is
    stored a new one (stored under the packet id before its build starts); new: a new one
    for every packet, each built again, replacing the stored one once it is written."""
    jobs: int | None = None
    """Packets built at once (default: the number of CPUs)."""
    force: bool = False
    """Build even what is up to date."""
    shard: tuple[int, int] | None = None
    """(K, N): only the packets whose id falls in shard K of N (1-based)."""
    packet_seconds: float = 3600.0
    """Time allowed to one packet's whole build."""
    report_paths: bool = False
    """Rows also name the packet file (``source``) and problems the record files; without
    it they name packets by id (or number) and records by number only."""


@dataclass
class Row:
    """One packet's outcome (a line of the report). Never holds a password."""

    source: str
    """The packet file (in a report only with ``report_paths``)."""
    packet_id: str | None = None
    status: Status = "failed"
    output: str | None = None
    pages: int | None = None
    bytes: int | None = None
    seconds: float = 0.0
    ready: bool | None = None
    problems: list[str] = field(default_factory=list)
    """What stands in the way (failed, incomplete, or built though not ready)."""
    volumes: list[str] = field(default_factory=list)
    """Every file of a packet cut to fit a size limit (``output`` is the first)."""
    number: int = 0
    """Its place among the packet files found (1-based): names a row that has no id."""
    notes: list[str] = field(default_factory=list)
    """What is worth knowing but stands in nothing's way (up to date, a new password ...)."""
    password: PasswordKind | None = None
    """The packet's password: the ``stored`` one, a ``new`` one (none was stored), or one
    that ``replaced`` the stored one (copies written earlier open only with the old)."""

    def to_json(self, paths: bool = False) -> dict[str, Any]:
        data = {
            "id": self.packet_id,
            "number": self.number,
            "status": self.status,
            "output": self.output,
            "volumes": list(self.volumes),
            "pages": self.pages,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 2),
            "ready": self.ready,
            "password": self.password,
            "problems": list(self.problems),
            "notes": list(self.notes),
        }
        return {"source": self.source, **data} if paths else data

    @property
    def name(self) -> str:
        """How people see the row: its packet id, else its place (never the file)."""
        return self.packet_id or f"packet file {self.number}"


@dataclass
class BatchResult:
    rows: list[Row]
    output_dir: Path
    shard: tuple[int, int] | None = None
    interrupted: bool = False
    """Stopped (Ctrl-C, SIGTERM) before every packet was built: running it again finishes."""
    new_passwords: int = 0
    """Packets built with a new password (stored in the keyring under their ids)."""
    report_paths: bool = False
    """The report names packet and record files (see :attr:`BatchOptions.report_paths`)."""
    stop: BaseException | None = None
    """What stopped it (its exit code: :meth:`stopped_code`)."""

    def count(self, status: Status) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def exit_code(self) -> ExitCode:
        if self.interrupted:
            return stop_code(self.stop)
        bad = any(r.status in ("failed", "incomplete", "not started") for r in self.rows)
        return ExitCode.NOT_READY if bad else ExitCode.OK

    @property
    def replaced(self) -> list[str]:
        """The ids whose stored password this batch replaced."""
        return [r.packet_id for r in self.rows if r.password == "replaced" and r.packet_id]

    def to_json(self) -> dict[str, Any]:
        return {
            "sopacket_batch": 2,
            "output_dir": str(self.output_dir),
            "shard": list(self.shard) if self.shard else None,
            "interrupted": self.interrupted,
            "summary": {s: self.count(s) for s in STATUSES} | {"total": len(self.rows)},
            "passwords_replaced": self.replaced,
            "packets": [r.to_json(self.report_paths) for r in self.rows],
        }


# --- the options, checked before any work ------------------------------------------------


def output_folder(given: Path | None, configured: Path | None) -> Path:
    """The folder the packets go to: ``-o``, else the config file's ``output_dir``."""
    out = given or configured
    if out is None:
        raise UsageError(
            "no output folder was given.",
            "Add -o FOLDER, or set output_dir in the config file (sopacket config show).",
        )
    return out


def password_mode(
    keyring: bool, generate: bool, new: bool = False
) -> Literal["keyring", "generate", "new"]:
    """A batch has exactly one password source: the keyring, the keyring with new
    passwords where none is stored, or new passwords for all (``--new-passwords``, alone
    or with --generate-password)."""
    if keyring and new:
        raise UsageError(
            "--keyring uses the stored passwords and --new-passwords replaces them: choose one.",
            "Use --new-passwords alone to give every packet a new password.",
        )
    if new:
        return "new"
    if keyring == generate:
        raise UsageError(
            "batch needs one password source: --keyring (each packet's stored password) "
            "or --generate-password (the stored one, or a new one where none is stored).",
            "Store passwords with `sopacket password set ID`, or use --generate-password.",
        )
    return "generate" if generate else "keyring"


def check_report(path: Path, output_dir: Path) -> None:
    """The report can be written: a known format, in a folder that exists (or that the
    batch creates: OUTDIR or a folder above it)."""
    report_format(path)
    folder = path.resolve().parent
    if not (folder.is_dir() or output_dir.resolve().is_relative_to(folder)):
        raise UsageError(
            f"the folder of the report {path} does not exist.",
            "Create it, or name the report inside an existing folder (or OUTDIR).",
        )


def report_format(path: Path) -> Literal["json", "csv"]:
    """The report's format, by the file's extension."""
    suffix = path.suffix.lower()
    if suffix not in (".json", ".csv"):
        raise UsageError(
            f"the report {path} must end in .json or .csv.", "Name it report.json or report.csv."
        )
    return "json" if suffix == ".json" else "csv"


# --- find and plan ----------------------------------------------------------------------


def find_packets(paths: list[Path]) -> list[Path]:
    """Packet files among ``paths``: files as given, folders searched (recursively) for
    YAML files that are sopacket packets (a top-level ``sopacket:`` line)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            for candidate in _walk(path):
                if candidate.suffix.lower() in PACKET_SUFFIXES and _looks_like_packet(candidate):
                    found.append(candidate)
        elif path.exists():
            found.append(path)
        else:
            raise UsageError(f"{path} does not exist.", "Name packet files or folders.")
    seen: set[Path] = set()
    unique = []
    for p in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def _walk(folder: Path) -> list[Path]:
    """Files under ``folder``, sorted, following linked folders (each real folder once, so
    a link loop ends)."""
    import os

    seen: set[str] = set()
    files: list[Path] = []
    for root, dirs, names in os.walk(folder, followlinks=True):
        real = os.path.realpath(root)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        dirs.sort()
        files.extend(Path(root) / n for n in names)
    return sorted(files)


def _looks_like_packet(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return bool(_PACKET_HEAD.search(head))


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/8"`` -> (2, 8)."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise UsageError(
            f"--shard {text} is not of the form K/N with 1 <= K <= N.",
            "For example --shard 1/4 builds the first of four shards.",
        )
    return int(match.group(1)), int(match.group(2))


def shard_of(packet_id: str, n: int) -> int:
    """The shard (1-based, of ``n``) a packet id falls in: a stable hash, the same on every
    machine and every run."""
    digest = hashlib.sha256(packet_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % n + 1


@dataclass
class _Planned:
    row: Row
    path: Path
    output: Path | None = None
    inputs: list[Path] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    """Names that a report must not show (the packet's file and folder, its records')."""


def plan(
    files: list[Path], options: BatchOptions, stored: Callable[[str], str | None] | None = None
) -> list[_Planned]:
    """Read each packet's id and records; keep this shard; mark what is up to date: an
    output newer than the packet file and its records, which the password stored for it
    (``stored(id)``) opens. (A batch killed between writing a packet and storing its new
    password thus builds that packet again rather than leave it unopenable.)"""
    from .packetfile.validation import load_packet

    planned: list[_Planned] = []
    by_id: dict[str, _Planned] = {}
    force = options.force or options.passwords == "new"
    for number, path in enumerate(files, 1):
        item = _Planned(Row(str(path), number=number), path, hidden=_names_of(path, []))
        row = item.row
        try:
            lp = load_packet(path)
        except SopacketError as exc:
            # No id to shard by: the file's path decides, so exactly one shard reports it.
            if options.shard and shard_of(str(path), options.shard[1]) != options.shard[0]:
                continue
            row.problems = _problems(exc, options.report_paths)
            planned.append(item)
            continue
        row.packet_id = lp.id
        if options.shard and shard_of(lp.id, options.shard[1]) != options.shard[0]:
            continue
        records = [lp.record_path(i) for i in range(len(lp.packet.records))]
        named = [r.file for r in lp.packet.records] + [str(r) for r in records]
        item.hidden = [n for n in _names_of(path, named) if n != lp.id]  # a folder named by id
        if lp.id in by_id:
            other = by_id[lp.id]
            where = (
                f" ({other.path})" if options.report_paths else f" (packet file {other.row.number})"
            )
            row.problems = [
                f"another packet file{where} has the same id '{lp.id}'; "
                "give each packet its own `id:`"
            ]
            planned.append(item)
            continue
        by_id[lp.id] = item
        item.output = options.output_dir / f"{lp.id}.pdf"
        item.inputs = [path, *records]
        files_out = _outputs(item.output)
        if not force:
            found = _up_to_date(files_out, item.inputs, lp, stored, _settings(options))
            if found is not None:
                row.status = "skipped"
                row.output = str(files_out[0])
                row.volumes = [str(f) for f in files_out] if len(files_out) > 1 else []
                row.pages, row.bytes, row.ready = found
                row.password = "stored" if stored is not None else None
                row.notes = ["up to date (use --force to build it again)"]
        planned.append(item)
    return planned


_COMMON_WORDS = frozenset({"packet", "packets", "record", "records", "file", "files", "in"})


def _names_of(packet: Path, records: list[str]) -> list[str]:
    """What must not appear in a report about this packet: its file's path (as given and
    resolved), its folder's, the folder's name, and each record's ``file:`` and path;
    longest first, so a path is left out whole before its parts."""
    names = {str(packet), str(packet.parent), packet.parent.name, *records}
    with contextlib.suppress(OSError, RuntimeError):
        names |= {str(packet.resolve()), str(packet.parent.resolve())}
    names |= {Path(r).name for r in records}
    keep = [n for n in names if len(n) >= 3 and n.lower() not in _COMMON_WORDS and n not in "./"]
    return sorted(keep, key=len, reverse=True)


def _hide(texts: list[str], names: list[str]) -> list[str]:
    """``texts`` with every one of ``names`` (where it stands alone, not inside a longer
    word) replaced by "[path left out]"."""
    if not names:
        return texts
    pattern = re.compile("|".join(rf"(?<![\w-]){re.escape(n)}(?![\w-])" for n in names))
    return [pattern.sub("[path left out]", t) for t in texts]


def _outputs(output: Path) -> list[Path]:
    """The files an earlier build of this packet wrote: the output, or its parts."""
    from .packaging.destination import earlier_parts

    if output.exists():
        return [output]
    return earlier_parts(output) or [output]


def _up_to_date(
    files: list[Path],
    inputs: list[Path],
    lp: Any,
    stored: Callable[[str], str | None] | None,
    settings: dict[str, Any],
) -> tuple[int | None, int, bool | None] | None:
    """The output is newer than the packet file, opens with the stored password, and its
    manifest holds this packet's data and the SHA-256 of each record file as it is now
    (dates alone would miss a record replaced by an older copy). A packet in parts: every
    part is there, of the same build. Then its pages (None when no password was given to
    count them), bytes (all parts together) and readiness; else None."""
    output = files[0]
    if any(f.is_symlink() for f in files):
        return None  # never read nor written through a link: the build refuses it
    try:
        if any(inputs[0].stat().st_mtime >= f.stat().st_mtime for f in files):
            return None
        size = sum(f.stat().st_size for f in files)
    except OSError:
        return None
    if stored is None:
        fresh = all(_older(p, f) for p in inputs[1:] for f in files)
        return (None, size, None) if fresh else None
    secret = stored(lp.id)
    if secret is None:
        return None
    opened = _manifest(output, secret)
    if opened is None:
        return None
    manifest, pages = opened
    volume = manifest.get("volume")
    if len(files) > 1 or volume:
        if not isinstance(volume, dict) or [f.name for f in files] != volume.get("files"):
            return None  # a part missing, or parts of different builds
        for n, part in enumerate(files[1:], 2):
            other, more = _manifest(part, secret) or ({}, 0)
            if other.get("volume") != {**volume, "number": n}:
                return None
            pages += more
    from .records.inspect import sha256

    try:
        hashes = [sha256(p)[0] for p in inputs[1:]]
    except OSError:
        return None
    recorded = (
        volume.get("sha256")
        if isinstance(volume, dict)
        else [r.get("sha256") for r in manifest.get("records") or []]
    )
    current = lp.packet.model_dump(mode="json", exclude_none=True)
    if not settings.get("allow_incomplete") and manifest.get("ready") is not True:
        return None  # built incomplete before: now it must be ready, or say it is not
    same_options = {k: v for k, v in (manifest.get("options") or {}).items() if k in settings}
    same = recorded == hashes and manifest.get("packet") == current and same_options == settings
    return (pages, size, manifest.get("ready") is True) if same else None


def _build_options(options: BatchOptions, output: Path | None = None) -> BuildOptions:
    """What each packet of the batch is built with."""
    access = options.build.access or RecordAccess()
    return replace(
        options.build,
        output=output,
        force=True,  # up-to-date outputs were skipped; the rest are rebuilt
        access=replace(access, ask=None),  # a packet's own process has no one to ask
    )


def _settings(options: BatchOptions) -> dict[str, Any]:
    """The options a packet is built with, as its manifest records them."""
    from .options import build_settings

    return build_settings(_build_options(options))


def _older(path: Path, than: Path) -> bool:
    try:
        return path.stat().st_mtime < than.stat().st_mtime
    except OSError:
        return False


def _manifest(pdf: Path, password: str) -> tuple[dict[str, Any], int] | None:
    """The manifest inside a packet and its page count, or None if it does not open or
    has no manifest."""
    import warnings

    import pikepdf

    from .verify import manifest_data

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pikepdf.open(pdf, password=password) as packet:
                data = manifest_data(packet)
                return None if data is None else (data, len(packet.pages))
    except (pikepdf.PasswordError, pikepdf.PdfError, OSError, ValueError):
        return None


# --- build --------------------------------------------------------------------------------


def _build_one(path: Path, output: Path, password: str, options: BatchOptions) -> Row:
    """In the packet's own process: build it and describe the outcome."""
    from .build import build
    from .errors import NotReadyError

    row = Row(str(path))
    started = time.monotonic()
    try:
        result = build(path, password, _build_options(options, output))
    except NotReadyError as exc:
        row.status = "incomplete"
        row.problems = _not_ready(exc.missing, exc.urgent, built=False)
    except SopacketError as exc:
        row.problems = _problems(exc, options.report_paths)
    except Exception as exc:  # a bug: the row says so, the batch goes on
        row.problems = [f"sopacket failed unexpectedly ({type(exc).__name__}); please report it"]
    else:
        row.status = "built"
        row.packet_id = result.packet_id
        row.output = str(result.output)
        row.volumes = [str(v.output) for v in result.volumes] if len(result.volumes) > 1 else []
        row.pages = result.pages
        row.bytes = result.bytes
        row.ready = result.ready
        row.notes = _notes(result, options.report_paths)
        if not result.ready:
            row.problems = _not_ready(result.missing, bool(result.urgent_symptoms), True)
    row.seconds = time.monotonic() - started
    return row


def _not_ready(missing: tuple[str, ...], urgent: bool, built: bool) -> list[str]:
    """Why a packet is not ready, in checklist terms (no patient data)."""
    lines = []
    if urgent:
        lines.append(
            "URGENT symptoms are listed: the patient needs in-person care now, not a "
            "second opinion by mail"
        )
    rest = [m for m in missing if not m.lower().startswith("no urgent")]
    if rest:
        lines.append(("built, but still to do: " if built else "not ready; still to do: ")
                     + "; ".join(rest) + (" (its cover lists them)" if built else
                                          " (or build with --allow-incomplete)"))  # fmt: skip
    return lines


def _notes(result: Any, paths: bool = False) -> list[str]:
    """What the build said about its records, by number (and file, with ``paths``), never
    by title."""
    from .records.notes import report_note

    notes = []
    for n, rec in enumerate(result.records, 1):
        note = report_note(n, rec.file, rec)
        if note:
            notes.append(
                note if paths else note.replace(f"record {n} ({rec.file}) ", f"record {n} ", 1)
            )
    shrunk = [n for n, rec in enumerate(result.records, 1) if rec.recompressed]
    if shrunk:
        notes.append(
            "to fit the size limit, images were recompressed in record(s) "
            + ", ".join(map(str, shrunk))
        )
    if len(result.volumes) > 1:
        notes.append(f"cut into {len(result.volumes)} files to fit the size limit")
    if any("could not be drawn" in w for w in result.warnings):
        notes.append("some characters could not be drawn with the installed fonts")
    return notes


def _problems(exc: SopacketError, paths: bool = False) -> list[str]:
    """An error as report lines, without the values found in the file (patient data);
    records by number, and (only with ``paths``) the files' names."""
    from .errors import PacketFileError, RecordError

    if isinstance(exc, RecordError) and exc.items:
        return [
            f"record {n + 1} ({file}) {detail}" if paths else f"record {n + 1} {detail}"
            for n, file, detail in exc.items
        ]
    if isinstance(exc, PacketFileError):
        # Messages about fields quote what the file says (names, dates, diagnoses): only
        # their places go into a report; a message about the file itself (not YAML, too
        # large) quotes nothing. `sopacket check` on the file shows each problem in full.
        places = [_place(p, paths) for p in exc.problems]
        more = f" and {len(places) - 3} more" if len(places) > 3 else ""
        check = f"`sopacket check {exc.problems[0].file}`" if paths else "`sopacket check` on it"
        return [
            f"the packet file has {len(places)} problem{'s' if len(places) != 1 else ''} to "
            f"fix ({'; '.join(places[:3])}{more}); {check} shows each one and how to fix it"
        ]
    return [f"{exc.message} {exc.fix}".strip()]


def _place(problem: Any, paths: bool) -> str:
    """Where a packet-file problem is: ``packet.yaml:14:7`` (the file's own name only
    with ``paths``), with the message when it is about the file itself."""
    where = problem.where
    if not paths:
        where = "the file" if problem.line is None else f"line {problem.line}"
        if problem.line is not None and problem.column:
            where += f", column {problem.column}"
    return where if problem.field else f"{where}: {problem.message}"


@dataclass(frozen=True)
class Password:
    """A packet's password, and whether it is new (see :attr:`Row.password`)."""

    value: str
    kind: PasswordKind = "stored"


PasswordFor = Callable[[str], "str | Password"]


def run(
    files: list[Path],
    options: BatchOptions,
    password_for: PasswordFor,
    keep_password: Callable[[str, str], bool] | None = None,
    progress: Progress | None = None,
    stored: Callable[[str], str | None] | None = None,
) -> BatchResult:
    """Build the packets in ``files``, holding the output folder's lock
    (:func:`folder_lock`). ``password_for(packet_id)`` gives a packet's password, as a
    str or a :class:`Password` (it may raise SopacketError: that packet fails);
    ``keep_password(id, pw)`` is called once a packet was written with a password that is
    not the stored one (a str, or a Password whose kind is not "stored"); True when it
    replaced one. ``progress`` is told of each packet done (its label: the row's
    status); ``stored(packet_id)`` the password stored for a packet, or None (an
    up-to-date packet is skipped only if it opens with it)."""
    progress = progress or NullProgress()
    _preload()
    options.output_dir.mkdir(parents=True, exist_ok=True)
    with folder_lock(options.output_dir, options.shard, options.passwords == "new"):
        result = BatchResult([], options.output_dir, options.shard)
        result.report_paths = options.report_paths
        progress.start(len(files), "Packets")
        try:
            planned = plan(files, options, stored)
        except KeyboardInterrupt as exc:
            result.interrupted, result.stop = True, exc
            result.rows = [
                Row(str(f), status="not started", number=n, notes=[_NOT_STARTED])
                for n, f in enumerate(files, 1)
            ]
            return result
        try:
            _build_all(planned, options, password_for, keep_password, progress, result)
        finally:
            for item in planned:
                if not options.report_paths:
                    item.row.problems = _hide(item.row.problems, item.hidden)
                    item.row.notes = _hide(item.row.notes, item.hidden)
            result.rows = [p.row for p in planned]
    return result


_NOT_STARTED = "the batch was stopped before this packet was built: run the same command again"


def _build_all(
    planned: list[_Planned],
    options: BatchOptions,
    password_for: PasswordFor,
    keep_password: Callable[[str, str], bool] | None,
    progress: Progress,
    result: BatchResult,
) -> None:
    """Each planned packet that is not up to date: its password, then its build in a
    child process; its row filled in as it finishes. Stopped (Ctrl-C, SIGTERM), those
    whose outcome was not taken in are settled (:func:`_settle_stopped`)."""
    from .records.isolate import Pool

    todo = [p for p in planned if p.output is not None and p.row.status != "skipped"]
    progress.start(len(planned), "Packets")
    for item in planned:
        if item not in todo:
            progress.advance(item.row.status)
    pending: dict[int, tuple[_Planned, Password]] = {}
    pool = None
    try:
        for item in todo:
            pending[id(item)] = (item, Password(""))  # not started, unless it builds
        for item in todo:
            secret = _password(item, password_for, keep_password, options.report_paths)
            if secret is None:
                pending.pop(id(item))
                progress.advance(item.row.status)
            else:
                pending[id(item)] = (item, secret)
        ready = list(pending.values())
        calls = [(i.path, i.output, pw.value, options) for i, pw in ready]
        started = time.time()
        limits = Limits(memory=0, seconds=options.packet_seconds)
        pool = Pool(_build_one, calls, limits, options.jobs, group=True)
        for (item, secret), outcome in zip(ready, pool, strict=True):
            with _deferred_interrupt():  # a packet's bookkeeping is never cut in half
                pending.pop(id(item))
                _record(item, secret, outcome, keep_password, result)
            progress.advance(item.row.status)
    except KeyboardInterrupt as exc:
        result.interrupted, result.stop = True, exc
        if pool is not None:
            pool.close()  # the children (and the records they read) stop here
        with _deferred_interrupt():
            for item, secret in pending.values():
                when = started if pool is not None else None
                _settle_stopped(item, secret, when, keep_password, result)
    finally:
        if pool is not None:
            pool.close()


def _password(
    item: _Planned,
    password_for: PasswordFor,
    keep_password: Callable[[str, str], bool] | None,
    paths: bool,
) -> Password | None:
    """The packet's password; None (its row says why) when there is none. A plain str
    is new when there is ``keep_password`` to store it, else the one stored."""
    assert item.output is not None and item.row.packet_id is not None
    try:
        given = password_for(item.row.packet_id)
    except SopacketError as exc:
        item.row.problems = _problems(exc, paths)
        return None
    if isinstance(given, Password):
        return given
    return Password(given, "new" if keep_password is not None else "stored")


def run_from_keyring(
    paths: list[Path], options: BatchOptions, progress: Progress | None = None
) -> BatchResult:
    """The batch as ``sopacket batch`` runs it: the packet files among ``paths`` (see
    :func:`find_packets`), each with its password in the OS keyring: read from it;
    (``options.passwords == "generate"``) where none is stored, made new and stored there
    before its build; (``"new"``) made new for every packet and stored once the packet is
    written. Nothing is created before the packets are found and the keyring answers."""
    from . import keystore, passwords

    files = find_packets(paths)
    if not files:
        raise UsageError(
            "no packet files were found there.",
            "Name packet files, or folders holding them (YAML files starting `sopacket: 1`).",
        )
    try:
        keystore.check_available()
    except KeyringError as exc:
        raise KeyringError(
            exc.message,
            "batch keeps one password per packet in the OS keyring. Run it where a "
            "keyring service that encrypts works (a desktop session; on a server, "
            "gnome-keyring's Secret Service in a D-Bus session), or build packets one by one with "
            "`sopacket build --password-file`.",
        ) from None
    mode = options.passwords

    def password_for(packet_id: str) -> Password:
        if mode == "keyring":
            return Password(keystore.fetch(packet_id))
        if mode == "generate":
            value, made = keystore.fetch_or_create(packet_id, passwords.generate_passphrase)
            return Password(value, "new" if made else "stored")
        before = stored(packet_id)
        return Password(passwords.generate_passphrase(), "replaced" if before else "new")

    def stored(packet_id: str) -> str | None:
        try:
            return keystore.stored(packet_id)
        except KeyringError:
            return None

    keep = keystore.store if mode == "new" else None
    return run(files, options, password_for, keep, progress, stored)


@contextlib.contextmanager
def folder_lock(
    folder: Path, shard: tuple[int, int] | None = None, alone: bool = False
) -> Iterator[None]:
    """One batch at a time in ``folder``: an OS file lock on ``folder/.sopacket-batch.lock``
    (held while the batch runs; the empty file stays). Shards of one export may run side
    by side (each holds the lock shared, and its own shard's lock alone), never beside an
    unsharded batch, the same shard twice, or a batch replacing passwords (``alone``).
    Another batch holding it: OutputError (exit 3) at once, nothing done. Where the
    system has no file locks (Windows), nothing is locked."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    import os

    names = [LOCK_NAME]
    shared = shard is not None and not alone
    if shared:
        assert shard is not None
        names.append(f".sopacket-batch-{shard[0]}-of-{shard[1]}.lock")
    fds: list[int] = []
    try:
        for n, name in enumerate(names):
            path = folder / name
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
            except OSError as exc:
                raise OutputError(
                    f"cannot use the lock file {path} ({exc.strerror}).",
                    "Remove it if it is not a file, or check the folder's permissions.",
                ) from None
            fds.append(fd)
            how = fcntl.LOCK_SH if shared and n == 0 else fcntl.LOCK_EX
            try:
                fcntl.flock(fd, how | fcntl.LOCK_NB)
            except BlockingIOError:
                raise OutputError(
                    f"another sopacket batch is writing to {folder} right now (it holds "
                    f"{path}); two batches in one folder could mix up packets and "
                    "passwords, so this one did nothing.",
                    "Wait until the other batch has finished, then run this one again (it "
                    "builds only what is left), or choose another -o folder.",
                ) from None
        yield
    finally:
        for fd in fds:
            os.close(fd)  # closing releases the lock


def _record(
    item: _Planned,
    secret: Password,
    outcome: Row | ChildFailed,
    keep_password: Callable[[str, str], bool] | None,
    result: BatchResult,
) -> None:
    """Take in one packet's outcome; a new password is stored before the row says built."""
    if isinstance(outcome, ChildFailed):
        item.row.problems = [f"the build stopped: {outcome.reason}"]
        return
    outcome.source = item.row.source
    outcome.packet_id = item.row.packet_id
    outcome.number = item.row.number
    if outcome.status == "built":
        try:
            _keep(item.row.packet_id or "", secret, keep_password, outcome, result)
        except SopacketError as exc:
            outcome.status = "failed"
            outcome.problems.append(
                "the packet was written, but its new password could not be stored: "
                f"{exc.message} Delete {outcome.output} and build it again once the "
                "keyring works."
            )
    item.row = outcome


def _keep(
    packet_id: str,
    secret: Password,
    keep_password: Callable[[str, str], bool] | None,
    row: Row,
    result: BatchResult,
) -> None:
    """A built packet's password: stored now if it is new and not stored yet
    (``keep_password``), and said in its row."""
    kind = secret.kind
    if kind != "stored" and keep_password is not None:
        replaced = keep_password(packet_id, secret.value)
        kind = "replaced" if replaced else kind
    row.password = kind
    if kind == "new":
        result.new_passwords += 1
        row.notes.append("new password stored in the keyring (none was stored for it before)")
    elif kind == "replaced":
        result.new_passwords += 1
        row.notes.append(
            "new password stored in the keyring, replacing the one stored before: copies "
            "of this packet written earlier open only with the old password"
        )


def _settle_stopped(
    item: _Planned,
    secret: Password,
    started: float | None,
    keep_password: Callable[[str, str], bool] | None,
    result: BatchResult,
) -> None:
    """A packet whose outcome was not taken in when the batch stopped: if its child had
    already written it (it is newer than the batch and opens with its password), keep its
    password and say it was built; otherwise it was not started (or cut off: nothing of
    it was written)."""
    from .verify import opens

    out = _outputs(item.output)[0] if item.output is not None else None
    try:
        written = (
            started is not None
            and secret.value != ""
            and out is not None
            and not out.is_symlink()
            and out.stat().st_mtime >= started
            and opens(out, secret.value)
        )
    except OSError:
        written = False
    if written:
        try:
            _keep(item.row.packet_id or "", secret, keep_password, item.row, result)
        except SopacketError:
            written = False
    if written:
        item.row.status = "built"
        item.row.output = str(out)
        item.row.notes.append("finished just as the batch was stopped")
    else:
        item.row.status = "not started"
        item.row.password = None
        item.row.notes = [_NOT_STARTED]


_HELD = ("SIGINT", "SIGTERM", "SIGHUP")


@contextlib.contextmanager
def _deferred_interrupt() -> Iterator[None]:
    """Hold Ctrl-C (and SIGTERM, SIGHUP) until the block is done (then stop as it asked):
    a password is never left half stored, nor a row half written."""
    import signal

    from .errors import Stopped

    caught: list[int] = []
    previous: dict[int, Any] = {}
    try:
        for name in _HELD:
            if hasattr(signal, name):
                number = getattr(signal, name)
                previous[number] = signal.signal(number, lambda signum, f: caught.append(signum))
    except ValueError:  # not the main thread: nothing to hold
        yield
        return
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if caught:
            raise KeyboardInterrupt if caught[0] == signal.SIGINT else Stopped(caught[0])


def _preload() -> None:
    """Import the build's libraries once, here: every packet's process then shares them
    instead of importing them again."""
    import pikepdf  # noqa: F401
    import reportlab.platypus  # noqa: F401
    from PIL import Image  # noqa: F401

    from . import build  # noqa: F401
    from .render.fonts import load

    load()


# --- report --------------------------------------------------------------------------------

CSV_COLUMNS = [
    "id",
    "number",
    "status",
    "output",
    "pages",
    "bytes",
    "seconds",
    "ready",
    "password",
    "problems",
    "notes",
    "volumes",
]
"""The CSV report's columns (with ``report_paths``, ``source`` comes second). ``ready``
is ``true``, ``false`` or empty (not built); lists are joined with `` | ``."""


def write_report(result: BatchResult, path: Path) -> None:
    """The report as JSON or CSV (by the file's extension), written atomically."""
    import json

    from .output import write_bytes, write_text

    if report_format(path) == "json":
        write_text(path, json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n")
        return
    import csv
    import io

    columns = list(CSV_COLUMNS)
    if result.report_paths:
        columns.insert(1, "source")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, columns, lineterminator="\r\n")
    writer.writeheader()
    for row in result.rows:
        data = row.to_json(result.report_paths)
        data["ready"] = "" if row.ready is None else ("true" if row.ready else "false")
        for name in ("problems", "notes", "volumes"):
            data[name] = " | ".join(data[name])
        writer.writerow(data)
    write_bytes(path, buf.getvalue().encode("utf-8"))
