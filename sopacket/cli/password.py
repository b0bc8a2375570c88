"""``sopacket password``: packet passwords in the OS keyring."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from . import results
from .params import IdArg, JsonOption

HELP = "Store, make, show and forget packet passwords in the OS keyring."


def set_(
    ctx: typer.Context,
    packet_id: IdArg,
    from_stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the password from standard input.")
    ] = False,
    allow_weak_password: Annotated[
        bool, typer.Option("--allow-weak-password", help="Accept a weak password.")
    ] = False,
) -> None:
    """Store a password for a packet in the OS keyring (asked twice at a hidden prompt).

    For a protected record with `password: keyring`, the id is record:FILE-NAME.

    Example: `sopacket password set sop-3f9a1c2e`
    """
    from .. import keystore, passwords
    from . import display
    from .prompts import say_retry

    pw = passwords.for_keyring(
        packet_id, stdin=from_stdin, allow_weak=allow_weak_password, on_retry=say_retry
    )
    for note in pw.warnings:
        display.err.print(f"Warning: {note}", markup=False)
    replaced = keystore.store(packet_id, pw.value)
    verb = "Replaced" if replaced else "Stored"
    what = "the protected record entry" if packet_id.startswith("record:") else "packet"
    display.err.print(
        f"{verb} the password for {what} {packet_id} in the OS keyring.", markup=False
    )


def generate(
    ctx: typer.Context,
    packet_id: Annotated[
        str | None, typer.Argument(help="Store it for this packet id too (optional).")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Make a new strong password (80 bits); with a packet id, also store it.

    Example: `sopacket password generate sop-3f9a1c2e`
    """
    from .. import keystore, passwords
    from . import display

    value = passwords.generate_passphrase()
    if packet_id:
        replaced = keystore.store(packet_id, value)
        verb = "Replaced the stored password" if replaced else "Stored it"
        display.err.print(f"{verb} for packet {packet_id} in the OS keyring.", markup=False)
    elif not json_output:
        display.err.print(
            "To use it, store it for a packet with `sopacket password set ID`, or build "
            "with --generate-password instead.",
            markup=False,
        )
    if json_output:
        results.json_document({"password": value, "stored_for": packet_id}, indent=False)
    else:
        typer.echo(value)


def show(ctx: typer.Context, packet_id: IdArg, json_output: JsonOption = False) -> None:
    """Print a packet's stored password, to read it to the recipient.

    Example: `sopacket password show sop-3f9a1c2e`
    """
    from .. import keystore

    value = keystore.fetch(packet_id)
    if json_output:
        results.json_document({"id": packet_id, "password": value}, indent=False)
    else:
        typer.echo(value)


def forget(ctx: typer.Context, packet_id: IdArg) -> None:
    """Remove a packet's password from the OS keyring (exit 0 also when none was stored).

    Example: `sopacket password forget sop-3f9a1c2e`
    """
    from .. import keystore
    from . import display

    if keystore.forget(packet_id):
        display.err.print(f"Forgot the password of packet {packet_id}.", markup=False)
    else:
        display.err.print(
            f"Nothing was stored for packet {packet_id}: there is nothing to forget.",
            markup=False,
        )


def list_(ctx: typer.Context, json_output: JsonOption = False) -> None:
    """List the packet ids that have a stored password (where the keyring allows it).

    Example: `sopacket password list`
    """
    from .. import keystore

    ids = keystore.list_ids()
    if json_output:
        results.json_document({"ids": ids}, indent=False)
    elif ids:
        typer.echo("\n".join(ids))
    else:
        from . import display

        display.err.print("No packet passwords are stored in the OS keyring.")


COMMANDS: dict[str, Callable[..., Any]] = {
    "set": set_,
    "generate": generate,
    "show": show,
    "forget": forget,
    "list": list_,
}
