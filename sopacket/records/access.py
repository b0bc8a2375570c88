"""How record files may be read: where from, with what limits, and the passwords of
protected records (asked, or read from the keyring)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Refusal, SopacketError
from .inspect import RecordInfo
from .isolate import Limits
from .limits import outside


@dataclass(frozen=True)
class RecordAccess:
    """How record files may be read: where from, with what limits, and who to ask for
    the password of a protected PDF."""

    base_dir: Path | None = None
    """Only files inside this folder (after resolving symlinks) may be read."""
    limits: Limits = field(default_factory=Limits)
    """Memory and time allowed to the child process that reads each record."""
    ask: Callable[[str], str | None] | None = None
    """Asks a person for a record's password (given the record's description); None when
    no one can be asked (a script)."""

    def confine(self, files: list[Path]) -> dict[int, RecordInfo]:
        """Records outside :attr:`base_dir`, as unusable (they are not read)."""
        if self.base_dir is None:
            return {}
        base = self.base_dir.resolve()
        refused: dict[int, RecordInfo] = {}
        for n, file in enumerate(files):
            try:
                real = file.resolve()
            except (OSError, RuntimeError):  # a link loop: certainly not a usable file
                real = file
            if not real.is_relative_to(base):
                refused[n] = RecordInfo(file, None, None, refusal=outside(base))
        return refused


def record_secrets(
    entries: list[tuple[Path, str | None, str, str | None]],
    access: RecordAccess,
    known: dict[int, RecordInfo],
) -> list[str | None]:
    """Each record's password from its ``password:`` setting (asked or read from the
    keyring); a record whose password cannot be had is added to ``known`` as unusable."""
    secrets: list[str | None] = []
    for n, (file, _, title, setting) in enumerate(entries):
        secret = None
        if setting and n not in known:
            try:
                secret = _record_secret(file, title, setting, access)
            except SopacketError:  # not about this record (e.g. from the asker): reported
                raise
            except Refusal as exc:
                known[n] = RecordInfo(file, "pdf", None, True, exc)
        secrets.append(secret)
    return secrets


def keyring_entry(file: Path, setting: str) -> str:
    """The keyring entry of a record's password: ``record:NAME`` (NAME defaults to the
    file's name)."""
    name = setting.partition(":")[2] or file.name
    return f"record:{name}"


def _record_secret(file: Path, title: str, setting: str, access: RecordAccess) -> str | None:
    if setting == "prompt":
        if access.ask is None:
            raise Refusal(
                "its password is to be asked (`password: prompt`), but it cannot be asked "
                "here (no terminal, or a batch)",
                "Store the password with `sopacket password set "
                f"record:{file.name}` and write `password: keyring`, or run "
                "`sopacket build` at a terminal.",
            )
        answer = access.ask(f"\u201c{title}\u201d ({file.name})")
        if not answer:
            raise Refusal(
                "no password was given for this protected PDF",
                "Build again and type its password when asked.",
            )
        return answer
    if setting == "keyring" or setting.startswith("keyring:"):
        from .. import keystore
        from ..errors import KeyringError

        entry = keyring_entry(file, setting)
        try:
            return keystore.fetch(entry)
        except KeyringError:
            raise Refusal(
                f"its password could not be read from the OS keyring (entry {entry})",
                f"Store it with `sopacket password set {entry}`, or write `password: prompt` "
                "to be asked for it instead.",
            ) from None
    return None  # an invalid setting: the packet's validation reports it
