"""Options and arguments that several commands share, declared once (help texts included)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

MaxSizeOption = Annotated[
    str | None,
    typer.Option(
        "--max-size",
        metavar="SIZE",
        help="Largest file the packet may be, e.g. 25MB or 10MiB: over it, images are "
        "recompressed and the packet is cut into parts that each fit.",
    ),
]
FitOption = Annotated[
    str | None,
    typer.Option(
        "--fit",
        metavar="PRESET",
        help="A named size limit: email (10 MB) or portal (20 MB), or one from the config file.",
    ),
]
NoRecompressOption = Annotated[
    bool,
    typer.Option(
        "--no-recompress",
        help="With a size limit: never recompress images (only cut the packet into parts).",
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout (for scripts).")
]
BaseDirOption = Annotated[
    Path | None,
    typer.Option(
        "--base-dir",
        help="Read record files only from inside this folder (links resolved): for files "
        "you did not write yourself.",
        file_okay=False,
    ),
]
RecordTimeOption = Annotated[
    float,
    typer.Option(
        "--record-time-limit",
        help="Seconds allowed to read each record file.",
        min=1,
        metavar="SECONDS",
    ),
]
RecordMemoryOption = Annotated[
    int,
    typer.Option(
        "--record-memory-limit",
        help="Memory allowed to read each record file, in MiB (0: no cap).",
        min=0,
        metavar="MIB",
    ),
]


PacketArg = Annotated[
    Path,
    typer.Argument(help="The packet file (packet.yaml).", exists=True, dir_okay=False),
]
IdArg = Annotated[str, typer.Argument(help="The packet's id (its `id:` line).")]
