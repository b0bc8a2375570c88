"""``sopacket add``: add a record, medication, question or allergy to a packet file,
keeping its comments."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from .params import PacketArg

HELP = "Add a record, medication, question or allergy to a packet, keeping your comments."


def _do_add(packet: Path, section: str, entry: dict[str, Any]) -> None:
    from ..packetfile.edit import add_entry
    from . import display

    display.added(add_entry(packet, section, entry))


def record(
    ctx: typer.Context,
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
    from ..packetfile import edit
    from . import display

    entry = {
        "title": title,
        "kind": kind,
        "date": date,
        "source": source,
        "pages": pages,
        "password": password_from,
    }
    display.added(edit.add_record(packet, file, entry, copy=copy))


def medication(
    ctx: typer.Context,
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


def question(
    ctx: typer.Context,
    packet: PacketArg,
    text: Annotated[str, typer.Argument(help="The question, in quotes.")],
    priority: Annotated[str, typer.Option(help="high, normal or low.")] = "normal",
) -> None:
    """Add a question for the reviewing specialist.

    Example: `sopacket add question packet.yaml "Is surgery necessary?" --priority high`
    """
    _do_add(packet, "questions", {"text": text, "priority": priority})


def allergy(
    ctx: typer.Context,
    packet: PacketArg,
    substance: Annotated[str, typer.Option(help="What you are allergic to, e.g. Penicillin.")],
    reaction: Annotated[str | None, typer.Option(help="What happens, e.g. hives.")] = None,
) -> None:
    """Add an allergy or intolerance.

    Example: `sopacket add allergy packet.yaml --substance Penicillin --reaction hives`
    """
    _do_add(packet, "allergies", {"substance": substance, "reaction": reaction})


COMMANDS: dict[str, Callable[..., Any]] = {
    "record": record,
    "medication": medication,
    "question": question,
    "allergy": allergy,
}
