"""``sopacket add``: add a record, medication, question, allergy, symptom or condition to a
packet file, keeping its comments."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import UsageError
from .params import PacketArg, PacketFirstArg

HELP = (
    "Add a record, medication, question, allergy, symptom or condition to a packet, "
    "keeping your comments."
)

DuplicateOption = Annotated[
    bool,
    typer.Option(
        "--duplicate", help="Add it even if the packet already lists the same entry (or file)."
    ),
]


def _do_add(packet: str | None, section: str, entry: dict[str, Any], duplicate: bool) -> None:
    from ..packetfile.edit import add_entry
    from ..packetfile.loader import packet_path
    from . import display

    display.added(add_entry(packet_path(packet), section, entry, duplicate=duplicate))


_EXAMPLES = {
    "record file": 'record records/report.pdf --title "Biopsy report"',
    "question": 'question "Do I need chemotherapy?"',
    "symptom": 'symptom "Short of breath on stairs"',
    "condition": 'condition "Type 2 diabetes"',
}


def _shifted(packet: str | None, second: str | None, what: str) -> tuple[str | None, str]:
    """(packet, second argument): given one argument only, it is the second one, and the
    packet is the current folder's."""
    if second is None:
        packet, second = None, packet
    if second is None:
        example = _EXAMPLES.get(what, "...")
        raise UsageError(
            f"the {what} is missing.",
            f"Give it, e.g. `sopacket add {example}` in the packet's folder "
            "(elsewhere, after the packet file).",
        )
    return packet, second


def record(
    ctx: typer.Context,
    title: Annotated[str, typer.Option(help="What the record is, e.g. 'Biopsy report'.")],
    packet: PacketFirstArg = None,
    file: Annotated[
        str | None,
        typer.Argument(
            help="The record: a PDF, JPEG, PNG or TIFF file.", show_default=False, metavar="FILE"
        ),
    ] = None,
    kind: Annotated[
        str,
        typer.Option(
            help="pathology, imaging, lab, visit_note, discharge_summary, operative_report, "
            "genetic, medication_history or other.",
            metavar="KIND",
        ),
    ] = "other",
    date: Annotated[
        str | None, typer.Option(help="Date of the record, YYYY-MM-DD.", metavar="DATE")
    ] = None,
    source: Annotated[
        str | None, typer.Option(help="Who issued it, e.g. the hospital.", metavar="WHO")
    ] = None,
    pages: Annotated[
        str | None,
        typer.Option(help='Only these pages, e.g. "1-3,5" (default: all).', metavar="PAGES"),
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
            metavar="SOURCE",
        ),
    ] = None,
    duplicate: DuplicateOption = False,
) -> None:
    """Add a record file to the packet. Its path is written relative to the packet file,
    so the folder can be moved or shared as a whole.

    Example: `sopacket add record packet.yaml records/cbc.pdf --title "Blood count" --kind lab
    --date 2026-09-05` (inside the packet's folder: `sopacket add record records/cbc.pdf ...`)
    """
    from ..packetfile import edit
    from ..packetfile.loader import packet_path
    from . import display

    packet, file = _shifted(packet, file, "record file")
    entry = {
        "title": title,
        "kind": kind,
        "date": date,
        "source": source,
        "pages": pages,
        "password": password_from,
    }
    result = edit.add_record(packet_path(packet), Path(file), entry, copy=copy, duplicate=duplicate)
    display.added(result)


def medication(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="The medication, e.g. Tamoxifen.", metavar="NAME")],
    packet: PacketArg = None,
    dose: Annotated[str | None, typer.Option(help="e.g. '20 mg'.", metavar="DOSE")] = None,
    frequency: Annotated[
        str | None, typer.Option(help="e.g. 'once daily'.", metavar="HOW_OFTEN")
    ] = None,
    route: Annotated[
        str | None, typer.Option(help="e.g. oral, injection, inhaled.", metavar="ROUTE")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="What it is for.", metavar="TEXT")] = None,
    prescriber: Annotated[
        str | None, typer.Option(help="Who prescribed it.", metavar="WHO")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Taken since: YYYY-MM-DD, YYYY-MM or YYYY.", metavar="DATE"),
    ] = None,
    duplicate: DuplicateOption = False,
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
    _do_add(packet, "medications", entry, duplicate)


def question(
    ctx: typer.Context,
    packet: PacketFirstArg = None,
    text: Annotated[
        str | None,
        typer.Argument(help="The question, in quotes.", show_default=False, metavar="TEXT"),
    ] = None,
    priority: Annotated[
        str, typer.Option(help="high, normal or low.", metavar="PRIORITY")
    ] = "normal",
    duplicate: DuplicateOption = False,
) -> None:
    """Add a question for the reviewing specialist.

    Example: `sopacket add question packet.yaml "Is surgery necessary?" --priority high`
    """
    packet, text = _shifted(packet, text, "question")
    _do_add(packet, "questions", {"text": text, "priority": priority}, duplicate)


def allergy(
    ctx: typer.Context,
    substance: Annotated[
        str, typer.Option(help="What you are allergic to, e.g. Penicillin.", metavar="NAME")
    ],
    packet: PacketArg = None,
    reaction: Annotated[
        str | None, typer.Option(help="What happens, e.g. hives.", metavar="TEXT")
    ] = None,
    duplicate: DuplicateOption = False,
) -> None:
    """Add an allergy or intolerance.

    Example: `sopacket add allergy packet.yaml --substance Penicillin --reaction hives`
    """
    _do_add(packet, "allergies", {"substance": substance, "reaction": reaction}, duplicate)


SinceOption = Annotated[
    str | None,
    typer.Option(
        help="Since when: YYYY-MM-DD, YYYY-MM or YYYY, or in words (e.g. 'last month').",
        metavar="WHEN",
    ),
]


def symptom(
    ctx: typer.Context,
    packet: PacketFirstArg = None,
    text: Annotated[
        str | None,
        typer.Argument(
            help="The symptom, in quotes, e.g. 'Tired after short walks'.",
            show_default=False,
            metavar="TEXT",
        ),
    ] = None,
    since: SinceOption = None,
    urgent: Annotated[
        bool,
        typer.Option("--urgent", help="It needs urgent attention (then seek in-person care now)."),
    ] = False,
    duplicate: DuplicateOption = False,
) -> None:
    """Add a symptom you have now.

    Example: `sopacket add symptom packet.yaml "Tired after short walks" --since "last month"`
    """
    packet, text = _shifted(packet, text, "symptom")
    entry = {"text": text, "since": since, "urgent": urgent or None}
    _do_add(packet, "symptoms", entry, duplicate)


def condition(
    ctx: typer.Context,
    packet: PacketFirstArg = None,
    name: Annotated[
        str | None,
        typer.Argument(
            help="The condition, e.g. 'Type 2 diabetes'.", show_default=False, metavar="NAME"
        ),
    ] = None,
    since: SinceOption = None,
    duplicate: DuplicateOption = False,
) -> None:
    """Add another condition you have or had (your medical history).

    Example: `sopacket add condition packet.yaml "Type 2 diabetes" --since 2019`
    """
    packet, name = _shifted(packet, name, "condition")
    _do_add(packet, "conditions", {"name": name, "since": since}, duplicate)


COMMANDS: dict[str, Callable[..., Any]] = {
    "record": record,
    "medication": medication,
    "question": question,
    "allergy": allergy,
    "symptom": symptom,
    "condition": condition,
}
