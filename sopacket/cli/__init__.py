"""The ``sopacket`` command line: parse options, call the library, report the result.

root.py      the typer app, global options, exceptions -> messages and exit codes
env.py       the terminal facts (found once, handed down on the context)
init.py add.py check.py verify.py build.py batch.py config.py password.py schema.py
             one module per command (group): parse, build options, call, print
params.py    options several commands share
display.py   what people see (stderr) and results as tables (stdout)
results.py   results as JSON documents (stdout)
live.py      the live progress display (sopacket.progress.Progress)
prompts.py   hidden prompts for passwords
"""

from __future__ import annotations

from .root import app, main

__all__ = ["app", "main"]
