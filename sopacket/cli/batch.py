"""``sopacket batch``: many packets at once, for clinic staff."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .env import of
from .params import (
    BaseDirOption,
    FitOption,
    JsonOption,
    MaxSizeOption,
    NoRecompressOption,
    RecordMemoryOption,
    RecordTimeOption,
    SignOption,
    SignPasswordFileOption,
)

PathsArg = Annotated[
    list[Path],
    typer.Argument(help="Packet files, or folders searched for packet files.", metavar="PATH..."),
]
OutputDirOption = Annotated[
    Path | None,
    typer.Option(
        "--output-dir",
        "-o",
        metavar="FOLDER",
        help="Where the packets go, each named by its id (default: the config file's output_dir).",
        file_okay=False,
    ),
]
KeyringOption = Annotated[
    bool,
    typer.Option("--keyring", help="Use each packet's password stored in the OS keyring."),
]
GenerateOption = Annotated[
    bool,
    typer.Option(
        "--generate-password",
        help="Use each packet's stored password, and where none is stored make a new "
        "one, stored in the OS keyring under its id before the packet is built.",
    ),
]
NewPasswordsOption = Annotated[
    bool,
    typer.Option(
        "--new-passwords",
        help="Give every packet a new password, replacing the stored one once the packet "
        "is written (all are built again; copies written earlier open only with the old).",
    ),
]
ReportPathsOption = Annotated[
    bool,
    typer.Option(
        "--report-paths",
        help="Also name the packet and record files in the report, --json and table "
        "(folder and file names often hold patients' names).",
    ),
]
JobsOption = Annotated[
    int | None,
    typer.Option("--jobs", "-j", metavar="N", help="Packets built at once (default: CPUs).", min=1),
]
ReportOption = Annotated[
    Path | None,
    typer.Option("--report", metavar="FILE", help="Also write a report: FILE.json or FILE.csv."),
]
ShardOption = Annotated[
    str | None,
    typer.Option(
        "--shard",
        metavar="K/N",
        help="K/N: build only the packets whose id falls in shard K of N (a stable "
        "hash), to spread a large export over N machines.",
    ),
]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Build even packets that are up to date.")
]
AllowIncompleteOption = Annotated[
    bool,
    typer.Option(
        "--allow-incomplete", help="Build packets missing required items (covers say so)."
    ),
]
ChecklistOption = Annotated[
    str | None,
    typer.Option(help="Checklist name or file (default: config, specialty).", metavar="NAME"),
]
PaperOption = Annotated[
    str | None, typer.Option(help="letter or a4 (default: config).", metavar="SIZE")
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")]


def batch(
    ctx: typer.Context,
    paths: PathsArg,
    output_dir: OutputDirOption = None,
    use_keyring: KeyringOption = False,
    generate_password: GenerateOption = False,
    new_passwords: NewPasswordsOption = False,
    jobs: JobsOption = None,
    report: ReportOption = None,
    report_paths: ReportPathsOption = False,
    shard: ShardOption = None,
    force: ForceOption = False,
    allow_incomplete: AllowIncompleteOption = False,
    checklist: ChecklistOption = None,
    paper: PaperOption = None,
    max_size: MaxSizeOption = None,
    fit: FitOption = None,
    no_recompress: NoRecompressOption = False,
    base_dir: BaseDirOption = None,
    record_time_limit: RecordTimeOption = 60.0,
    record_memory_limit: RecordMemoryOption = 2048,
    quiet: QuietOption = False,
    json_output: JsonOption = False,
    sign: SignOption = None,
    sign_password_file: SignPasswordFileOption = None,
) -> int:
    """Build many packets at once, in parallel, for clinic staff.

    Each packet builds in its own process into OUTDIR/ID.pdf; one failure never stops the
    batch. Packets whose output is newer than their file and records are skipped unless
    --force. Rows name packets by id and records by number (not by file, unless
    --report-paths). One batch at a time per OUTDIR. Exit codes: 0 all built or up to
    date, 1 any failed or incomplete, 2 usage, 3 OUTDIR in use by another batch, 5 no
    keyring, 130 stopped by Ctrl-C, 143 by SIGTERM (run it again to finish).

    Example: `sopacket batch examples/batch -o packets --keyring --report report.csv`
    """
    from .. import batch as batch_lib
    from .. import options
    from . import display, live
    from .build import signing_key

    env = of(ctx)
    settings = env.settings()
    out = batch_lib.output_folder(output_dir, settings.output_dir)
    limit = options.size_budget(max_size, fit, no_recompress, settings.presets)
    mode = batch_lib.password_mode(use_keyring, generate_password, new_passwords)
    if report is not None:
        batch_lib.check_report(report, out)
    access = options.record_access(base_dir, record_time_limit, record_memory_limit)
    chosen_shard = batch_lib.parse_shard(shard) if shard else None
    signing = signing_key(env, sign, sign_password_file)
    each = options.BuildOptions(
        paper=options.paper_size(paper, settings.paper),
        allow_incomplete=allow_incomplete,
        checklist=checklist,
        fallback_checklist=settings.checklist,
        clinic=settings.clinic,
        access=access,
        budget=limit,
        sign=signing,
    )
    batch_options = batch_lib.BatchOptions(
        out, each, mode, jobs, force, chosen_shard, report_paths=report_paths
    )
    if report_paths:
        display.err.print(
            "Warning: --report-paths puts the packet and record file names in the report "
            "and the output; they often hold patients' names. Keep the report as private "
            "as the records.",
            markup=False,
        )
    with live.progress(env, quiet or json_output, live.STATUSES) as bar:
        result = batch_lib.run_from_keyring(paths, batch_options, bar)
    if report is not None:
        batch_lib.write_report(result, report)
    display.batch_done(result, report, json_output)
    return result.exit_code
