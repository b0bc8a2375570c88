"""What a build or a batch is asked to do: immutable option objects, each field documented
where it is declared, and the functions that turn options as a person gives them
(``--paper``, ``--max-size``, ``--base-dir`` ...) into checked values, raising
:class:`UsageError` with the fix (the command line only passes them on)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .errors import UsageError
from .packaging.fit import Budget
from .packaging.sign import SignWith
from .records.access import RecordAccess

Paper = Literal["letter", "a4"]


@dataclass(frozen=True)
class BuildOptions:
    """How to build a packet."""

    output: Path | None = None
    """Where to write the PDF; default: second-opinion-packet-YYYY-MM-DD.pdf beside the packet."""
    paper: Paper = "letter"
    """Paper size of the packet's own pages and of image records."""
    allow_incomplete: bool = False
    """Build even when required checklist items are missing (the cover says so)."""
    force: bool = False
    """Replace an existing output file."""
    checklist: str | None = None
    """Checklist name or file (default: by specialty)."""
    fallback_checklist: str | None = None
    """The checklist for a packet whose specialty has none of its own (default: general;
    a clinic sets it in its config file)."""
    today: dt.date | None = None
    """The preparation date shown in the packet (default: today)."""
    clinic: str | None = None
    """The clinic preparing the packet, shown on the cover (from the config file)."""
    access: RecordAccess | None = None
    """Where records may be read from, the limits of the child that reads each one, and
    who to ask for a protected record's password (see :class:`RecordAccess`)."""
    allow_weak_password: bool = False
    """Accept a weak password, or one made of the packet's own details (the result warns
    about it), for a portal that imposes one. An empty password is never accepted."""
    budget: Budget | None = None
    """The size every output file must fit (``--max-size``/``--fit``); see
    :mod:`sopacket.packaging.fit`. Over it, images are recompressed (unless forbidden) and the
    packet is cut into volumes ``NAME-part-K-of-N.pdf``."""
    sign: SignWith | None = None
    """Sign every file written with this PKCS#12 key and certificate (a PAdES signature,
    needs ``pip install 'sopacket[sign]'``); see :func:`signing`."""


# --- the options as a person gives them, validated ----------------------------------------


def size_budget(
    max_size: str | None, fit: str | None, no_recompress: bool, presets: dict[str, int]
) -> Budget | None:
    """The size limit asked for with ``--max-size``/``--fit`` (see :func:`fit.budget`),
    or None; ``--no-recompress`` without a limit is a mistake worth saying."""
    from .packaging.fit import budget

    chosen = budget(max_size, fit, presets, recompress=not no_recompress)
    if chosen is None and no_recompress:
        raise UsageError(
            "--no-recompress only matters with a size limit.",
            "Add --max-size SIZE or --fit email|portal, or leave it out.",
        )
    return chosen


def paper_size(paper: str | None, configured: str | None) -> Paper:
    """The paper asked for (else the config file's, else letter), checked."""
    chosen = (paper or configured or "letter").lower()
    if chosen not in ("letter", "a4"):
        raise UsageError(
            f"--paper must be letter or a4, not '{chosen}'.",
            "Use --paper letter (US) or --paper a4.",
        )
    return "a4" if chosen == "a4" else "letter"


def record_access(
    base_dir: Path | None,
    seconds: float,
    mib: int,
    ask: Callable[[str], str | None] | None = None,
) -> RecordAccess:
    """How records are read (``--base-dir``, ``--record-time-limit``,
    ``--record-memory-limit``; ``ask`` for protected records), checked."""
    from .records.isolate import Limits

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


SIGN_PASSWORD_ENV = "SOPACKET_SIGN_PASSWORD"
"""The environment variable that may hold the signing key's passphrase (for scripts)."""


def signing(
    key: Path | None,
    passphrase_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    ask: Callable[[], str] | None = None,
) -> SignWith | None:
    """What ``--sign KEY.p12`` asks for, checked before any work (pyHanko installed, the
    file a PKCS#12 key, the passphrase right, the certificate valid today). The
    passphrase comes from ``--sign-password-file`` (a file only its owner can read),
    else ``$SOPACKET_SIGN_PASSWORD``, else ``ask`` (a hidden prompt); never the command
    line."""
    from .errors import PasswordError
    from .packaging.sign import load_signer, missing_pyhanko

    if key is None:
        if passphrase_file is not None:
            raise UsageError(
                "--sign-password-file only matters with --sign.",
                "Add --sign KEY.p12, or leave it out.",
            )
        return None
    from .packaging.sign import have_pyhanko

    if not have_pyhanko():
        raise missing_pyhanko()
    if passphrase_file is not None:
        from .passwords import from_file

        passphrase = from_file(passphrase_file)
    elif (environ or {}).get(SIGN_PASSWORD_ENV):
        passphrase = (environ or {})[SIGN_PASSWORD_ENV]
    elif ask is not None:
        passphrase = ask()
    else:
        raise PasswordError(
            f"no passphrase for the signing key {key}, and no terminal to ask it at.",
            f"Give it with --sign-password-file FILE (chmod 600) or in ${SIGN_PASSWORD_ENV}.",
        )
    chosen = SignWith(key, passphrase)
    load_signer(chosen)  # a wrong passphrase or an expired certificate: said now
    return chosen


def records_folder(records: Path | None) -> Path | None:
    """The folder of original records given to ``verify --records``, checked."""
    if records is not None and not records.is_dir():
        raise UsageError(f"--records {records} is not a folder.", "Name the records folder.")
    return records


def build_settings(options: BuildOptions) -> dict[str, Any]:
    """The options that shape a packet's content (kept in its manifest: a batch rebuilds a
    packet whose options changed; with ``--sign``, one that was not signed)."""
    signed = {"signed": True} if options.sign is not None else {}
    return {
        **signed,
        "paper": options.paper,
        "checklist": options.checklist,
        "fallback_checklist": options.fallback_checklist,
        "clinic": options.clinic,
        "allow_incomplete": options.allow_incomplete,
        "max_bytes": options.budget.bytes if options.budget else None,
        "recompress": options.budget.recompress if options.budget else None,
    }
