"""``sopacket build``: the encrypted packet PDF, with its password handled safely."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .env import Environment, of
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

if TYPE_CHECKING:
    from ..build import BuildResult
    from ..packaging.sign import SignWith
    from ..passwords import BuildPassword

PacketOrStdin = Annotated[
    str | None,
    typer.Argument(
        help="The packet file or its folder (default: packet.yaml in the current folder), "
        "or - to read it from standard input.",
        show_default=False,
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Where to write the PDF (default: second-opinion-packet-DATE.pdf beside the "
        "packet file).",
    ),
]
PaperOption = Annotated[
    str | None,
    typer.Option(
        metavar="SIZE",
        help="Paper size of sopacket's own pages and of images: letter or a4 "
        "(default: the config file's, else letter).",
    ),
]
PasswordStdinOption = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
]
PasswordFileOption = Annotated[
    Path | None,
    typer.Option(
        "--password-file",
        metavar="FILE",
        help="Read the password from the first line of this file (only you may read it).",
    ),
]
KeyringOption = Annotated[
    bool,
    typer.Option(
        "--keyring",
        help="Use the password stored in the OS keyring for this packet (with "
        "--generate-password: store the new one there).",
    ),
]
GenerateOption = Annotated[
    bool,
    typer.Option(
        "--generate-password",
        help="Make a new strong passphrase, shown once on the terminal.",
    ),
]
AllowWeakOption = Annotated[
    bool,
    typer.Option(
        "--allow-weak-password",
        help="Accept a weak password (with a warning), when a portal imposes one.",
    ),
]
AllowIncompleteOption = Annotated[
    bool,
    typer.Option(
        "--allow-incomplete",
        help="Build even if required items are missing (the cover lists them).",
    ),
]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace an existing output file.")]
ChecklistOption = Annotated[
    str | None, typer.Option(help="Checklist name or file (default: by specialty).", metavar="NAME")
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]


def build(
    ctx: typer.Context,
    packet: PacketOrStdin = None,
    output: OutputOption = None,
    paper: PaperOption = None,
    stdin: PasswordStdinOption = False,
    pw_file: PasswordFileOption = None,
    keyring: KeyringOption = False,
    generate: GenerateOption = False,
    weak: AllowWeakOption = False,
    allow_incomplete: AllowIncompleteOption = False,
    force: ForceOption = False,
    checklist: ChecklistOption = None,
    quiet: QuietOption = False,
    max_size: MaxSizeOption = None,
    fit: FitOption = None,
    no_recompress: NoRecompressOption = False,
    json_output: JsonOption = False,
    base_dir: BaseDirOption = None,
    record_time_limit: RecordTimeOption = 60.0,
    record_memory_limit: RecordMemoryOption = 2048,
    sign: SignOption = None,
    sign_password_file: SignPasswordFileOption = None,
) -> None:
    """Build the encrypted PDF packet, ready to upload.

    Runs the check first: a packet missing required items is not built (exit 1) unless
    --allow-incomplete. The password comes from --generate-password, --password-stdin,
    --password-file, --keyring (in that order of precedence) or a hidden prompt; it is
    never taken on the command line.

    Example: `sopacket build packet.yaml` (asks for the password), or, from a script:

    `printf '%s\\n' "$PW" | sopacket build packet.yaml --password-stdin -o packet.pdf`
    """
    from .. import options
    from ..build import build as build_packet
    from ..packetfile.loader import packet_path
    from . import display, live, prompts

    packet = packet_path(packet)
    env = of(ctx)
    settings = env.settings()
    chosen_paper = options.paper_size(paper, settings.paper)
    limit = options.size_budget(max_size, fit, no_recompress, settings.presets)
    policy = _password(env, packet, stdin, pw_file, keyring, generate, weak)
    signing = signing_key(env, sign, sign_password_file)
    with live.progress(env, quiet or json_output) as bar:
        build_options = options.BuildOptions(
            output=output,
            paper=chosen_paper,
            allow_incomplete=allow_incomplete,
            force=force,
            checklist=checklist,
            fallback_checklist=settings.checklist,
            clinic=settings.clinic,
            access=options.record_access(
                base_dir, record_time_limit, record_memory_limit, prompts.record_asker(env, bar)
            ),
            allow_weak_password=weak,  # judged (and warned about) as it is obtained
            budget=limit,
            sign=signing,
        )
        result = build_packet(packet, prompts.packet_password(policy, bar), build_options, bar)
    _keep_generated(env, policy, result)
    display.built(result, json_output)
    _warn_if_large(result)


UPLOAD_LIMIT = 20_000_000
"""Bytes over which many upload portals and e-mail refuse a file (they take 10-25 MB)."""


def _warn_if_large(result: BuildResult) -> None:
    """Built without a size limit and larger than uploads commonly take: say so, and how
    to make it fit (the packet is written all the same)."""
    from ..packaging.fit import show_size
    from . import display

    biggest = max(v.bytes for v in result.volumes)
    if result.budget is not None or biggest <= UPLOAD_LIMIT:
        return
    display.err.print(
        f"[yellow]Warning:[/] the packet is {show_size(biggest)}, larger than many upload "
        "portals and e-mail accept (often 20-25 MB). To fit, build it again with "
        "--fit portal (20 MB) or --fit email (10 MB), or --max-size 25MB: images are "
        "recompressed and the packet is cut into parts that each fit."
    )


def signing_key(
    env: Environment, key: Path | None, passphrase_file: Path | None
) -> SignWith | None:
    """``--sign KEY.p12`` checked (its passphrase from the file, the environment or a
    hidden prompt), before any work (build and batch)."""
    import os

    from .. import options

    def ask() -> str:
        import getpass

        try:
            return getpass.getpass(f"Passphrase of the signing key {key}: ")
        except EOFError:
            return ""

    return options.signing(key, passphrase_file, os.environ, ask if env.person else None)


def _password(
    env: Environment,
    packet: str,
    stdin: bool,
    file: Path | None,
    keyring: bool,
    generate: bool,
    allow_weak: bool,
) -> BuildPassword:
    """The build's password policy, checked before the work (see BuildPassword)."""
    from .. import passwords
    from . import prompts

    return passwords.BuildPassword(
        passwords.PasswordOptions(
            stdin=stdin, file=file, keyring=keyring, generate=generate, allow_weak=allow_weak
        ),
        packet_on_stdin=packet == "-",
        terminal=env.stderr_isatty,
        on_retry=prompts.say_retry,
    )


def _keep_generated(env: Environment, policy: BuildPassword, result: BuildResult) -> None:
    """A generated password: stored (with --keyring) now that the packet is written, and
    shown once; if it cannot be stored, shown all the same (it must not be lost)."""
    from rich.markup import escape

    from ..errors import KeyringError
    from . import display

    new = policy.generated
    if new is None:
        return
    try:
        replaced = policy.keep(result.packet_id)
    except KeyringError:
        display.generated(
            new.value, terminal=env.stderr_isatty, stored=False, packet_id=result.packet_id
        )
        raise
    if replaced:
        display.err.print(
            f"[yellow]Note:[/] replaced the password stored for packet {escape(result.packet_id)}."
        )
    stored = policy.options.keyring
    display.generated(
        new.value, terminal=env.stderr_isatty, stored=stored, packet_id=result.packet_id
    )
