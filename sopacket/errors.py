"""Exit codes and the exception tree shared by every sopacket command.

The library raises these exceptions; only the CLI turns them into a message on stderr
and an exit code. Every message says what went wrong and how to fix it, and never
contains a password. Messages may name a file and a field, but the CLI never shows a
traceback's local variables, which could hold patient data.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """The exit codes of every sopacket command (documented in the README)."""

    OK = 0
    """Success: the packet is ready, the file was written."""
    NOT_READY = 1
    """The packet was evaluated and is not ready (a required item is missing); for
    `verify`, the packet is not intact."""
    INPUT_ERROR = 2
    """The input cannot be used: bad command line, unreadable file, YAML or schema errors."""
    OUTPUT_ERROR = 3
    """The output cannot be written: it exists, is an input, or its folder is not writable."""
    PASSWORD_ERROR = 4
    """No usable password: missing, wrong, too weak, or no way to ask for one."""
    KEYRING_ERROR = 5
    """The operating system's keyring is unavailable or has no entry for this packet."""
    RECORD_ERROR = 6
    """A record file cannot be read or placed in the packet."""
    INTERNAL_ERROR = 70
    """A bug in sopacket (run with -v for details and report it)."""
    HANGUP = 129
    """Stopped because its terminal closed (SIGHUP, 128 + 1); nothing half-written was left."""
    INTERRUPTED = 130
    """Stopped by Ctrl-C (SIGINT, 128 + 2); nothing half-written was left behind."""
    BROKEN_PIPE = 141
    """Its output was read no further (a closed pipe, as with ``| head``: 128 + SIGPIPE's
    13); said quietly, and nothing half-written was left."""
    TERMINATED = 143
    """Stopped by SIGTERM (a polite kill, 128 + 15); nothing half-written was left."""


class Stopped(KeyboardInterrupt):
    """A stop asked by a signal other than Ctrl-C (SIGTERM, SIGHUP): unwinds like Ctrl-C
    (temporary files removed, nothing half-written), and exits with 128 + its number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def stop_code(exc: BaseException | None) -> ExitCode:
    """The exit code of a stop: 130 for Ctrl-C, 128 + the signal's number for the others."""
    code = getattr(exc, "exit_code", ExitCode.INTERRUPTED)
    return ExitCode(code) if code in ExitCode._value2member_map_ else ExitCode.INTERRUPTED


class Refusal(Exception):
    """Something sopacket will not read or use: what went wrong (``problem``) and how to
    fix it (``fix``), in plain words.

    The records stage raises it for a record it refuses, and carries it in what it
    returns (``RecordInfo``, ``CleanRecord``); it pickles, so it crosses from the child
    process that read the record. Every exception the CLI reports is one too
    (:class:`SopacketError`). Two refusals are equal when they say the same thing.
    """

    detail: str = ""
    """The technical words behind it (a library's error), shown only with ``-v``."""

    def __init__(self, problem: str, fix: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Refusal):
            return NotImplemented
        return (type(self), self.problem, self.fix) == (type(other), other.problem, other.fix)

    def __hash__(self) -> int:
        return hash((type(self), self.problem, self.fix))


class MayBeRefused:
    """A value that may carry a :class:`Refusal` (a record inspected or cleaned): its
    ``problem`` and ``fix`` read through it."""

    refusal: Refusal | None

    @property
    def ok(self) -> bool:
        return self.refusal is None

    @property
    def problem(self) -> str | None:
        """What is wrong, in plain words; None when it can be used."""
        return self.refusal.problem if self.refusal is not None else None

    @property
    def fix(self) -> str:
        return self.refusal.fix if self.refusal is not None else ""


class SopacketError(Refusal):
    """Base class: a problem a user can fix, with a message saying how."""

    exit_code: ExitCode = ExitCode.INPUT_ERROR

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message, fix)
        self.message = message

    def __str__(self) -> str:
        return f"{self.message} {self.fix}".strip()

    def to_json(self) -> dict[str, object]:
        return {"type": type(self).__name__, "message": self.message, "fix": self.fix}


@dataclass(frozen=True)
class Problem:
    """One located problem in a packet file: where it is, what is wrong, how to fix it."""

    file: str
    line: int | None
    column: int | None
    field: str
    message: str
    fix: str = ""

    @property
    def where(self) -> str:
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column or 1}"

    def __str__(self) -> str:
        field = f"{self.field}: " if self.field else ""
        fix = f" {self.fix}" if self.fix else ""
        return f"{self.where}: {field}{self.message}{fix}"

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "message": self.message,
            "fix": self.fix,
        }


class PacketFileError(SopacketError):
    """The packet file cannot be evaluated: unreadable, not YAML, or not the format."""

    exit_code = ExitCode.INPUT_ERROR

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = problems[0] if problems else None
        summary = str(first) if first else "the packet file cannot be read"
        if len(problems) > 1:
            summary += f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})"
        super().__init__(summary)

    def to_json(self) -> dict[str, object]:
        return {
            "type": type(self).__name__,
            "message": self.message,
            "problems": [p.to_json() for p in self.problems],
        }


class UsageError(SopacketError):
    """An option or argument that cannot be used as given."""

    exit_code = ExitCode.INPUT_ERROR


class ChecklistError(SopacketError):
    """A checklist file is missing or malformed."""

    exit_code = ExitCode.INPUT_ERROR


class OutputError(SopacketError):
    """The output cannot be written where asked."""

    exit_code = ExitCode.OUTPUT_ERROR


class NotReadyError(SopacketError):
    """The packet is missing required items (raised by commands that need a ready packet)."""

    exit_code = ExitCode.NOT_READY
    missing: tuple[str, ...] = ()
    """The checklist items still to do (their titles)."""
    urgent: bool = False
    """Urgent symptoms are listed: the patient needs in-person care now."""


class RecordError(SopacketError):
    """A record file cannot be read or used."""

    exit_code = ExitCode.RECORD_ERROR
    items: list[tuple[int, str, str]] = []  # noqa: RUF012 - replaced per instance
    """Each record concerned: (index, its ``file:``, what is wrong and how to fix it),
    without the record's title, for reports that must not name it."""


class PasswordError(SopacketError):
    """No usable password."""

    exit_code = ExitCode.PASSWORD_ERROR


class KeyringError(SopacketError):
    """The OS keyring cannot be used."""

    exit_code = ExitCode.KEYRING_ERROR


class PacketUnreadable(SopacketError):
    """The file given to ``verify`` is not a PDF, or is too damaged to open."""

    exit_code = ExitCode.INPUT_ERROR


class OriginalsNotFound(SopacketError):
    """``verify --records DIR``: none of the packet's original files is in ``DIR`` (the
    wrong folder was named; the packet itself is not judged by it)."""

    exit_code = ExitCode.INPUT_ERROR
