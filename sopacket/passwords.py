"""Where a packet's password comes from.

No option takes the password itself on the command line: command lines are visible to
other users and stay in shell history. Scripts pipe it in with ``--password-stdin``; a
person at a terminal types it twice at a hidden prompt.
"""

from __future__ import annotations

import sys
from typing import TextIO

from .errors import PasswordError

MIN_LENGTH = 8


def from_stdin(stream: TextIO | None = None) -> str:
    """The first line of standard input, without its line ending."""
    stream = stream or sys.stdin
    line = stream.readline()
    password = line.rstrip("\r\n")
    if not password:
        raise PasswordError(
            "no password arrived on standard input.",
            "Pipe it in, for example: printf '%s\\n' \"$PW\" | sopacket build packet.yaml "
            "--password-stdin",
        )
    return password


def prompt(confirm: bool = True) -> str:
    """Ask at a hidden prompt (twice, to catch typing mistakes)."""
    import getpass

    if not sys.stdin.isatty():
        raise PasswordError(
            "no password was given and there is no terminal to ask for one.",
            "Give it with --password-stdin (one line on standard input).",
        )
    first = getpass.getpass("Password for the packet: ")
    if confirm and getpass.getpass("Type it again: ") != first:
        raise PasswordError("the two passwords were not the same.", "Run the command again.")
    return first


def check(password: str) -> str:
    """Refuse passwords that cannot protect health information at all."""
    if len(password) < MIN_LENGTH:
        raise PasswordError(
            f"the password is shorter than {MIN_LENGTH} characters.",
            "Choose a longer one: several unrelated words make a strong, easy password.",
        )
    return password
