"""Options and arguments that several commands share, declared once (help texts included)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

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
        metavar="FOLDER",
        help="Read record files only from inside this folder (links resolved): for files "
        "you did not write yourself.",
        file_okay=False,
    ),
]
RecordTimeOption = Annotated[
    float,
    typer.Option(
        "--record-time-limit",
        help="Seconds allowed to read each record file (at least 1).",
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

SignOption = Annotated[
    Path | None,
    typer.Option(
        "--sign",
        metavar="KEY.p12",
        help="Sign the packet (in batch: every packet) with the clinic's key and "
        "certificate in this PKCS#12 file (.p12/.pfx), so that verify can show who sent it "
        "(needs pip install 'sopacket[sign]').",
        exists=True,
        dir_okay=False,
    ),
]
SignPasswordFileOption = Annotated[
    Path | None,
    typer.Option(
        "--sign-password-file",
        metavar="FILE",
        help="Read the signing key's passphrase from the first line of this file (only you "
        "may read it); else $SOPACKET_SIGN_PASSWORD, else a hidden prompt.",
    ),
]


PacketArg = Annotated[
    str | None,
    typer.Argument(
        help="The packet file, or its folder (default: packet.yaml in the current folder).",
        show_default=False,
    ),
]
PacketFirstArg = Annotated[
    str | None,
    typer.Argument(
        help="The packet file, or its folder; leave it out inside the packet's folder.",
        show_default=False,
        metavar="[PACKET]",
    ),
]
"""A packet argument before another argument: given alone, that one is the other."""
IdArg = Annotated[str, typer.Argument(help="The packet's id (its `id:` line).")]


# --- plain help: every value shown by a plain name, never an internal type ----------------


def _plain_metavar(param: Any) -> str:
    """What help shows for a parameter's value: nothing for an on/off flag (``--strict``
    takes no value), else its name in capitals (``--checklist CHECKLIST``); a declaration's
    own ``metavar=`` wins. Typer would show its internal types (``<bool>``, ``<list[Path]>``)."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return ""
    return str(param.name or "value").upper()


_SWITCH_WORDS = {"true", "false", "yes", "no", "on", "off", "1", "0"}


def _no_type(ctx: Any = None) -> None:
    return None


def _no_range() -> None:
    return None


class _Plain:
    """Mixed into typer's command and group classes: plain metavars, and a usage line
    written ``sopacket check [OPTIONS] PACKET`` (typer writes ``{packet}``)."""

    def get_params(self, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if param.metavar is None:
                param.metavar = _plain_metavar(param)
                param.plain_derived = True
            if getattr(param, "param_type_name", "") == "argument":
                # typer shows an argument's internal type beside its name: its name is enough
                param.display_type_rich = _no_type
            # click's "[x>=1]" beside the metavar: the option's help says its bounds in words
            param._get_number_range_help_str = _no_range
        return params

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """A switch given a value (``--strict true``) is told so, rather than the value
        being taken for the next argument (``true: this file does not exist``)."""
        switches = {
            name
            for param in getattr(self, "params", ())
            if getattr(param, "is_flag", False)
            for name in (*param.opts, *param.secondary_opts)
        }
        for name, value in itertools.pairwise(args):
            if name in switches and value.lower() in _SWITCH_WORDS:
                raise typer.BadParameter(
                    f"it is a switch and takes no value: write {name} alone to turn "
                    "it on, and leave it out for off.",
                    param_hint=name,
                )
        return super().parse_args(ctx, args)  # type: ignore[misc]

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        options: str | None = getattr(self, "options_metavar", None)
        pieces = [options] if options else []
        for param in self.get_params(ctx):
            if getattr(param, "param_type_name", "") != "argument":
                pieces.extend(param.get_usage_pieces(ctx))
                continue
            if not getattr(param, "plain_derived", False):  # declared as it is to be shown
                pieces.append(param.metavar)
                continue
            name = param.metavar if param.required else f"[{param.metavar}]"
            pieces.append(name + ("..." if param.nargs != 1 else ""))
        return pieces


class PlainCommand(_Plain, TyperCommand):
    """A command whose help shows plain metavars (see :class:`_Plain`)."""


class PlainGroup(_Plain, TyperGroup):
    """A command group whose help shows plain metavars (see :class:`_Plain`)."""
