"""Encrypt a finished volume into an open (unnamed) file, and prove it opens.

The PDF is encrypted with AES-256 (revision 6) as it is written: no unencrypted byte of
it reaches the disk. The written file is then reopened with the password and its pages
counted, before anything gives it a name (see :class:`sopacket.output.Pending`).
"""

from __future__ import annotations

import secrets
from typing import IO, Any, BinaryIO, cast

from .. import __version__
from ..errors import OutputError


def set_docinfo(pdf: Any) -> None:
    """The document information every packet has (a viewer may show its title): the
    same for every packet, nothing about the patient."""
    import pikepdf

    pdf.docinfo = pdf.make_indirect(
        pikepdf.Dictionary(
            Producer=pikepdf.String(f"sopacket {__version__}"),
            Title=pikepdf.String("Second-opinion packet"),
        )
    )


def encrypt_to(pdf: Any, password: str, fh: IO[bytes]) -> int:
    """Write ``pdf`` (a pikepdf.Pdf) encrypted with AES-256 (revision 6) to the open file
    ``fh``, then reopen it with the password and count its pages. Returns its size."""
    import pikepdf

    set_docinfo(pdf)
    allow = pikepdf.Permissions(
        accessibility=True,
        extract=True,
        print_lowres=True,
        print_highres=True,
        modify_annotation=False,
        modify_assembly=False,
        modify_form=False,
        modify_other=False,
    )
    encryption = pikepdf.Encryption(
        user=password,
        owner=secrets.token_urlsafe(32),
        R=6,
        allow=allow,
        aes=True,
        metadata=True,
    )
    expected = len(pdf.pages)
    pdf.save(
        fh,
        encryption=encryption,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        fix_metadata_version=False,
    )
    fh.flush()
    size = fh.tell()
    fh.seek(0)
    # Reopen what was written, with the password, before it replaces anything.
    try:
        with pikepdf.open(cast(BinaryIO, fh), password=password) as check:
            if not check.is_encrypted or len(check.pages) != expected:
                raise OutputError(
                    f"the written packet has {len(check.pages)} pages instead of {expected}.",
                    "This is a bug; please report it.",
                )
    except pikepdf.PasswordError:
        raise OutputError(
            "the written packet could not be opened with its password.",
            "This is a bug; please report it.",
        ) from None
    return int(size)
