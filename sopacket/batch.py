"""Build many packets at once, for clinic staff: find -> plan -> build in parallel -> report.

    find the packet files -> read each one's id -> keep this shard -> skip what is up to
    date -> build the rest, each in its own process -> one row per packet

One bad or slow packet costs its own row, never the batch: each packet builds in a child
process (which reads its records in children of its own, with their limits). Passwords
are handled here, in the parent: read from the keyring before a packet's build starts, or
generated and stored in the keyring only once its packet is written. No password is ever
in a row, a report or a message.
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

from .errors import ExitCode, KeyringError, SopacketError, UsageError
from .options import BuildOptions
from .progress import NullProgress, Progress
from .records.access import RecordAccess
from .records.isolate import ChildFailed, Limits

Status = Literal["built", "skipped", "incomplete", "failed"]
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
    passwords: Literal["keyring", "generate"] = "keyring"
    """keyring: each packet's stored password; generate: a new one per built packet,
    stored in the keyring under the packet id once the packet is written."""
    jobs: int | None = None
    """Packets built at once (default: the number of CPUs)."""
    force: bool = False
    """Build even what is up to date."""
    shard: tuple[int, int] | None = None
    """(K, N): only the packets whose id falls in shard K of N (1-based)."""
    packet_seconds: float = 3600.0
    """Time allowed to one packet's whole build."""


@dataclass
class Row:
    """One packet's outcome (a line of the report). Never holds a password."""

    source: str
    packet_id: str | None = None
    status: Status = "failed"
    output: str | None = None
    pages: int | None = None
    bytes: int | None = None
    seconds: float = 0.0
    ready: bool | None = None
    problems: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    """Every file of a packet cut to fit a size limit (``output`` is the first)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.packet_id,
            "source": self.source,
            "status": self.status,
            "output": self.output,
            "volumes": list(self.volumes),
            "pages": self.pages,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 2),
            "ready": self.ready,
            "problems": list(self.problems),
        }


@dataclass
class BatchResult:
    rows: list[Row]
    output_dir: Path
    shard: tuple[int, int] | None = None
    interrupted: bool = False
    """Stopped (Ctrl-C) before every packet was built: running it again finishes."""
    new_passwords: int = 0
    """Packets built with a new password (stored in the keyring under their ids)."""

    def count(self, status: Status) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def exit_code(self) -> ExitCode:
        bad = any(r.status in ("failed", "incomplete") for r in self.rows)
        return ExitCode.NOT_READY if bad else ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        return {
            "sopacket_batch": 1,
            "output_dir": str(self.output_dir),
            "shard": list(self.shard) if self.shard else None,
            "interrupted": self.interrupted,
            "summary": {s: self.count(s) for s in ("built", "skipped", "incomplete", "failed")}
            | {"total": len(self.rows)},
            "packets": [r.to_json() for r in self.rows],
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


def password_mode(keyring: bool, generate: bool) -> Literal["keyring", "generate"]:
    """A batch has exactly one password source: the keyring, or new passwords."""
    if keyring == generate:
        raise UsageError(
            "batch needs one password source: --keyring (each packet's stored password) "
            "or --generate-password (a new one each, stored in the keyring).",
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
    for path in files:
        row = Row(str(path))
        item = _Planned(row, path)
        try:
            lp = load_packet(path)
        except SopacketError as exc:
            # No id to shard by: the file's path decides, so exactly one shard reports it.
            if options.shard and shard_of(str(path), options.shard[1]) != options.shard[0]:
                continue
            row.problems = _problems(exc)
            planned.append(item)
            continue
        row.packet_id = lp.id
        if options.shard and shard_of(lp.id, options.shard[1]) != options.shard[0]:
            continue
        if lp.id in by_id:
            row.problems = [
                f"another packet file ({by_id[lp.id].path}) has the same id '{lp.id}'; "
                "give each packet its own `id:`"
            ]
            planned.append(item)
            continue
        by_id[lp.id] = item
        item.output = options.output_dir / f"{lp.id}.pdf"
        item.inputs = [path] + [lp.record_path(i) for i in range(len(lp.packet.records))]
        files = _outputs(item.output)
        if not options.force and _up_to_date(files, item.inputs, lp, stored, _settings(options)):
            row.status = "skipped"
            row.output = str(files[0])
            row.volumes = [str(f) for f in files] if len(files) > 1 else []
            row.problems = ["up to date (use --force to build it again)"]
        planned.append(item)
    return planned


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
) -> bool:
    """The output is newer than the packet file, opens with the stored password, and its
    manifest holds this packet's data and the SHA-256 of each record file as it is now
    (dates alone would miss a record replaced by an older copy). A packet in parts: every
    part is there, of the same build."""
    output = files[0]
    if any(f.is_symlink() for f in files):
        return False  # never read nor written through a link: the build refuses it
    try:
        if any(inputs[0].stat().st_mtime >= f.stat().st_mtime for f in files):
            return False
    except OSError:
        return False
    if stored is None:
        return all(_older(p, f) for p in inputs[1:] for f in files)
    secret = stored(lp.id)
    if secret is None:
        return False
    manifest = _manifest(output, secret)
    if manifest is None:
        return False
    volume = manifest.get("volume")
    if len(files) > 1 or volume:
        if not isinstance(volume, dict) or [f.name for f in files] != volume.get("files"):
            return False  # a part missing, or parts of different builds
        for n, part in enumerate(files[1:], 2):
            other = (_manifest(part, secret) or {}).get("volume")
            if other != {**volume, "number": n}:
                return False
    from .records.inspect import sha256

    try:
        hashes = [sha256(p)[0] for p in inputs[1:]]
    except OSError:
        return False
    recorded = (
        volume.get("sha256")
        if isinstance(volume, dict)
        else [r.get("sha256") for r in manifest.get("records") or []]
    )
    current = lp.packet.model_dump(mode="json", exclude_none=True)
    if not settings.get("allow_incomplete") and manifest.get("ready") is not True:
        return False  # built incomplete before: now it must be ready, or say it is not
    same_options = {k: v for k, v in (manifest.get("options") or {}).items() if k in settings}
    return recorded == hashes and manifest.get("packet") == current and same_options == settings


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


def _manifest(pdf: Path, password: str) -> dict[str, Any] | None:
    """The manifest inside a packet, or None if it does not open or has none."""
    import warnings

    import pikepdf

    from .verify import manifest_data

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pikepdf.open(pdf, password=password) as packet:
                return manifest_data(packet)
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
        row.problems = _problems(exc)
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
        row.problems = _notes(result)
        if not result.ready:
            row.problems[:0] = _not_ready(result.missing, bool(result.urgent_symptoms), True)
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


def _notes(result: Any) -> list[str]:
    """What the build said about its records, by number and file, not by title."""
    from .records.notes import report_note

    notes = []
    for n, rec in enumerate(result.records, 1):
        note = report_note(n, rec.file, rec)
        if note:
            notes.append(note)
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


def _problems(exc: SopacketError) -> list[str]:
    """An error as report lines, without the values found in the file (patient data)."""
    from .errors import PacketFileError, RecordError

    if isinstance(exc, RecordError) and exc.items:
        return [f"record {n + 1} ({file}) {detail}" for n, file, detail in exc.items]
    if isinstance(exc, PacketFileError):
        # Messages about fields quote what the file says (names, dates, diagnoses): only
        # their places go into a report; a message about the file itself (not YAML, too
        # large) quotes nothing. `sopacket check` on the file shows each problem in full.
        places = [p.where if p.field else f"{p.where}: {p.message}" for p in exc.problems]
        more = f" and {len(places) - 3} more" if len(places) > 3 else ""
        return [
            f"the packet file has {len(places)} problem{'s' if len(places) != 1 else ''} to "
            f"fix ({'; '.join(places[:3])}{more}); `sopacket check {exc.problems[0].file}` "
            "shows each one and how to fix it"
        ]
    return [f"{exc.message} {exc.fix}".strip()]


PasswordFor = Callable[[str], str]


def run(
    files: list[Path],
    options: BatchOptions,
    password_for: PasswordFor,
    keep_password: Callable[[str, str], bool] | None = None,
    progress: Progress | None = None,
    stored: Callable[[str], str | None] | None = None,
) -> BatchResult:
    """Build the packets in ``files``. ``password_for(packet_id)`` gives a packet's
    password (it may raise SopacketError: that packet fails); ``keep_password(id, pw)`` is
    called once a packet with a new password was written (True when it replaced one);
    ``progress`` is told of each packet done (its label: the row's status);
    ``stored(packet_id)`` the password stored for a packet, or None (an up-to-date packet
    is skipped only if it opens with it)."""
    from .records.isolate import Pool

    progress = progress or NullProgress()
    _preload()
    options.output_dir.mkdir(parents=True, exist_ok=True)
    progress.start(len(files), "Packets")
    try:
        planned = plan(files, options, stored)
    except KeyboardInterrupt:
        stopped = "stopped before it was looked at: run the same command again"
        rows = [Row(str(f), problems=[stopped]) for f in files]
        return BatchResult(rows, options.output_dir, options.shard, interrupted=True)
    todo = [p for p in planned if p.output is not None and p.row.status != "skipped"]
    progress.start(len(planned), "Packets")
    for item in planned:
        if item not in todo:
            progress.advance(item.row.status)
    calls: list[tuple[Any, ...]] = []
    secrets: list[str] = []
    ready: list[_Planned] = []
    for item in todo:
        assert item.output is not None and item.row.packet_id is not None
        try:
            secret = password_for(item.row.packet_id)
        except SopacketError as exc:
            item.row.problems = _problems(exc)
            progress.advance(item.row.status)
            continue
        calls.append((item.path, item.output, secret, options))
        secrets.append(secret)
        ready.append(item)
    limits = Limits(memory=0, seconds=options.packet_seconds)
    started = time.time()
    pool = Pool(_build_one, calls, limits, options.jobs, group=True)
    result = BatchResult([], options.output_dir, options.shard)
    pending = dict(zip((id(i) for i in ready), zip(ready, secrets, strict=True), strict=True))
    try:
        for item, secret, outcome in zip(ready, secrets, pool, strict=True):
            with _deferred_interrupt():  # a packet's bookkeeping is never cut in half
                pending.pop(id(item))
                _record(item, secret, outcome, keep_password, result)
            progress.advance(item.row.status)
    except KeyboardInterrupt:
        result.interrupted = True
        pool.close()  # the children (and the records they read) stop here
        with _deferred_interrupt():
            for item, secret in pending.values():
                _settle_stopped(item, secret, started, keep_password, result)
    finally:
        pool.close()
    result.rows = [p.row for p in planned]
    return result


def run_from_keyring(
    paths: list[Path], options: BatchOptions, progress: Progress | None = None
) -> BatchResult:
    """The batch as ``sopacket batch`` runs it: the packet files among ``paths`` (see
    :func:`find_packets`), each with its password in the OS keyring: read from it, or
    (``options.passwords == "generate"``) made new and stored there once the packet is
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
    generate = options.passwords == "generate"

    def password_for(packet_id: str) -> str:
        return passwords.generate_passphrase() if generate else keystore.fetch(packet_id)

    def stored(packet_id: str) -> str | None:
        try:
            return keystore.fetch(packet_id)
        except KeyringError:
            return None

    keep = keystore.store if generate else None
    return run(files, options, password_for, keep, progress, stored)


def _record(
    item: _Planned,
    secret: str,
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
    if outcome.status == "built" and keep_password is not None:
        try:
            replaced = keep_password(item.row.packet_id or "", secret)
        except SopacketError as exc:
            outcome.status = "failed"
            outcome.problems.append(
                "the packet was written, but its new password could not be stored: "
                f"{exc.message} Delete {outcome.output} and build it again once the "
                "keyring works."
            )
        else:
            result.new_passwords += 1
            outcome.problems.append(
                "new password stored in the keyring"
                + (" (it replaced the one stored before)" if replaced else "")
            )
    item.row = outcome


def _settle_stopped(
    item: _Planned,
    secret: str,
    started: float,
    keep_password: Callable[[str, str], bool] | None,
    result: BatchResult,
) -> None:
    """A packet whose outcome was not taken in when the batch stopped: if its child had
    already written it (it is newer than the batch and opens with its password), keep its
    password and say it was built; otherwise say it was not."""
    from .verify import opens

    out = _outputs(item.output)[0] if item.output is not None else None
    try:
        written = (
            out is not None
            and not out.is_symlink()
            and out.stat().st_mtime >= started
            and opens(out, secret)
        )
    except OSError:
        written = False
    if written and keep_password is not None:
        try:
            keep_password(item.row.packet_id or "", secret)
            result.new_passwords += 1
        except SopacketError:
            written = False
    if written:
        item.row.status = "built"
        item.row.output = str(out)
        item.row.problems = ["finished just as the batch was stopped"]
    else:
        item.row.problems = ["stopped before it was built: run the same command again"]


@contextlib.contextmanager
def _deferred_interrupt() -> Iterator[None]:
    """Hold Ctrl-C until the block is done (then raise it): a password is never left half
    stored, nor a row half written."""
    import signal

    caught: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    except ValueError:  # not the main thread: nothing to hold
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            raise KeyboardInterrupt


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
    "source",
    "status",
    "output",
    "pages",
    "bytes",
    "seconds",
    "ready",
    "problems",
    "volumes",
]


def write_report(result: BatchResult, path: Path) -> None:
    """The report as JSON or CSV (by the file's extension), written atomically."""
    import json

    from .output import write_bytes, write_text

    if report_format(path) == "json":
        write_text(path, json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        import csv
        import io

        buf = io.StringIO()
        writer = csv.DictWriter(buf, CSV_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for row in result.rows:
            data = row.to_json()
            data["problems"] = " | ".join(row.problems)
            data["volumes"] = " | ".join(row.volumes)
            writer.writerow(data)
        write_bytes(path, buf.getvalue().encode("utf-8"))
