"""``sopacket verify``: check a built packet (or every part of one)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import ExitCode
from . import results
from .params import JsonOption

TrustOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--trust",
        help="A certificate (PEM or DER) of an authority you trust: a signed packet's "
        "signer is checked against it (may be given more than once).",
        exists=True,
        dir_okay=False,
    ),
]


PdfArgs = Annotated[
    list[Path] | None,
    typer.Argument(
        help="The packet PDF that build wrote; for a packet cut into parts, every part. "
        "A folder (default: the current one): the packet built there, if it holds one.",
        show_default=False,
        metavar="[PDF]...",
    ),
]

RecordsOption = Annotated[
    Path | None,
    typer.Option(
        "--records",
        metavar="FOLDER",
        help="A folder with the original record files: check each one is the file that "
        "was packed (SHA-256).",
        file_okay=False,
    ),
]

PasswordStdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]

PasswordFileOption = Annotated[
    Path | None,
    typer.Option(
        "--password-file", metavar="FILE", help="Read the password from this file's first line."
    ),
]

KeyringOption = Annotated[
    bool,
    typer.Option("--keyring", help="Use the password stored in the OS keyring."),
]

IdOption = Annotated[
    str | None,
    typer.Option(
        "--id",
        metavar="ID",
        help="The packet's id, for --keyring (default: try each stored packet password).",
    ),
]


def verify(
    ctx: typer.Context,
    packet_pdf: PdfArgs = None,
    records: RecordsOption = None,
    password_stdin: PasswordStdinOption = False,
    password_file: PasswordFileOption = None,
    use_keyring: KeyringOption = False,
    packet_id: IdOption = None,
    trust: TrustOption = None,
    json_output: JsonOption = False,
) -> int:
    """Check a built packet: it is a PDF (before a password is asked), opens, is AES-256
    encrypted, is one revision with every stream encrypted (nothing appended since it was
    built), every stream decodes (not damaged), every record's pages are where its
    manifest says, every page is as it was built (its recorded digest), and nothing
    active is inside. A signed packet (build --sign): the signature covers the whole
    file, and the signer is named. Without a signature it cannot catch someone holding
    the password who builds a whole new packet.

    For a packet cut into parts (build --max-size/--fit), give every part: each is
    checked, then the set (no part missing, every record page exactly once, in order).

    Exit codes: 0 intact, 1 a problem was found (a part missing too), 2 a file cannot be
    opened or --records holds none of the original files, 4 wrong or missing password,
    5 keyring unavailable or no entry.

    Example: `sopacket verify second-opinion-packet-2026-11-25.pdf --records records`
    """
    from .. import passwords
    from ..options import records_folder
    from ..verify import check_is_pdf, keyring_password_that_opens, verify_all
    from . import display
    from .prompts import say_retry

    packet_pdf = _packet_files(packet_pdf)
    for path in packet_pdf:  # a file that is not a PDF is refused before a password is asked
        check_is_pdf(path)
    options = passwords.PasswordOptions(
        stdin=password_stdin, file=password_file, keyring=use_keyring
    )
    secret = passwords.for_opening(
        options, packet_id, lambda: keyring_password_that_opens(packet_pdf[0]), say_retry
    )
    report = verify_all(packet_pdf, secret, records_folder(records), trust or ())
    if json_output:
        results.json_document(report.to_json())
    else:
        display.verify_report(report)
    return ExitCode.OK if report.intact else ExitCode.NOT_READY


def _packet_files(given: list[Path] | None) -> list[Path]:
    """The PDFs given, a folder standing for the packet built in it (see
    :func:`~sopacket.packaging.destination.built_in_folder`), none for the current folder."""
    from ..packaging.destination import built_in_folder

    if not given:
        return built_in_folder(Path("."), given=False)
    return [f for p in given for f in (built_in_folder(p) if p.is_dir() else [p])]
