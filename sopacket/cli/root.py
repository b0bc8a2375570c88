"""The ``sopacket`` app: its commands, the global options, and the one place where
exceptions become messages on stderr and exit codes (:func:`_reported`).

Each command is a plain function in its own module (``cli/build.py`` ...) that parses,
builds an options object, calls the library and prints; :func:`_command` runs it inside
:func:`_reported` and turns the exit code it returns into the process's. Heavy modules
are imported inside the commands, so ``sopacket --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from .. import __version__
from ..errors import ExitCode, SopacketError
from . import add, batch, build, check, config, init, password, schema, verify
from .env import Environment, of
from .params import PlainCommand, PlainGroup

app = typer.Typer(
    name="sopacket",
    help="Prepare a checked, complete, encrypted second-opinion packet from one YAML file.\n\n"
    "Start with `sopacket init`, fill in packet.yaml, add records with `sopacket add`, "
    "and run `sopacket check` to see what is still missing.",
    no_args_is_help=True,
    cls=PlainGroup,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sopacket {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show technical details when something fails.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    config_file: Annotated[
        Path | None,
        typer.Option(
            "--config",
            metavar="FILE",
            help="The clinic's config file (default: $SOPACKET_CONFIG, else config.yaml in "
            "the user's config folder; see `sopacket config show`).",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    ctx.obj = Environment.detect(verbose=verbose, config_path=config_file)


# --- the one place where exceptions become messages and exit codes -----------------------


@contextlib.contextmanager
def _reported(env: Environment, json_output: bool = False) -> Iterator[None]:
    """Turn exceptions into a message on stderr and an exit code (the only place that does)."""
    from ..errors import PacketFileError

    try:
        yield
    except typer.Exit:
        raise
    except PacketFileError as exc:
        from . import display

        _json_error(json_output, exc.to_json())
        n = len(exc.problems)
        if n == 1 and exc.problems[0].line is None:  # the file itself: missing, unreadable
            p = exc.problems[0]
            _say_error(f"{p.where}: {p.message}", p.fix)
        else:
            heading = f"The file has {n} problem{'s' if n != 1 else ''} to fix first:"
            display.problems(heading, exc.problems)
        _exit(exc.exit_code)
    except SopacketError as exc:
        _json_error(json_output, exc.to_json())
        _say_error(exc.message, exc.fix)
        if env.verbose and exc.detail:  # a library's own words: for -v only
            from . import display

            display.err.print(f"Technical detail: {exc.detail}", markup=False)
        _exit(exc.exit_code)
    except KeyboardInterrupt as exc:
        from ..errors import stop_code

        with contextlib.suppress(OSError):
            from . import display

            display.err.print()
            display.err.print("Stopped. Nothing half-written was left behind.")
        _exit(stop_code(exc))
    except BrokenPipeError:  # stdout closed early (`| head`): the reader wants no more
        _quiet_pipe()
        _exit(ExitCode.BROKEN_PIPE)
    except OSError as exc:  # writing results or files failed: a full disk, a closed pipe
        _traceback_if(env.verbose)
        named = isinstance(exc.filename, str) and not exc.filename.startswith("<")
        what = f"{exc.filename}" if named else "the standard output (the results)"
        message = f"{what} could not be written: {exc.strerror or type(exc).__name__}."
        fix = "Check the free space and permissions, then run the command again."
        _json_error(json_output, {"type": "OutputError", "message": message, "fix": fix})
        _say_error(message, fix)
        _exit(ExitCode.OUTPUT_ERROR)
    except Exception as exc:
        _traceback_if(env.verbose)
        error = {"type": "InternalError", "message": type(exc).__name__, "fix": ""}
        _json_error(json_output, error)
        _say_error(
            f"sopacket hit an unexpected problem ({type(exc).__name__}).",
            "Run the command again with -v for details, and report it if it persists.",
        )
        _exit(ExitCode.INTERNAL_ERROR)


def _quiet_pipe() -> None:
    """stdout goes nowhere from now on, so that nothing more is said about the closed
    pipe, not even when Python flushes stdout at exit."""
    import os

    with contextlib.suppress(OSError, ValueError, AttributeError):  # not a real file
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _json_error(json_output: bool, error: Mapping[str, object]) -> None:
    """With --json, the error as the one JSON document on stdout (if stdout still works)."""
    if json_output:
        from .results import dumps

        with contextlib.suppress(OSError):
            typer.echo(dumps({"ok": False, "error": error}, indent=False))


def _traceback_if(verbose: bool) -> None:
    if verbose:
        import traceback

        traceback.print_exc()  # the stack only: local variables are never shown


def _say_error(message: str, fix: str) -> None:
    from rich.markup import escape

    from . import display

    display.err.print(f"[bold red]Error:[/] {escape(message)}")
    if fix:
        display.err.print(f"  [green]{escape(fix)}[/]")


def _exit(code: int) -> NoReturn:
    raise typer.Exit(int(code))


def _command(func: Callable[..., int | None]) -> Callable[..., None]:
    """``func`` run inside :func:`_reported`; the exit code it returns ends the process."""

    @functools.wraps(func)
    def run(**kwargs: Any) -> None:
        with _reported(of(kwargs["ctx"]), bool(kwargs.get("json_output"))):
            code = func(**kwargs)
        if code is not None:
            _exit(code)

    return run


# --- the commands, in the order --help lists them ----------------------------------------


def _register() -> None:
    for func in (init.init, check.check, verify.verify, build.build, batch.batch, schema.schema):
        app.command(cls=PlainCommand)(_command(func))
    for name, help_text, commands in (
        ("add", add.HELP, add.COMMANDS),
        ("config", config.HELP, config.COMMANDS),
        ("password", password.HELP, password.COMMANDS),
    ):
        group = typer.Typer(help=help_text, no_args_is_help=True, cls=PlainGroup)
        for sub, func in commands.items():
            group.command(sub, cls=PlainCommand)(_command(func))
        app.add_typer(group, name=name)


_register()


# --- the entry point ----------------------------------------------------------------------


_SIGNALLED: list[int] = []
"""The signals :func:`_interrupt` turned into a stop (SIGTERM, SIGHUP), in order."""


def _interrupt(signum: int, frame: object) -> None:
    from ..errors import Stopped

    _SIGNALLED.append(signum)
    raise Stopped(signum)


def _fold_help() -> None:
    """Help text folds a word longer than its column (a file name, a path) onto the next
    line instead of cutting it with "…": typer draws --help in rich tables whose columns
    cut by default, and has no setting for it. Help into a closed pipe ends quietly with
    141, as every command does (rich would exit with 1). (Done only when help may be shown: loading
    typer's help module costs every other command a seventh of a second.)"""
    from rich import columns
    from rich.table import Table
    from typer import rich_utils

    class FoldingTable(Table):
        def add_row(self, *renderables: Any, **options: Any) -> None:
            super().add_row(*renderables, **options)
            for column in self.columns:
                column.overflow = "fold"

    # typer's tables, and the grid in which rich's Columns puts an option's help beside
    # its default (only help is drawn after this: the process then ends).
    rich_utils.Table = FoldingTable  # type: ignore[misc]
    columns.Table = FoldingTable  # type: ignore[misc]

    def quietly(console: Any) -> None:  # help into a closed pipe: no "1", no message
        console.quiet = True
        _quiet_pipe()
        raise SystemExit(ExitCode.BROKEN_PIPE)

    rich_utils.Console.on_broken_pipe = quietly  # type: ignore[method-assign,assignment]


def _stopped_early(exc: KeyboardInterrupt) -> NoReturn:
    """Stopped before any command ran: nothing was written. Exit 130, or 128 + the
    signal's number."""
    from ..errors import stop_code

    with contextlib.suppress(OSError):
        print("Stopped.", file=sys.stderr)
    sys.exit(stop_code(exc))


def _main_for_scripts() -> None:
    """With --json, even a command line that cannot be parsed (an unknown option, a
    missing argument) answers with one JSON document on stdout, and exit code 2."""
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        sys.exit(ExitCode.INTERRUPTED)
    except Exception as exc:
        # Typer's (vendored) click raises usage errors carrying exit code 2.
        if getattr(exc, "exit_code", None) != 2 or not hasattr(exc, "format_message"):
            raise
        message = exc.format_message()
        _json_error(True, {"type": "UsageError", "message": message, "fix": ""})
        exc.show()  # type: ignore[attr-defined]  # for people, on stderr
        sys.exit(ExitCode.INPUT_ERROR)
    sys.exit(code if isinstance(code, int) else 0)


def main() -> None:
    """Entry point of the ``sopacket`` console script."""
    import signal

    from ..records.isolate import forbid_core_dumps

    forbid_core_dumps()  # a core file would hold the password and patient data

    # A closed terminal (SIGHUP) or a polite kill (SIGTERM) stops like Ctrl-C: temporary
    # files are removed and nothing half-written is left; the exit code is 128 + the
    # signal's number (129, 143), as a shell reports a process the signal ended.
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _interrupt)
    if "--help" in sys.argv[1:] or len(sys.argv) <= 2:  # help, or a group's own help
        _fold_help()
    try:
        if "--json" in sys.argv[1:]:
            _main_for_scripts()
        app()
    except KeyboardInterrupt as exc:  # pragma: no cover - outside any command body
        _stopped_early(exc)
    except SystemExit as exc:
        # A stop while typer still reads the command line (before the command's body,
        # which reports its own) becomes typer's exit 130, whatever the signal was.
        if exc.code != ExitCode.INTERRUPTED or not _SIGNALLED:
            raise
        from ..errors import Stopped

        _stopped_early(Stopped(_SIGNALLED[-1]))
    except BrokenPipeError:  # pragma: no cover - help or usage text into a closed pipe
        _quiet_pipe()
        sys.exit(ExitCode.BROKEN_PIPE)
