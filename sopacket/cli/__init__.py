"""The ``sopacket`` command line: parse options, call the library, report the result.

Every command body runs inside :func:`_reported`, the one place where exceptions become
messages on stderr and exit codes. Heavy modules are imported inside the commands, so
``sopacket --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from .. import __version__
from ..errors import ExitCode, SopacketError

app = typer.Typer(
    name="sopacket",
    help="Prepare a checked, complete, encrypted second-opinion packet from one YAML file.\n\n"
    "Start with `sopacket init`, fill in packet.yaml, add records with `sopacket add`, "
    "and run `sopacket check` to see what is still missing.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)
add_app = typer.Typer(
    help="Add a record, medication, question or allergy to a packet, keeping your comments.",
    no_args_is_help=True,
)
app.add_typer(add_app, name="add")


class _State:
    verbose = False
    config_path: Path | None = None


def _config() -> Any:
    """The clinic's settings in effect (see sopacket.config)."""
    from .. import config

    return config.load(_State.config_path)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sopacket {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show technical details when something fails.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    config_file: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="The clinic's config file (default: $SOPACKET_CONFIG, else config.yaml in "
            "the user's config folder; see `sopacket config show`).",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    _State.verbose = verbose
    _State.config_path = config_file


@contextlib.contextmanager
def _reported(json_output: bool = False) -> Iterator[None]:
    """Turn exceptions into a message on stderr and an exit code (the only place that does)."""
    from ..errors import PacketFileError

    try:
        yield
    except typer.Exit:
        raise
    except PacketFileError as exc:
        from . import display

        _json_error(json_output, exc.to_json())
        n = len(exc.problems)
        if n == 1 and exc.problems[0].line is None:  # the file itself: missing, unreadable
            p = exc.problems[0]
            _say_error(f"{p.where}: {p.message}", p.fix)
        else:
            heading = f"The file has {n} problem{'s' if n != 1 else ''} to fix first:"
            display.problems(heading, exc.problems)
        _exit(exc.exit_code)
    except SopacketError as exc:
        _json_error(json_output, exc.to_json())
        _say_error(exc.message, exc.fix)
        _exit(exc.exit_code)
    except KeyboardInterrupt:
        from . import display

        display.err.print()
        display.err.print("Stopped. Nothing half-written was left behind.")
        _exit(ExitCode.INTERRUPTED)
    except OSError as exc:  # writing results or files failed: a full disk, a closed pipe
        _traceback_if_verbose()
        where = f" ({exc.filename})" if isinstance(exc.filename, str) else ""
        message = f"a file could not be written{where}: {exc.strerror or type(exc).__name__}."
        fix = "Check the free space and permissions, then run the command again."
        _json_error(json_output, {"type": "OutputError", "message": message, "fix": fix})
        _say_error(message, fix)
        _exit(ExitCode.OUTPUT_ERROR)
    except Exception as exc:
        _traceback_if_verbose()
        error = {"type": "InternalError", "message": type(exc).__name__, "fix": ""}
        _json_error(json_output, error)
        _say_error(
            f"sopacket hit an unexpected problem ({type(exc).__name__}).",
            "Run the command again with -v for details, and report it if it persists.",
        )
        _exit(ExitCode.INTERNAL_ERROR)


def _json_error(json_output: bool, error: Mapping[str, object]) -> None:
    """With --json, the error as the one JSON document on stdout (if stdout still works)."""
    if json_output:
        with contextlib.suppress(OSError):
            typer.echo(json.dumps({"ok": False, "error": error}, ensure_ascii=False))


def _traceback_if_verbose() -> None:
    if _State.verbose:
        import traceback

        traceback.print_exc()  # the stack only: local variables are never shown


def _say_error(message: str, fix: str) -> None:
    from rich.markup import escape

    from . import display

    display.err.print(f"[bold red]Error:[/] {escape(message)}")
    if fix:
        display.err.print(f"  [green]{escape(fix)}[/]")


def _exit(code: int) -> NoReturn:
    raise typer.Exit(int(code))


# --- init -------------------------------------------------------------------------------


@app.command()
def init(
    folder: Annotated[
        Path, typer.Argument(help="Folder for the new packet (created if needed).")
    ] = Path("."),
    template: Annotated[
        str,
        typer.Option(
            "--template",
            "-t",
            help="Starter for a specialty: general, oncology, cardiology, orthopedics, neurology.",
        ),
    ] = "general",
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing packet.yaml (its content is lost).")
    ] = False,
) -> None:
    """Start a new packet: a commented packet.yaml and an empty records/ folder.

    Example: `sopacket init my-second-opinion --template oncology`
    """
    with _reported():
        import shlex

        from rich.markup import escape

        from ..packetfile import starter
        from . import display

        result = starter.init(folder, template, force=force)
        packet = shlex.quote(str(result.packet))
        records, example = f"{result.records}/", shlex.quote(f"{result.records}/report.pdf")
        display.err.print(
            f"[green]Started a new packet[/] ({result.template} template) in "
            f"{escape(str(result.packet))}",
        )
        display.err.print(
            "Next steps:\n"
            f"  1. Open {packet} in a text editor and fill in what you know.\n"
            f"  2. Save your records (PDF, JPEG, PNG or TIFF) in {records} and add each:\n"
            f"       sopacket add record {packet} {example} "
            '--title "..." --kind lab --date YYYY-MM-DD\n'
            f"  3. See what is still missing:  sopacket check {packet}",
            markup=False,
        )
        typer.echo(str(result.packet))


# --- add --------------------------------------------------------------------------------

MaxSizeOption = Annotated[
    str | None,
    typer.Option(
        "--max-size",
        metavar="SIZE",
        help="Largest file the packet may be, e.g. 25MB or 10MiB: over it, images are "
        "recompressed and the packet is cut into parts that each fit.",
    ),
]
FitOption = Annotated[
    str | None,
    typer.Option(
        "--fit",
        metavar="PRESET",
        help="A named size limit: email (10 MB) or portal (20 MB), or one from the config file.",
    ),
]
NoRecompressOption = Annotated[
    bool,
    typer.Option(
        "--no-recompress",
        help="With a size limit: never recompress images (only cut the packet into parts).",
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout (for scripts).")
]
BaseDirOption = Annotated[
    Path | None,
    typer.Option(
        "--base-dir",
        help="Read record files only from inside this folder (links resolved): for files "
        "you did not write yourself.",
        file_okay=False,
    ),
]
RecordTimeOption = Annotated[
    float,
    typer.Option(
        "--record-time-limit",
        help="Seconds allowed to read each record file.",
        min=1,
        metavar="SECONDS",
    ),
]
RecordMemoryOption = Annotated[
    int,
    typer.Option(
        "--record-memory-limit",
        help="Memory allowed to read each record file, in MiB (0: no cap).",
        min=0,
        metavar="MIB",
    ),
]


def _record_asker(pause: Any = None, resume: Any = None) -> Any:
    """A function that asks for a protected record's password at a hidden prompt (with the
    progress bar paused), or None when no one is at a terminal to answer (a script)."""
    if sys.stdin is None or not sys.stdin.isatty() or not sys.stderr.isatty():
        return None

    def ask(record: str) -> str | None:
        import getpass

        if pause:
            pause()
        try:
            return getpass.getpass(f"Password of the protected record {record}: ") or None
        except EOFError:
            return None
        finally:
            if resume:
                resume()

    return ask


def _budget(max_size: str | None, fit: str | None, no_recompress: bool, settings: Any) -> Any:
    """The size limit asked for (sopacket.fit.Budget), or None."""
    from ..packaging.fit import budget

    chosen = budget(max_size, fit, settings.presets, recompress=not no_recompress)
    if chosen is None and no_recompress:
        from ..errors import UsageError

        raise UsageError(
            "--no-recompress only matters with a size limit.",
            "Add --max-size SIZE or --fit email|portal, or leave it out.",
        )
    return chosen


def _paper(paper: str | None, settings: Any) -> Any:
    chosen = (paper or settings.paper or "letter").lower()
    if chosen not in ("letter", "a4"):
        from ..errors import UsageError

        raise UsageError(
            f"--paper must be letter or a4, not '{chosen}'.",
            "Use --paper letter (US) or --paper a4.",
        )
    return chosen


def _access(base_dir: Path | None, seconds: float, mib: int, ask: Any = None) -> Any:
    """How records are read (see sopacket.records.RecordAccess)."""
    from ..errors import UsageError
    from ..records.access import RecordAccess
    from ..records.isolate import Limits

    if base_dir is not None and not base_dir.is_dir():
        raise UsageError(
            f"--base-dir {base_dir} is not a folder.", "Name the folder that holds the records."
        )
    if mib and mib < 256:
        raise UsageError(
            f"--record-memory-limit {mib} MiB is too little to read any PDF.",
            "Allow at least 256 MiB (the default is 2048), or 0 for no cap.",
        )
    return RecordAccess(base_dir, Limits(mib * 2**20, seconds), ask)


PacketArg = Annotated[
    Path,
    typer.Argument(help="The packet file (packet.yaml).", exists=True, dir_okay=False),
]


def _do_add(packet: Path, section: str, entry: dict[str, Any]) -> None:
    from ..packetfile.edit import add_entry

    _report_add(add_entry(packet, section, entry))


def _report_add(result: Any) -> None:
    from rich.markup import escape

    from . import display

    section = result.section
    noun = {
        "records": "record",
        "medications": "medication",
        "questions": "question",
        "allergies": "allergy",
    }[section]
    display.err.print(
        f"[green]Added {noun} {result.index + 1}[/] to {escape(str(result.path))} "
        f"(line {result.line})."
    )
    if result.warnings:
        display.err.print("[yellow]The packet has other problems to fix (run `sopacket check`):[/]")
        for w in result.warnings[:5]:
            display.err.print(f"  {w}", markup=False)
        if len(result.warnings) > 5:
            display.err.print(f"  ... and {len(result.warnings) - 5} more.")


@add_app.command("record")
def add_record(
    packet: PacketArg,
    file: Annotated[
        Path, typer.Argument(help="The record: a PDF, JPEG, PNG or TIFF file.", dir_okay=False)
    ],
    title: Annotated[str, typer.Option(help="What the record is, e.g. 'Biopsy report'.")],
    kind: Annotated[
        str,
        typer.Option(
            help="pathology, imaging, lab, visit_note, discharge_summary, operative_report, "
            "genetic, medication_history or other."
        ),
    ] = "other",
    date: Annotated[str | None, typer.Option(help="Date of the record, YYYY-MM-DD.")] = None,
    source: Annotated[str | None, typer.Option(help="Who issued it, e.g. the hospital.")] = None,
    pages: Annotated[
        str | None, typer.Option(help='Only these pages, e.g. "1-3,5" (default: all).')
    ] = None,
    copy: Annotated[
        bool, typer.Option("--copy", help="Copy the file into the packet's records/ folder.")
    ] = False,
    password_from: Annotated[
        str | None,
        typer.Option(
            "--password-from",
            help="For a password-protected PDF, where its password comes from: prompt, "
            "keyring or keyring:NAME (never the password itself).",
        ),
    ] = None,
) -> None:
    """Add a record file to the packet.

    Example: `sopacket add record packet.yaml records/cbc.pdf --title "Blood count" --kind lab
    --date 2026-09-05`
    """
    with _reported():
        from ..packetfile import edit

        entry = {
            "title": title,
            "kind": kind,
            "date": date,
            "source": source,
            "pages": pages,
            "password": password_from,
        }
        _report_add(edit.add_record(packet, file, entry, copy=copy))


@add_app.command("medication")
def add_medication(
    packet: PacketArg,
    name: Annotated[str, typer.Option(help="The medication, e.g. Tamoxifen.")],
    dose: Annotated[str | None, typer.Option(help="e.g. '20 mg'.")] = None,
    frequency: Annotated[str | None, typer.Option(help="e.g. 'once daily'.")] = None,
    route: Annotated[str | None, typer.Option(help="e.g. oral, injection, inhaled.")] = None,
    reason: Annotated[str | None, typer.Option(help="What it is for.")] = None,
    prescriber: Annotated[str | None, typer.Option(help="Who prescribed it.")] = None,
    since: Annotated[
        str | None, typer.Option(help="Taken since: YYYY-MM-DD, YYYY-MM or YYYY.")
    ] = None,
) -> None:
    """Add a medication you take (include supplements and over-the-counter drugs).

    Example: `sopacket add medication packet.yaml --name Aspirin --dose "81 mg" --frequency daily`
    """
    with _reported():
        entry = {
            "name": name,
            "dose": dose,
            "frequency": frequency,
            "route": route,
            "reason": reason,
            "prescriber": prescriber,
            "since": since,
        }
        _do_add(packet, "medications", entry)


@add_app.command("question")
def add_question(
    packet: PacketArg,
    text: Annotated[str, typer.Argument(help="The question, in quotes.")],
    priority: Annotated[str, typer.Option(help="high, normal or low.")] = "normal",
) -> None:
    """Add a question for the reviewing specialist.

    Example: `sopacket add question packet.yaml "Is surgery necessary?" --priority high`
    """
    with _reported():
        _do_add(packet, "questions", {"text": text, "priority": priority})


@add_app.command("allergy")
def add_allergy(
    packet: PacketArg,
    substance: Annotated[str, typer.Option(help="What you are allergic to, e.g. Penicillin.")],
    reaction: Annotated[str | None, typer.Option(help="What happens, e.g. hives.")] = None,
) -> None:
    """Add an allergy or intolerance.

    Example: `sopacket add allergy packet.yaml --substance Penicillin --reaction hives`
    """
    with _reported():
        _do_add(packet, "allergies", {"substance": substance, "reaction": reaction})


# --- check ------------------------------------------------------------------------------


@app.command()
def check(
    packet: Annotated[
        str, typer.Argument(help="The packet file, or - to read it from standard input.")
    ],
    checklist: Annotated[
        str | None,
        typer.Option(
            help="A built-in checklist (general, oncology, cardiology, orthopedics, neurology) "
            "or a checklist file. Default: the packet's specialty, else general."
        ),
    ] = None,
    json_output: JsonOption = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Recommended items count as required too.")
    ] = False,
    max_size: MaxSizeOption = None,
    fit: FitOption = None,
    no_recompress: NoRecompressOption = False,
    base_dir: BaseDirOption = None,
    record_time_limit: RecordTimeOption = 60.0,
    record_memory_limit: RecordMemoryOption = 2048,
) -> None:
    """Check the packet against a preparation checklist and say what is missing.

    Exit codes: 0 ready, 1 not ready, 2 the file cannot be evaluated.

    Example: `sopacket check packet.yaml`
    """
    with _reported(json_output):
        from ..checking.check import check_file
        from ..packaging.fit import forecast

        settings = _config()
        size_limit = _budget(max_size, fit, no_recompress, settings)
        access = _access(base_dir, record_time_limit, record_memory_limit, _record_asker())
        report = check_file(
            packet, checklist, strict=strict, access=access, fallback=settings.checklist
        )
        size = forecast(report, size_limit) if size_limit else None
        if json_output:
            data = report.to_json()
            if size is not None:
                data["size"] = size
            typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
            if report.urgent_symptoms:
                from . import display

                display.urgent_panel(report.urgent_symptoms)
        else:
            from . import display

            display.check_report(report)
            if size is not None:
                from rich.markup import escape

                from ..packaging.fit import show_size

                if size["warning"]:
                    display.out.print(f"[yellow]Size:[/] {escape(size['warning'])}")
                else:
                    display.out.print(
                        f"Size: the records add up to {show_size(size['records_bytes'])}, "
                        f"within {escape(size_limit.label)}."
                    )
        _exit(ExitCode.OK if report.ready else ExitCode.NOT_READY)


# --- verify -----------------------------------------------------------------------------


@app.command()
def verify(
    packet_pdf: Annotated[
        list[Path],
        typer.Argument(
            help="The packet PDF that build wrote; for a packet cut into parts, every part.",
            show_default=False,
        ),
    ],
    records: Annotated[
        Path | None,
        typer.Option(
            "--records",
            help="A folder with the original record files: check each one is the file that "
            "was packed (SHA-256).",
            file_okay=False,
        ),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    password_file: Annotated[
        Path | None,
        typer.Option("--password-file", help="Read the password from this file's first line."),
    ] = None,
    use_keyring: Annotated[
        bool,
        typer.Option("--keyring", help="Use the password stored in the OS keyring."),
    ] = False,
    packet_id: Annotated[
        str | None,
        typer.Option(
            "--id",
            help="The packet's id, for --keyring (default: try each stored packet password).",
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Check a built packet: it opens, is AES-256 encrypted, every record's pages are where
    its manifest says, and nothing active is inside.

    For a packet cut into parts (build --max-size/--fit), give every part: each is
    checked, then the set (no part missing, every record page exactly once, in order).

    Exit codes: 0 intact, 1 a problem was found (a part missing too), 2 a file cannot be
    opened, 4 wrong or missing password, 5 keyring unavailable or no entry.

    Example: `sopacket verify second-opinion-packet-2026-11-25.pdf --records records`
    """
    with _reported(json_output):
        from .. import passwords
        from ..verify import verify_all
        from . import display

        options = passwords.PasswordOptions(
            stdin=password_stdin, file=password_file, keyring=use_keyring
        )
        if use_keyring and not (password_stdin or password_file) and packet_id is None:
            secret: Any = _keyring_password_that_opens(packet_pdf[0])
        else:

            def secret() -> str:
                return passwords.obtain(
                    options,
                    packet_id or "",
                    existing=True,
                    no_terminal_hint="Give it with --password-stdin, --password-file FILE or "
                    "--keyring.",
                ).value

        if records is not None and not records.is_dir():
            from ..errors import UsageError

            raise UsageError(f"--records {records} is not a folder.", "Name the records folder.")
        report = verify_all(packet_pdf, secret, records)
        if json_output:
            typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        else:
            display.verify_report(report)
        _exit(ExitCode.OK if report.intact else ExitCode.NOT_READY)


def _keyring_password_that_opens(pdf: Path) -> str:
    """The stored packet password that opens ``pdf`` (for `verify --keyring` without --id)."""
    from .. import keystore
    from ..errors import KeyringError
    from ..verify import opens

    for candidate in keystore.list_ids():
        with contextlib.suppress(KeyringError):
            value = keystore.fetch(candidate)
            if opens(pdf, value):
                return value
    raise KeyringError(
        f"no password stored in the OS keyring opens {pdf}.",
        "Give the packet's id with --id, or the password with --password-stdin.",
    )


# --- build ------------------------------------------------------------------------------


class _RichProgress:
    """A progress bar on stderr (only when stderr is a terminal and not --quiet)."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        from . import display

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=display.err,
            transient=True,
        )
        self._task: Any = None

    def __enter__(self) -> _RichProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def pause(self) -> None:
        self._progress.stop()

    def resume(self) -> None:
        self._progress.start()

    def start(self, total: int, label: str) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)
        self._task = self._progress.add_task(label, total=total)

    def advance(self, label: str | None = None) -> None:
        if self._task is not None:
            self._progress.advance(self._task)


@app.command()
def build(
    packet: Annotated[
        str,
        typer.Argument(help="The packet file (packet.yaml), or - to read it from standard input."),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Where to write the PDF (default: second-opinion-packet-DATE.pdf beside the "
            "packet file).",
        ),
    ] = None,
    paper: Annotated[
        str | None,
        typer.Option(
            help="Paper size of sopacket's own pages and of images: letter or a4 "
            "(default: the config file's, else letter)."
        ),
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
    ] = False,
    password_file: Annotated[
        Path | None,
        typer.Option(
            "--password-file",
            help="Read the password from the first line of this file (only you may read it).",
        ),
    ] = None,
    use_keyring: Annotated[
        bool,
        typer.Option(
            "--keyring",
            help="Use the password stored in the OS keyring for this packet (with "
            "--generate-password: store the new one there).",
        ),
    ] = False,
    generate_password: Annotated[
        bool,
        typer.Option(
            "--generate-password",
            help="Make a new strong passphrase, shown once on the terminal.",
        ),
    ] = False,
    allow_weak_password: Annotated[
        bool,
        typer.Option(
            "--allow-weak-password",
            help="Accept a weak password (with a warning), when a portal imposes one.",
        ),
    ] = False,
    allow_incomplete: Annotated[
        bool,
        typer.Option(
            "--allow-incomplete",
            help="Build even if required items are missing (the cover lists them).",
        ),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing output file.")
    ] = False,
    checklist: Annotated[
        str | None, typer.Option(help="Checklist name or file (default: by specialty).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    max_size: MaxSizeOption = None,
    fit: FitOption = None,
    no_recompress: NoRecompressOption = False,
    json_output: JsonOption = False,
    base_dir: BaseDirOption = None,
    record_time_limit: RecordTimeOption = 60.0,
    record_memory_limit: RecordMemoryOption = 2048,
) -> None:
    """Build the encrypted PDF packet, ready to upload.

    Runs the check first: a packet missing required items is not built (exit 1) unless
    --allow-incomplete. The password comes from --generate-password, --password-stdin,
    --password-file, --keyring (in that order of precedence) or a hidden prompt; it is
    never taken on the command line.

    Example: `sopacket build packet.yaml` or
    `printf '%s\\n' "$PW" | sopacket build packet.yaml --password-stdin -o packet.pdf`
    """
    with _reported(json_output):
        from rich.markup import escape

        from .. import passwords
        from ..build import build as build_packet
        from ..options import BuildOptions
        from ..progress import NullProgress
        from . import display

        settings = _config()
        paper = _paper(paper, settings)
        size_limit = _budget(max_size, fit, no_recompress, settings)
        if packet == "-" and password_stdin:
            from ..errors import UsageError

            raise UsageError(
                "standard input carries the packet file, so it cannot carry the password too.",
                "Use --password-file FILE, --keyring or --generate-password --keyring.",
            )
        pw_options = passwords.PasswordOptions(
            stdin=password_stdin,
            file=password_file,
            keyring=use_keyring,
            generate=generate_password,
            allow_weak=allow_weak_password,
        )
        if generate_password and not use_keyring and not sys.stderr.isatty():
            from ..errors import UsageError

            raise UsageError(
                "--generate-password shows the new passphrase on the terminal, and there is "
                "no terminal here (it would end up in a log).",
                "Add --keyring to store it in the OS keyring, or run at a terminal.",
            )
        if generate_password and use_keyring:
            from .. import keystore

            keystore.check_available()  # before the work: the password must have a home
        obtained: list[passwords.Password] = []
        bar: list[_RichProgress] = []

        def password_for(packet_id: str) -> str:
            if bar:  # a progress bar would wipe the hidden prompt: pause it while asking
                bar[0].pause()
            try:
                pw = passwords.obtain(pw_options, packet_id)
            finally:
                if bar:
                    bar[0].resume()
            obtained.append(pw)
            for note in pw.warnings:
                display.err.print(f"[yellow]Warning:[/] {escape(note)}")
            return pw.value

        def pause() -> None:
            if bar:
                bar[0].pause()

        def resume() -> None:
            if bar:
                bar[0].resume()

        ask = _record_asker(pause, resume)
        options = BuildOptions(
            output=output,
            paper=paper,  # type: ignore[arg-type]
            allow_incomplete=allow_incomplete,
            force=force,
            checklist=checklist,
            fallback_checklist=settings.checklist,
            clinic=settings.clinic,
            access=_access(base_dir, record_time_limit, record_memory_limit, ask),
            budget=size_limit,
        )
        if sys.stderr.isatty() and not quiet and not json_output:
            with _RichProgress() as progress:
                bar.append(progress)
                result = build_packet(packet, password_for, options, progress)
        else:
            result = build_packet(packet, password_for, options, NullProgress())
        if obtained and obtained[0].generated:
            from ..errors import KeyringError

            try:
                replaced = passwords.store_generated(obtained[0], pw_options, result.packet_id)
            except KeyringError as exc:
                # The packet exists: its password must not be lost with the error.
                _show_generated(obtained[0].value, stored=False, packet_id=result.packet_id)
                raise KeyringError(
                    f"the packet was written, but its new password could not be stored: "
                    f"{exc.message}",
                    exc.fix,
                ) from None
            if replaced:
                display.err.print(
                    f"[yellow]Note:[/] replaced the password stored for packet "
                    f"{escape(result.packet_id)}."
                )
            _show_generated(obtained[0].value, stored=use_keyring, packet_id=result.packet_id)
        for warning in result.warnings:
            display.err.print(f"[yellow]Warning:[/] {escape(warning)}")
        if result.urgent_symptoms:
            display.urgent_panel(result.urgent_symptoms)
        if json_output:
            typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        else:
            display.build_summary(result)
            for volume in result.volumes:
                typer.echo(str(volume.output))


def _show_generated(value: str, *, stored: bool, packet_id: str = "ID") -> None:
    """Show a new passphrase once, on the terminal (stderr) only."""
    from rich.panel import Panel

    from . import display

    where = (
        "It is also stored in your OS keyring for this packet."
        if stored
        else "It is not stored anywhere: write it down now."
    )
    if sys.stderr.isatty():
        display.err.print(
            Panel(
                f"[bold]{value}[/]\n\nGive it to the reviewing clinic by phone, separately "
                f"from the packet. {where}",
                title="The packet's new password",
                border_style="cyan",
                expand=False,
            ),
            soft_wrap=False,
        )
    else:
        display.err.print(
            "A new password was generated and stored in your OS keyring; "
            f"show it with `sopacket password show {packet_id}`."
        )


# --- batch ------------------------------------------------------------------------------


@app.command()
def batch(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Packet files, or folders searched for packet files."),
    ],
    output_dir: Annotated[
        Path | None,
        typer.Option(
            "--output-dir",
            "-o",
            help="Where the packets go, each named by its id (default: the config file's "
            "output_dir).",
            file_okay=False,
        ),
    ] = None,
    use_keyring: Annotated[
        bool,
        typer.Option("--keyring", help="Use each packet's password stored in the OS keyring."),
    ] = False,
    generate_password: Annotated[
        bool,
        typer.Option(
            "--generate-password",
            help="Make a new password for each packet built, stored in the OS keyring under "
            "its id (packets skipped as up to date keep theirs).",
        ),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", help="Packets built at once (default: CPUs).", min=1),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Also write a report: FILE.json or FILE.csv."),
    ] = None,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            help="K/N: build only the packets whose id falls in shard K of N (a stable "
            "hash), to spread a large export over N machines.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Build even packets that are up to date.")
    ] = False,
    allow_incomplete: Annotated[
        bool,
        typer.Option(
            "--allow-incomplete", help="Build packets missing required items (covers say so)."
        ),
    ] = False,
    checklist: Annotated[
        str | None, typer.Option(help="Checklist name or file (default: config, specialty).")
    ] = None,
    paper: Annotated[str | None, typer.Option(help="letter or a4 (default: config).")] = None,
    max_size: MaxSizeOption = None,
    fit: FitOption = None,
    no_recompress: NoRecompressOption = False,
    base_dir: BaseDirOption = None,
    record_time_limit: RecordTimeOption = 60.0,
    record_memory_limit: RecordMemoryOption = 2048,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
    json_output: JsonOption = False,
) -> None:
    """Build many packets at once, in parallel, for clinic staff.

    Each packet builds in its own process into OUTDIR/ID.pdf; one failure never stops the
    batch. Packets whose output is newer than their file and records are skipped unless
    --force. Exit codes: 0 all built or up to date, 1 any failed or incomplete, 2 usage,
    5 no keyring, 130 stopped (Ctrl-C; run it again to finish).

    Example: `sopacket batch examples/batch -o packets --keyring --report report.csv`
    """
    with _reported(json_output):
        from .. import batch as batch_lib
        from .. import keystore, passwords
        from ..errors import KeyringError, UsageError

        settings = _config()
        out = output_dir or settings.output_dir
        size_limit = _budget(max_size, fit, no_recompress, settings)
        if out is None:
            raise UsageError(
                "no output folder was given.",
                "Add -o FOLDER, or set output_dir in the config file (sopacket config show).",
            )
        if use_keyring == generate_password:
            raise UsageError(
                "batch needs one password source: --keyring (each packet's stored password) "
                "or --generate-password (a new one each, stored in the keyring).",
                "Store passwords with `sopacket password set ID`, or use --generate-password.",
            )
        if report is not None and report.suffix.lower() not in (".json", ".csv"):
            raise UsageError(
                f"the report {report} must end in .json or .csv.",
                "Name it report.json or report.csv.",
            )
        out.mkdir(parents=True, exist_ok=True)
        if report is not None and not report.resolve().parent.is_dir():
            raise UsageError(
                f"the folder of the report {report} does not exist.",
                "Create it, or name the report inside an existing folder (or OUTDIR).",
            )
        out.mkdir(parents=True, exist_ok=True)
        access = _access(base_dir, record_time_limit, record_memory_limit)
        options = batch_lib.BatchOptions(
            output_dir=out,
            passwords="generate" if generate_password else "keyring",
            jobs=jobs,
            force=force,
            shard=batch_lib.parse_shard(shard) if shard else None,
            allow_incomplete=allow_incomplete,
            checklist=checklist,
            fallback_checklist=settings.checklist,
            paper=_paper(paper, settings),
            clinic=settings.clinic,
            base_dir=access.base_dir,
            limits=access.limits,
            budget=size_limit,
        )
        files = batch_lib.find_packets(paths)
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
                "keyring service works (a desktop session; on a server, the keyrings.alt "
                "package with an encrypted file backend), or build packets one by one with "
                "`sopacket build --password-file`.",
            ) from None

        def password_for(packet_id: str) -> str:
            if generate_password:
                return passwords.generate_passphrase()
            return keystore.fetch(packet_id)

        def keep(packet_id: str, value: str) -> bool:
            return keystore.store(packet_id, value)

        def stored(packet_id: str) -> str | None:
            from ..errors import KeyringError

            try:
                return keystore.fetch(packet_id)
            except KeyringError:
                return None

        show = sys.stderr.isatty() and not quiet and not json_output
        result = _run_batch(
            batch_lib,
            files,
            options,
            password_for,
            keep if generate_password else None,
            stored,
            show,
        )
        if report is not None:
            batch_lib.write_report(result, report)
        from . import display

        if json_output:
            typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        else:
            display.batch_summary(result)
            if report is not None:
                display.err.print(f"Report written: {report}", markup=False)
        if result.new_passwords:
            display.err.print(
                f"New passwords for {result.new_passwords} packet(s) are in the OS keyring "
                "under their ids: read one with `sopacket password show ID`, and give it to "
                "the reviewing clinic separately from the packet.",
                markup=False,
            )
        if result.interrupted:
            display.err.print(
                "Stopped before every packet was built; nothing half-written was left. Run "
                "the same command again to build the rest.",
                markup=False,
            )
            _exit(ExitCode.INTERRUPTED)
        _exit(result.exit_code)


def _run_batch(
    batch_lib: Any,
    files: list[Path],
    options: Any,
    password_for: Any,
    keep: Any,
    stored: Any,
    show: bool,
) -> Any:
    """The batch with a live display on stderr: done, failed and remaining packets."""
    if not show:
        return batch_lib.run(files, options, password_for, keep, stored=stored)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from . import display

    counts = {"built": 0, "skipped": 0, "incomplete": 0, "failed": 0}
    with Progress(
        TextColumn("[bold]Packets[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=display.err,
        transient=True,
    ) as live:
        task = live.add_task("", total=len(files))

        def progress(row: Any, done: int, total: int) -> None:
            counts[row.status] += 1
            live.update(
                task,
                completed=done,
                total=total,
                description=f"built {counts['built']} · skipped {counts['skipped']} · "
                f"incomplete {counts['incomplete']} · failed {counts['failed']} · "
                f"remaining {total - done}",
            )

        return batch_lib.run(files, options, password_for, keep, progress, stored)


# --- config -------------------------------------------------------------------------------

config_app = typer.Typer(help="The clinic's settings (config file).", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("show")
def config_show(json_output: JsonOption = False) -> None:
    """Show the settings in effect and where each came from.

    Example: `sopacket config show`
    """
    with _reported(json_output):
        settings = _config()
        if json_output:
            typer.echo(json.dumps(settings.to_json(), ensure_ascii=False, indent=2))
            return
        from . import display

        display.config_table(settings)


# --- password -------------------------------------------------------------------------

password_app = typer.Typer(
    help="Store, make, show and forget packet passwords in the OS keyring.",
    no_args_is_help=True,
)
app.add_typer(password_app, name="password")
IdArg = Annotated[str, typer.Argument(help="The packet's id (its `id:` line).")]


@password_app.command("set")
def password_set(
    packet_id: IdArg,
    from_stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the password from standard input.")
    ] = False,
    allow_weak_password: Annotated[
        bool, typer.Option("--allow-weak-password", help="Accept a weak password.")
    ] = False,
) -> None:
    """Store a password for a packet in the OS keyring (asked twice at a hidden prompt).

    For a protected record with `password: keyring`, the id is record:FILE-NAME.

    Example: `sopacket password set sop-3f9a1c2e`
    """
    with _reported():
        from .. import keystore, passwords
        from . import display

        # record:NAME holds a protected record's password (`password: keyring`), chosen by
        # whoever issued the record: its strength is not ours to judge.
        for_record = packet_id.startswith("record:")
        options = passwords.PasswordOptions(
            stdin=from_stdin, allow_weak=allow_weak_password or for_record
        )
        pw = passwords.obtain(
            options, packet_id, no_terminal_hint="Pipe it in with --stdin, or run at a terminal."
        )
        for note in () if for_record else pw.warnings:
            display.err.print(f"Warning: {note}", markup=False)
        replaced = keystore.store(packet_id, pw.value)
        verb = "Replaced" if replaced else "Stored"
        what = "the protected record entry" if for_record else "packet"
        display.err.print(
            f"{verb} the password for {what} {packet_id} in the OS keyring.", markup=False
        )


@password_app.command("generate")
def password_generate(
    packet_id: Annotated[
        str | None, typer.Argument(help="Store it for this packet id too (optional).")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Make a new strong password (80 bits); with a packet id, also store it.

    Example: `sopacket password generate sop-3f9a1c2e`
    """
    with _reported(json_output):
        from .. import keystore, passwords
        from . import display

        value = passwords.generate_passphrase()
        if packet_id:
            replaced = keystore.store(packet_id, value)
            verb = "Replaced the stored password" if replaced else "Stored it"
            display.err.print(f"{verb} for packet {packet_id} in the OS keyring.", markup=False)
        elif not json_output:
            display.err.print(
                "To use it, store it for a packet with `sopacket password set ID`, or build "
                "with --generate-password instead.",
                markup=False,
            )
        if json_output:
            typer.echo(json.dumps({"password": value, "stored_for": packet_id}))
        else:
            typer.echo(value)


@password_app.command("show")
def password_show(
    packet_id: IdArg,
    json_output: JsonOption = False,
) -> None:
    """Print a packet's stored password, to read it to the recipient.

    Example: `sopacket password show sop-3f9a1c2e`
    """
    with _reported(json_output):
        from .. import keystore

        value = keystore.fetch(packet_id)
        typer.echo(json.dumps({"id": packet_id, "password": value}) if json_output else value)


@password_app.command("forget")
def password_forget(packet_id: IdArg) -> None:
    """Remove a packet's password from the OS keyring.

    Example: `sopacket password forget sop-3f9a1c2e`
    """
    with _reported():
        from .. import keystore
        from . import display

        keystore.forget(packet_id)
        display.err.print(f"Forgot the password of packet {packet_id}.", markup=False)


@password_app.command("list")
def password_list(
    json_output: JsonOption = False,
) -> None:
    """List the packet ids that have a stored password (where the keyring allows it).

    Example: `sopacket password list`
    """
    with _reported(json_output):
        from .. import keystore

        ids = keystore.list_ids()
        if json_output:
            typer.echo(json.dumps({"ids": ids}))
        elif ids:
            typer.echo("\n".join(ids))
        else:
            from . import display

            display.err.print("No packet passwords are stored in the OS keyring.")


# --- schema -----------------------------------------------------------------------------


@app.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Print the JSON Schema of the packet format, for editors to validate and complete.

    Example: `sopacket schema -o packet.schema.json`
    """
    with _reported():
        from .. import output as out_mod
        from ..packetfile.model import json_schema

        text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
        if output is None:
            typer.echo(text, nl=False)
        else:
            out_mod.write_text(output, text, 0o644)
            from . import display

            display.err.print(f"Wrote the schema to {output}")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _main_for_scripts() -> None:
    """With --json, even a command line that cannot be parsed (an unknown option, a
    missing argument) answers with one JSON document on stdout, and exit code 2."""
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        sys.exit(ExitCode.INTERRUPTED)
    except Exception as exc:
        # Typer's (vendored) click raises usage errors carrying exit code 2.
        if getattr(exc, "exit_code", None) != 2 or not hasattr(exc, "format_message"):
            raise
        message = exc.format_message()
        _json_error(True, {"type": "UsageError", "message": message, "fix": ""})
        exc.show()  # type: ignore[attr-defined]  # for people, on stderr
        sys.exit(ExitCode.INPUT_ERROR)
    sys.exit(code if isinstance(code, int) else 0)


def main() -> None:
    """Entry point of the ``sopacket`` console script."""
    import signal

    # A closed terminal (SIGHUP) or a polite kill (SIGTERM) stops like Ctrl-C: temporary
    # files are removed and nothing half-written is left.
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _interrupt)
    try:
        if "--json" in sys.argv[1:]:
            _main_for_scripts()
        app()
    except KeyboardInterrupt:  # pragma: no cover - a Ctrl-C outside any command body
        print("Stopped.", file=sys.stderr)
        sys.exit(ExitCode.INTERRUPTED)
