"""``sopacket check``: what the packet still needs, against a checklist."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import ExitCode
from . import results
from .env import of
from .params import (
    BaseDirOption,
    FitOption,
    JsonOption,
    MaxSizeOption,
    NoRecompressOption,
    RecordMemoryOption,
    RecordTimeOption,
)


def check(
    ctx: typer.Context,
    packet: Annotated[
        str | None,
        typer.Argument(
            help="The packet file or its folder (default: packet.yaml in the current "
            "folder), or - to read it from standard input.",
            show_default=False,
        ),
    ] = None,
    checklist: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="A built-in checklist (general, oncology, cardiology, orthopedics, neurology) "
            "or a checklist file. Default: the packet's specialty, else general.",
        ),
    ] = None,
    json_output: JsonOption = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Recommended items count as required too.")
    ] = False,
    every_item: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Show every checklist item with why it matters (default: the verdict and "
            "the first few things to do).",
        ),
    ] = False,
    max_size: MaxSizeOption = None,
    fit: FitOption = None,
    no_recompress: NoRecompressOption = False,
    base_dir: BaseDirOption = None,
    record_time_limit: RecordTimeOption = 60.0,
    record_memory_limit: RecordMemoryOption = 2048,
) -> int:
    """Check the packet against a preparation checklist and say what is missing.

    Shows the verdict and the first few things to do; --all shows the whole checklist.

    Exit codes: 0 ready, 1 not ready, 2 the file cannot be evaluated.

    Example: `sopacket check packet.yaml`
    """
    from ..checking.check import check_file
    from ..options import record_access, size_budget
    from ..packaging.fit import forecast
    from ..packetfile.loader import packet_path
    from .prompts import record_asker

    env = of(ctx)
    settings = env.settings()
    limit = size_budget(max_size, fit, no_recompress, settings.presets)
    access = record_access(base_dir, record_time_limit, record_memory_limit, record_asker(env))
    report = check_file(
        packet_path(packet), checklist, strict=strict, access=access, fallback=settings.checklist
    )
    size = forecast(report, limit) if limit else None
    if json_output:
        results.check_json(report, size)
    if report.urgent_symptoms or not json_output:  # urgent symptoms are said to a person
        from . import display

        display.checked(report, size, limit, json_output, every_item)
    return ExitCode.OK if report.ready else ExitCode.NOT_READY
