"""Hidden prompts: a protected record's password, a packet's password, and why a typed
password was refused. Each pauses the live display while it asks (a redrawn bar would
wipe the prompt). The library decides what to ask; these only ask and tell."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .env import Environment
from .live import Display, Unseen

if TYPE_CHECKING:
    from ..errors import PasswordError
    from ..passwords import BuildPassword, PacketSource, Password


def record_asker(
    env: Environment, bar: Display | None = None
) -> Callable[[str], str | None] | None:
    """A function that asks for a protected record's password at a hidden prompt (with
    the display paused), or None when no one is at a terminal to answer (a script)."""
    if not env.person:
        return None
    shown = bar or Unseen()

    def ask(record: str) -> str | None:
        import getpass

        with shown.paused():
            try:
                return getpass.getpass(f"Password of the protected record {record}: ") or None
            except EOFError:
                return None

    return ask


def packet_password(policy: BuildPassword, bar: Display) -> PacketSource:
    """The packet's password when the build asks for it (the display paused meanwhile),
    judged against the packet's words, with its warnings shown."""
    return _Shown(policy, bar)


class _Shown:
    """A :class:`PacketSource` that asks with the display paused and shows the warnings."""

    def __init__(self, policy: BuildPassword, bar: Display) -> None:
        self.policy, self.bar = policy, bar

    def for_packet(self, packet_id: str, words: tuple[str, ...]) -> Password:
        from rich.markup import escape

        from . import display

        with self.bar.paused():
            pw = self.policy.for_packet(packet_id, words)
        for note in pw.warnings:
            display.err.print(f"[yellow]Warning:[/] {escape(note)}")
        return pw


def say_retry(exc: PasswordError) -> None:
    """Why the typed password was refused, before the prompt asks again."""
    from . import display

    message = f"{exc.message} {exc.fix} Try again.".replace(" Run the command again.", "")
    display.err.print(message[:1].upper() + message[1:], markup=False)
