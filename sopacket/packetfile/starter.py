"""Start a new packet: a commented ``packet.yaml``, an empty ``records/`` folder, and the
JSON Schema that editors use to validate and complete the file.

The starter packet is ``templates/starter.yaml``; each template in ``templates/packets``
adds its specialty and comment blocks saying what that specialty's reviewer needs.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import output, resources
from ..errors import OutputError, UsageError

PACKET_FILE = "packet.yaml"
SCHEMA_FILE = "packet.schema.json"
RECORDS_DIR = "records"


@dataclass(frozen=True)
class InitResult:
    packet: Path
    records: Path
    schema: Path
    template: str
    packet_id: str


def template_names() -> list[str]:
    return resources.names("packets")


def _hints(name: str) -> dict[str, object]:
    data = yaml.safe_load(resources.read("packets", name))
    return data if isinstance(data, dict) else {}


def new_packet_id() -> str:
    """A random packet id: it names keyring entries and batch files, never the patient."""
    return f"sop-{secrets.token_hex(4)}"


def render(template: str = "general", packet_id: str | None = None) -> str:
    """The text of a starter packet for ``template``."""
    if template not in template_names():
        raise UsageError(
            f"there is no template named '{template}'.",
            f"Choose one of: {', '.join(template_names())}.",
        )
    hints = _hints(template)
    text = resources.templates().joinpath("starter.yaml").read_text(encoding="utf-8")
    specialty = str(hints.get("specialty") or "")
    text = text.replace("specialty: __SPECIALTY__", f"specialty: {specialty}".rstrip())
    text = text.replace("__PACKET_ID__", packet_id or new_packet_id())
    for key in ("records", "questions"):
        block = str(hints.get(key) or "").rstrip("\n")
        marker = f"__{key.upper()}_HINT__\n"
        text = text.replace(marker, block + "\n" if block else "")
    return text


def init(folder: Path, template: str = "general", *, force: bool = False) -> InitResult:
    """Write a starter packet into ``folder`` (created if needed). The template's name
    is matched without regard to case (``Oncology``), as choices in the packet file are."""
    template = template.strip().lower()
    packet_id = new_packet_id()
    text = render(template, packet_id)
    packet = folder / PACKET_FILE
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} is a file, not a folder.", "Give a folder for the packet.")
    if packet.exists() and not force:
        raise OutputError(
            f"{packet} already exists.",
            "Use --force to replace it (its content will be lost), or choose another folder.",
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / RECORDS_DIR).mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create {folder} ({exc.strerror}).", "Choose a folder you can write to."
        ) from None
    from .model import json_schema

    output.write_text(folder / SCHEMA_FILE, json.dumps(json_schema(), indent=2) + "\n", 0o644)
    # The packet file will hold health information: readable by its owner only.
    output.write_text(packet, text, output.OWNER_ONLY)
    return InitResult(packet, folder / RECORDS_DIR, folder / SCHEMA_FILE, template, packet_id)
