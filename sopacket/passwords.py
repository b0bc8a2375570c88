"""Where a packet's password comes from, how strong it must be, and generated passphrases.

No option takes the password itself on the command line: command lines are visible to
other users and stay in shell history. The sources, in order of precedence when several
are given (the README documents this):

1. ``--generate-password``: a new passphrase (stored in the keyring too with ``--keyring``);
2. ``--password-stdin``: the first line of standard input;
3. ``--password-file PATH``: the first line of a file only its owner can read;
4. ``--keyring``: the password stored in the OS keyring under the packet's id;
5. otherwise, at a terminal, a hidden prompt with confirmation; with no terminal, an
   error listing these options (never a hang).
"""

from __future__ import annotations

import re
import secrets
import stat
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO, runtime_checkable

from .errors import KeyringError, PasswordError, UsageError

if TYPE_CHECKING:
    from .packetfile.model import Packet

MIN_LENGTH = 12
"""Shortest password accepted without --allow-weak-password."""
MIN_SCORE = 3
"""Lowest zxcvbn score (0-4) accepted without --allow-weak-password."""
READER_LIMIT = 32
"""Longest password that every common PDF reader accepts: poppler-based readers (Evince,
Okular, pdftotext) reject longer AES-256 passwords as wrong."""
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
"""Crockford's base 32: letters and digits that cannot be confused when read aloud or
typed (no i, l, o or u, so 0 and 1 are unmistakable); 5 bits each."""
GROUPS, GROUP_SIZE = 4, 4
"""A generated password is 4 groups of 4 symbols, e.g. ``k7vq-3mxt-9pwd-h2rf``."""


@dataclass(frozen=True)
class PasswordOptions:
    """The password options of one command."""

    stdin: bool = False
    """Read the password from the first line of standard input."""
    file: Path | None = None
    """Read it from the first line of this file (which only its owner may read)."""
    keyring: bool = False
    """Use (or, with ``generate``, store) the password in the OS keyring."""
    generate: bool = False
    """Make a new passphrase."""
    allow_weak: bool = False
    """Accept a weak password (with a warning), for portals that impose one."""


@dataclass(frozen=True)
class Password:
    """A password and where it came from (the source is safe to show; the value is not)."""

    value: str
    source: str
    """stdin, file, keyring, generated or prompt."""
    generated: bool = False
    warnings: tuple[str, ...] = ()

    def __repr__(self) -> str:  # never show the value, even in a debugger or a traceback
        return f"Password(source={self.source!r})"

    __str__ = __repr__


NO_TERMINAL_HINT = (
    "Give it with --password-stdin, --password-file FILE or --keyring, or let sopacket make "
    "one with --generate-password."
)


Retry = Callable[[PasswordError], None]
"""Told why a password typed at the prompt was refused, before it is asked again (the
command line shows it; the library never prints)."""


def obtain(
    options: PasswordOptions,
    packet_id: str,
    *,
    interactive: bool | None = None,
    no_terminal_hint: str = NO_TERMINAL_HINT,
    existing: bool = False,
    on_retry: Retry | None = None,
    words: tuple[str, ...] = (),
) -> Password:
    """The password for a packet, from the source the options select (see module doc).

    ``existing``: the password of a packet already built (to open it): asked once, and
    its strength not judged. ``on_retry``: told why a typed password was refused, before
    the prompt asks again. ``words``: what a guesser knows of the packet
    (:func:`packet_words`); a password made of them is weak."""
    words = words or guessable((), packet_id)
    notes: list[str] = []
    chosen = [
        name
        for name, on in (
            ("--generate-password", options.generate),
            ("--password-stdin", options.stdin),
            ("--password-file", options.file is not None),
            ("--keyring", options.keyring and not options.generate),
        )
        if on
    ]
    if len(chosen) > 1:
        notes.append(f"{chosen[0]} is used; {', '.join(chosen[1:])} ignored.")
    if options.generate:
        # With --keyring the caller stores it once the packet is written (store_generated),
        # so a failed build never replaces a password that still opens an older packet.
        return Password(generate_passphrase(), "generated", True, tuple(notes))
    if options.stdin and sys.stdin is not None and sys.stdin.isatty():
        # At a terminal, reading a line would echo the password: ask at a hidden prompt.
        return _ask(options, existing, tuple(notes), on_retry, words)
    elif options.stdin:
        pw = Password(from_stdin(), "stdin", warnings=tuple(notes))
    elif options.file is not None:
        pw = Password(from_file(options.file), "file", warnings=tuple(notes))
    elif options.keyring:
        from . import keystore

        pw = Password(keystore.fetch(packet_id), "keyring")
    else:
        if interactive is None:
            interactive = sys.stdin is not None and sys.stdin.isatty()
        if not interactive:
            raise PasswordError(
                "no password was given and there is no terminal to ask for one.",
                no_terminal_hint,
            )
        return _ask(options, existing, (), on_retry, words)
    if existing:
        return pw
    warnings = judge(pw.value, words, options.allow_weak)
    return Password(pw.value, pw.source, False, pw.warnings + warnings)


ATTEMPTS = 3
"""Tries at a hidden prompt before giving up (a typo should not end the command)."""


def _ask(
    options: PasswordOptions,
    existing: bool,
    notes: tuple[str, ...],
    on_retry: Retry | None,
    words: tuple[str, ...],
) -> Password:
    """Ask at the hidden prompt; a mismatch, an empty or a weak password is explained (to
    ``on_retry``) and asked again, up to ATTEMPTS times. Ctrl-D gives up at once."""
    judged: list[tuple[str, ...]] = []

    def first(value: str) -> None:  # a weak one is refused before "Type it again"
        judged[:] = [judge(value, words, options.allow_weak)]

    for attempt in range(1, ATTEMPTS + 1):
        try:
            judged.clear()
            value = prompt(not existing, None if existing else first)
            return Password(value, "prompt", False, notes + (judged[0] if judged else ()))
        except PasswordError as exc:
            if attempt == ATTEMPTS or exc.message == "no password was typed.":
                raise
            if on_retry is not None:
                on_retry(exc)
    raise AssertionError("unreachable")  # pragma: no cover


@runtime_checkable
class PacketSource(Protocol):
    """A password source that judges the password itself (the command line's, which asks
    again at the prompt when a typed one is refused): given the packet's id and its words
    (:func:`packet_words`), the password and the warnings it has already shown. The build
    still refuses an empty one."""

    def for_packet(self, packet_id: str, words: tuple[str, ...]) -> Password: ...


def judge(
    password: str, words: Iterable[str] = (), allow_weak: bool = False, opt_out: str = ""
) -> tuple[str, ...]:
    """The rules every packet password meets, whoever gives it (the command line, a batch,
    the Python API): never empty; not weak nor made of the packet's own ``words`` unless
    ``allow_weak`` (then a warning); a warning if some PDF readers would refuse it.
    ``opt_out``: how the caller accepts a weak one (default: --allow-weak-password)."""
    if not password:
        raise PasswordError(
            "the password is empty: the packet would open without one.",
            "Give a password, or let sopacket make one (`sopacket password generate`).",
        )
    return strength_warnings(password, allow_weak, tuple(words), opt_out) + length_warnings(
        password
    )


def length_warnings(password: str) -> tuple[str, ...]:
    if len(password.encode("utf-8")) <= READER_LIMIT:
        return ()
    return (
        f"the password is longer than {READER_LIMIT} characters; some PDF readers "
        "(Evince, Okular and others built on poppler) then refuse it as wrong. A shorter "
        "one, or --generate-password, opens everywhere.",
    )


def store_generated(password: Password, options: PasswordOptions, packet_id: str) -> bool:
    """Keep a generated password in the keyring (after the packet was written with it);
    True when it replaced a password stored before."""
    if password.generated and options.keyring:
        from . import keystore

        return keystore.store(packet_id, password.value)
    return False


class BuildPassword:
    """The password of one build, from first check to last step.

    Made before the work starts, it refuses what cannot work (the packet and the password
    both on standard input; a generated passphrase with no terminal to show it on and no
    keyring to keep it; a keyring that is not there to keep it). Called with the packet's
    id when the build needs the password; once the packet is written, :meth:`keep` stores
    a generated one in the keyring (never before: a failed build must not replace a
    password that still opens an older packet)."""

    def __init__(
        self,
        options: PasswordOptions,
        *,
        packet_on_stdin: bool = False,
        terminal: bool = False,
        on_retry: Retry | None = None,
    ) -> None:
        """``terminal``: a person sees stderr (a new passphrase can be shown there)."""
        if packet_on_stdin and options.stdin:
            raise UsageError(
                "standard input carries the packet file, so it cannot carry the password too.",
                "Use --password-file FILE, --keyring or --generate-password --keyring.",
            )
        if options.generate and not options.keyring and not terminal:
            raise UsageError(
                "--generate-password shows the new passphrase on the terminal, and there is "
                "no terminal here (it would end up in a log).",
                "Add --keyring to store it in the OS keyring, or run at a terminal.",
            )
        if options.generate and options.keyring:
            from . import keystore

            keystore.check_available()  # before the work: the password must have a home
        self.options = options
        self.on_retry = on_retry
        self.obtained: Password | None = None

    def __call__(self, packet_id: str) -> Password:
        return self.for_packet(packet_id, guessable((), packet_id))

    def for_packet(self, packet_id: str, words: tuple[str, ...]) -> Password:
        """The password, judged against the packet's own words (see :class:`PacketSource`)."""
        self.obtained = obtain(self.options, packet_id, on_retry=self.on_retry, words=words)
        return self.obtained

    @property
    def generated(self) -> Password | None:
        """The new passphrase the packet was built with, if one was made."""
        return self.obtained if self.obtained and self.obtained.generated else None

    def keep(self, packet_id: str) -> bool:
        """Store a generated password once its packet is written (with ``--keyring``);
        True when it replaced a password stored before."""
        if self.generated is None:
            return False
        try:
            return store_generated(self.generated, self.options, packet_id)
        except KeyringError as exc:
            raise KeyringError(
                f"the packet was written, but its new password could not be stored: {exc.message}",
                exc.fix,
            ) from None


def for_opening(
    options: PasswordOptions,
    packet_id: str | None,
    search: Callable[[], str],
    on_retry: Retry | None = None,
) -> str | Callable[[], str]:
    """The password of a packet already built (``verify``). With only ``--keyring`` and no
    id, the stored password that opens it: ``search()``, tried at once. Otherwise a
    function that obtains it when it is needed (asked once, its strength not judged)."""
    if options.keyring and not (options.stdin or options.file) and packet_id is None:
        return search()

    def secret() -> str:
        return obtain(
            options,
            packet_id or "",
            existing=True,
            no_terminal_hint="Give it with --password-stdin, --password-file FILE or --keyring.",
            on_retry=on_retry,
        ).value

    return secret


def for_keyring(
    key: str, *, stdin: bool, allow_weak: bool, on_retry: Retry | None = None
) -> Password:
    """A password to store in the keyring under ``key`` (``sopacket password set``), judged
    against the packet id and "sopacket" (the packet file is not known here).
    ``record:NAME`` holds a protected record's password (``password: keyring``), chosen by
    whoever issued the record: its strength is not ours to judge, nor warned about."""
    for_record = key.startswith("record:")
    options = PasswordOptions(stdin=stdin, allow_weak=allow_weak or for_record)
    pw = obtain(
        options,
        key,
        no_terminal_hint="Pipe it in with --stdin, or run at a terminal.",
        on_retry=on_retry,
    )
    return Password(pw.value, pw.source, pw.generated, () if for_record else pw.warnings)


def from_stdin(stream: TextIO | None = None) -> str:
    """The first line of standard input, without its line ending."""
    stream = stream or sys.stdin
    if stream is None:
        raise PasswordError("standard input is closed.", "Pipe the password in.")
    password = stream.readline().rstrip("\r\n")
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        raise PasswordError(
            "the password on standard input is not valid UTF-8 text.",
            "Send it as UTF-8 (the usual encoding on macOS and Linux).",
        ) from None
    if not password:
        raise PasswordError(
            "no password arrived on standard input.",
            "Pipe it in, for example: printf '%s\\n' \"$PW\" | sopacket build packet.yaml "
            "--password-stdin",
        )
    return password


def from_file(path: Path) -> str:
    """The first line of a password file that only its owner can read."""
    try:
        st = path.stat()
    except OSError as exc:
        raise PasswordError(
            f"the password file {path} cannot be read ({exc.strerror}).", "Check the path."
        ) from None
    if not stat.S_ISREG(st.st_mode):
        raise PasswordError(
            f"the password file {path} is not a regular file.",
            "Give a file that holds the password on its first line.",
        )
    if st.st_mode & 0o077:
        raise PasswordError(
            f"the password file {path} can be read by other users "
            f"(permissions {stat.filemode(st.st_mode)}).",
            f"Make it private with: chmod 600 {path}",
        )
    try:
        with path.open(encoding="utf-8") as fh:
            password = fh.readline().rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise PasswordError(
            f"the password file {path} cannot be read ({type(exc).__name__}).",
            "Save it as plain UTF-8 text with the password on the first line.",
        ) from None
    if not password:
        raise PasswordError(
            f"the first line of {path} is empty.", "Put the password on the file's first line."
        )
    return password


def prompt(confirm: bool = True, check: Callable[[str], None] | None = None) -> str:
    """Ask at a hidden prompt (twice, to catch typing mistakes). ``check`` judges the
    first entry before it is asked again (raising PasswordError for a weak one): nobody
    should type a password twice to hear it is refused."""
    import getpass

    try:
        first = getpass.getpass("Password for the packet: ")
        if first and check is not None:
            check(first)
        again = getpass.getpass("Type it again: ") if confirm else first
    except EOFError:  # Ctrl-D at the prompt
        raise PasswordError("no password was typed.", "Run the command again.") from None
    if again != first:
        raise PasswordError("the two passwords were not the same.", "Run the command again.")
    if not first:
        raise PasswordError("the password was empty.", "Run the command again.")
    return first


def strength_warnings(
    password: str, allow_weak: bool, words: tuple[str, ...] = (), opt_out: str = ""
) -> tuple[str, ...]:
    """Refuse a weak password (or, with ``allow_weak``, warn about it)."""
    problem = weakness(password, words)
    if problem is None:
        return ()
    if allow_weak:
        return (
            f"the password is weak ({problem}); it protects health information. "
            "Use a stronger one whenever the portal allows.",
        )
    raise PasswordError(
        f"the password is too weak: {problem}.",
        "Choose a longer one (several unrelated words), or let sopacket make one "
        "(`build --generate-password` or `sopacket password generate`). If a portal imposes "
        f"this password, {opt_out or 'add --allow-weak-password'}.",
    )


def weakness(password: str, words: tuple[str, ...] = ()) -> str | None:
    """Why a password is too weak, or None when it is strong enough. ``words``: what a
    guesser knows of the packet (:func:`packet_words`)."""
    if len(password) < MIN_LENGTH:
        return f"it is shorter than {MIN_LENGTH} characters"
    if made_of(password, words):
        return (
            "it is made of the packet's own details (names, address, clinics, dates of "
            "birth, e-mail, phone, its id or 'sopacket'), the first thing a guesser tries"
        )
    from zxcvbn import zxcvbn

    # zxcvbn is slow on very long input; 100 is plenty. user_inputs: the packet's words.
    result = zxcvbn(password[:100], user_inputs=list(words))
    if result["score"] < MIN_SCORE:
        warning = (result.get("feedback") or {}).get("warning") or "it is easy to guess"
        return warning.rstrip(".").lower() if warning[:1].isupper() else warning.rstrip(".")
    return None


def packet_words(packet: Packet, packet_id: str) -> tuple[str, ...]:
    """What a guesser knows of a packet, to judge its password against: the patient's and
    companion's names, phone numbers and e-mail addresses, the patient's address, the
    companion's relationship, the
    treating and reviewing clinicians' names, clinics, phones and e-mails, the date of
    birth written the usual ways, the insurance member id, the packet id (a batch's
    output file name) and "sopacket"."""
    found: list[str | None] = [packet.patient.address]
    providers = (packet.request.treating_provider, packet.request.reviewing_provider)
    for person in (packet.patient, packet.companion, *providers):
        if person is not None:
            found += [person.name, person.phone, person.email]
            found += [getattr(person, "facility", None), getattr(person, "relationship", None)]
    born = packet.patient.date_of_birth
    if born is not None:
        formats = ("%Y-%m-%d", "%Y%m%d", "%d%m%Y", "%m%d%Y", "%d%m%y", "%m%d%y", "%y%m%d", "%Y")
        found += [born.strftime(f) for f in formats]
    if packet.insurance is not None:
        found.append(packet.insurance.member_id)
    return guessable(found, packet_id)


def guessable(found: Iterable[str | None], packet_id: str) -> tuple[str, ...]:
    """``found``, the packet id and "sopacket", without blanks or repeats."""
    words = [*found, packet_id, "sopacket"]
    return tuple(dict.fromkeys(w.strip() for w in words if w and w.strip()))


FREE_DIGITS = 4
"""Digits a password made of packet words may add between them and still count as made of
them (a year, a house number: ``sopacket2026``)."""


def made_of(password: str, words: Iterable[str]) -> bool:
    """The password is nothing but pieces of ``words`` (each word, its parts and its
    initials; case, spaces and punctuation ignored), with at most short runs of digits
    between them, and at least one such piece."""
    text = _plain(password)
    pieces: set[str] = set()
    for word in words:
        parts = [p for p in re.split(r"[\W_]+", word.casefold()) if p]
        pieces.update([*parts, "".join(parts), "".join(p[0] for p in parts)])
    pieces = {p for p in pieces if len(p) >= 2}
    # reach[i]: text[:i] can be cut so: None (no), False (by digits only), True (a piece used)
    reach: list[bool | None] = [False] + [None] * len(text)
    for i in range(len(text)):
        state = reach[i]
        if state is None:
            continue
        for piece in pieces:
            if text.startswith(piece, i):
                reach[i + len(piece)] = True
        run = 0
        while run < FREE_DIGITS and i + run < len(text) and text[i + run].isdigit():
            run += 1
            if not reach[i + run]:
                reach[i + run] = state
    return reach[-1] is True


def _plain(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def generate_passphrase() -> str:
    """A random password such as ``k7vq-3mxt-9pwd-h2rf``: 19 characters, so every PDF
    reader accepts it, and easy to read aloud and type."""
    return "-".join(
        "".join(secrets.choice(ALPHABET) for _ in range(GROUP_SIZE)) for _ in range(GROUPS)
    )
