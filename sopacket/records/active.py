"""What counts as active content in a PDF (anything that runs, submits, launches, plays
or carries hidden files): one definition, used by the sanitiser, which removes it from a
record and says what it removed, and by ``verify``, which finds none in a packet.

Each entry is a PDF name, as a dictionary key or as the value of ``/S``, ``/Subtype`` or
``/Type``, with the words each use gives it. Not every entry matters to both: the
sanitiser drops every ``/A`` action and live form anyway, without counting them, and a
packet legitimately holds one attached file (its manifest) under ``/EmbeddedFiles``.
"""

from __future__ import annotations

from typing import NamedTuple


class Active(NamedTuple):
    removed: str | None
    """How the build summary names it when the sanitiser finds it in a record (as a key
    or a name); None: not counted there."""
    packet_key: str | None = None
    """How ``verify`` names it found as a dictionary key in a packet; None: not a finding."""
    packet_name: str | None = None
    """How ``verify`` names it found as the value of ``/S`` or ``/Subtype`` in a packet."""


ACTIVE: dict[str, Active] = {
    "/JS": Active("JavaScript", "JavaScript"),
    "/JavaScript": Active("JavaScript", "JavaScript", "JavaScript"),
    "/Launch": Active("commands that start programs", None, "a command that starts a program"),
    "/EmbeddedFile": Active("attached files"),
    "/EmbeddedFiles": Active("attached files"),
    "/FileAttachment": Active("attached files", None, "an attached file"),
    "/AF": Active("attached files", "associated files"),
    "/URI": Active("web links", None, "a web link"),
    "/SubmitForm": Active("form actions", None, "a form submission"),
    "/ImportData": Active("form actions", None, "a data import"),
    "/GoToR": Active("links to other files", None, "a link to another file"),
    "/GoToE": Active("links to other files", None, "a link into an attached file"),
    "/RichMedia": Active("media", None, "media"),
    "/Screen": Active("media", None, "media"),
    "/Movie": Active("media", None, "media"),
    "/Sound": Active("media", None, "media"),
    "/XFA": Active("XFA form", "an XFA form"),
    "/OpenAction": Active("automatic actions", "an action run on opening"),
    "/AA": Active("automatic actions", "automatic actions"),
    "/A": Active(None, "an action"),
    "/AcroForm": Active(None, "a live form"),
    "/RichMediaContent": Active(None, "media"),
    "/Widget": Active(None, None, "a live form field"),
}

REMOVED = {name: a.removed for name, a in ACTIVE.items() if a.removed}
"""What a reader is told was removed from a record, by the PDF key or name revealing it."""
PACKET_KEYS = {name: a.packet_key for name, a in ACTIVE.items() if a.packet_key}
"""Keys a packet may never contain (sopacket's own pages have none), and their words."""
PACKET_NAMES = {name: a.packet_name for name, a in ACTIVE.items() if a.packet_name}
"""Action and annotation types a packet may never contain, and their words."""
