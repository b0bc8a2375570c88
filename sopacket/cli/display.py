"""What people see in the terminal: tables, verdicts and problems, drawn with rich.

Results go to stdout, messages for people to stderr. Nothing here decides anything; it
only shows what the library returned.

Everything printed through the two consoles here (and so every error message, printed
by ``root._say_error`` through :data:`err`) has the control characters of the text it
shows made visible (:func:`visible`): a record title, a patient name or a file name
holding terminal escape sequences (``ESC [8m`` hiding text, ``ESC ]52;...`` writing the
clipboard) cannot act on the terminal. Rich's own colours and cursor movements, and the
tabs and newlines of the text, still work.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.segment import Segment
from rich.table import Table

if TYPE_CHECKING:
    from ..checking.checklist import CheckReport
    from ..errors import Problem

_VISIBLE = {c: f"^{chr(c + 0x40)}" for c in range(0x20) if chr(c) not in "\t\n"}
_VISIBLE |= {0x7F: "^?"} | {c: f"<U+{c:04X}>" for c in range(0x80, 0xA0)}
"""C0 controls (but tab and newline) in caret notation (ESC is ``^[``), DEL as ``^?``,
C1 controls (8-bit CSI, OSC...) by their code point."""


def visible(text: str) -> str:
    """``text`` with its control characters made visible, harmless to a terminal."""
    return text.translate(_VISIBLE)


class _Console(Console):
    """A console whose text has its control characters made visible, at the last step
    (after layout, before styles are turned into escape codes): nothing printed escapes
    it. Segments that are rich's own control codes are left alone."""

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        return super()._render_buffer(
            segment if segment.control else Segment(visible(segment.text), segment.style)
            for segment in buffer
        )

    def on_broken_pipe(self) -> None:
        """The reader closed the pipe (``| head``): say no more (rich would exit with 1,
        which reads as "not ready"); the CLI ends quietly with its own code (141)."""
        self.quiet = True
        raise BrokenPipeError


class _Messages(_Console):
    """The console for messages (stderr). At a terminal, rich folds them at word
    boundaries to its width (left to the terminal, an 80-column window would cut
    ``--allow-weak-password`` into ``--allo`` / ``w-weak-password``); into a file or a
    pipe, each message stays on one line, whole, for logs and ``grep``."""

    @property
    def soft_wrap(self) -> bool:
        return not self.is_terminal

    @soft_wrap.setter
    def soft_wrap(self, value: bool) -> None:
        """Set by rich's constructor; the terminal decides instead."""


out = _Console(highlight=False, soft_wrap=False)
err = _Messages(stderr=True, highlight=False)

URGENT_TEXT = (
    "You marked a symptom as urgent: {symptoms}.\n\n"
    "Urgent symptoms need in-person care now. Please do not wait for a second opinion: "
    "call your doctor today, or your local emergency number (for example 911 in the US, "
    "112 in Europe, 999 in the UK) if it is severe or getting worse.\n\n"
    "When you are safe, you can come back to this packet."
)

_STATUS = {
    ("done", "required"): "[green]done[/]",
    ("done", "recommended"): "[green]done[/]",
    ("missing", "required"): "[bold red]MISSING[/]",
    ("missing", "recommended"): "[yellow]to do[/]",
    ("warning", "required"): "[bold red]WARNING[/]",
    ("warning", "recommended"): "[yellow]warning[/]",
    ("not_applicable", "required"): "[dim]n/a[/]",
    ("not_applicable", "recommended"): "[dim]n/a[/]",
}


def urgent_panel(symptoms: tuple[str, ...], console: Console = err) -> None:
    text = URGENT_TEXT.format(symptoms="; ".join(symptoms))
    console.print(
        Panel(
            escape(text), title="[bold]Urgent symptoms[/]", border_style="bold red", expand=False
        ),
        soft_wrap=False,
    )


def check_report(report: CheckReport, console: Console = out) -> None:
    """The checklist table and the verdict."""
    if report.urgent_symptoms:
        urgent_panel(report.urgent_symptoms, console)
    title = f"{report.checklist.title} (packet {report.packet_id})"
    table = Table(
        title=f"[bold]{escape(title)}[/]",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    table.add_column("Status", no_wrap=True)
    table.add_column("Item")
    for item in report.items:
        severity = "required" if report.strict else item.severity
        status = _STATUS[(item.status, severity)]
        text = f"[bold]{escape(item.title)}[/]"
        if item.severity == "recommended":
            text += " [dim](recommended)[/]"
        if item.detail:
            text += (
                f"\n[dim]{escape(item.detail)}[/]"
                if item.status in _QUIET
                else (f"\n{escape(item.detail)}")
            )
        if item.status not in _QUIET:
            text += f"\n[italic]Why it matters:[/] {escape(item.why)}"
            text += f"\n[green]How to fix:[/] {escape(item.fix)}"
        table.add_row(status, text)
    console.print(table, soft_wrap=False)
    if report.note:
        err.print(f"[dim]Checklist '{escape(report.checklist.name)}': {escape(report.note)}.[/]")
    colour = "green" if report.ready else "red"
    console.print(f"[bold {colour}]{escape(report.verdict)}[/]")
    if not report.ready and not report.urgent_symptoms:
        console.print("Fix the items marked MISSING, then run the check again.")


_QUIET = ("done", "not_applicable")
SHORT_LIST = 5
"""Items the short view of `check` shows (the first to do, in the checklist's order)."""


def check_summary(report: CheckReport, console: Console = out) -> None:
    """The verdict first, then the few most important things to do with how to fix each,
    the counts, and how to see every item (``--all``)."""
    if report.urgent_symptoms:
        urgent_panel(report.urgent_symptoms, console)
    colour = "green" if report.ready else "red"
    console.print(f"[bold {colour}]{escape(report.verdict)}[/]")
    blocking = report.blocking()
    warned = [i for i in report.items if i.status == "warning" and i not in blocking]
    todo = [i for i in report.items if i.status == "missing" and i not in blocking]
    first = blocking[:SHORT_LIST] if blocking else (warned + todo)[:SHORT_LIST]
    if first:
        label = "First, these" if blocking else "You could still look at these"
        console.print(f"\n[bold]{label}:[/]")
    steps = Table.grid(padding=(0, 1))
    steps.add_column(justify="right", no_wrap=True)
    steps.add_column()
    for n, item in enumerate(first, 1):
        severity = "required" if report.strict else item.severity
        text = f"{_STATUS[(item.status, severity)]} [bold]{escape(item.title)}[/]"
        if item.detail:
            text += f"\n{escape(item.detail)}"
        steps.add_row(f"{n}.", text + f"\n[green]How to fix:[/] {escape(item.fix)}")
    if first:
        console.print(steps, soft_wrap=False)
    left = len(blocking) - len(first) if blocking else len(warned) + len(todo) - len(first)
    more = []
    if left > 0:
        more.append(f"{left} more {'required ' if blocking else ''}item{'s' if left != 1 else ''}")
    if blocking and todo:
        more.append(f"{len(todo)} recommended")
    after = f" After these: {' and '.join(more)}." if more else ""
    console.print(f"\n{report.count('done')} of {len(report.items)} items are done.{after}")
    console.print(
        "[dim]To see every item and why each matters, run:[/]\n"
        f"  sopacket check --all {escape(_packet_arg(report))}"
    )
    if report.note:
        err.print(f"[dim]Checklist '{escape(report.checklist.name)}': {escape(report.note)}.[/]")


def _packet_arg(report: CheckReport) -> str:
    import shlex

    return "-" if report.file == "<stdin>" else shlex.quote(report.file)


def problems(heading: str, items: list[Problem], console: Console = err) -> None:
    """A list of located problems (YAML and schema errors)."""
    console.print(f"[bold red]{escape(heading)}[/]")
    for p in items:
        field = f" [bold]{escape(p.field)}[/]:" if p.field else ""
        fix = f"\n    [green]{escape(p.fix)}[/]" if p.fix else ""
        console.print(f"  [cyan]{escape(p.where)}[/]{field} {escape(p.message)}{fix}")


def verify_report(report: Any, console: Console = out) -> None:
    """What `verify` found: one line per check, then the verdict (for a packet in parts:
    each part, then the set)."""
    if hasattr(report, "files"):
        for part in report.files:
            _verify_file(part, console, verdict=False)
        who = f" (packet {report.packet_id})" if report.packet_id else ""
        noun = "file" if len(report.files) == 1 else f"{len(report.files)} files together"
        console.print(f"[bold]The {noun}[/]{escape(who)}, as a packet in parts:")
        for f in report.findings:
            mark = "[green]ok  [/]" if f.ok else "[bold red]FAIL[/]"
            console.print(f"  {mark} {escape(f.check)}: {escape(f.detail)}")
        if report.intact:
            console.print(f"[bold green]All {report.volume_count} parts are here and intact.[/]")
        elif report.missing and all(r.intact for r in report.files):
            console.print(
                "[bold red]Parts are missing:[/] " + escape(", ".join(report.missing)) + ". "
                "Give every part to check the whole packet (and send every part)."
            )
        else:
            console.print(
                "[bold red]The packet is not intact.[/] Do not send it: build it again from "
                "the packet file (and check what is marked FAIL)."
            )
        return
    _verify_file(report, console, verdict=True)


def _verify_file(report: Any, console: Console, verdict: bool) -> None:
    who = f" (packet {report.packet_id})" if report.packet_id else ""
    part = (
        f", part {report.volume.get('number')} of {report.volume.get('of')}"
        if report.volume
        else ""
    )
    console.print(f"[bold]{escape(str(report.file))}[/]{escape(who + part)}: {report.pages} pages")
    for f in report.findings:
        mark = "[green]ok  [/]" if f.ok else "[bold red]FAIL[/]"
        console.print(f"  {mark} {escape(f.check)}: {escape(f.detail)}")
    if not verdict:
        return
    if report.intact:
        console.print("[bold green]The packet is intact.[/]")
    elif any(f.check == "sopacket packet" and not f.ok for f in report.findings):
        console.print(
            "[bold red]This is not a packet sopacket built[/] (or it was changed since). Is "
            "it the right file? `sopacket build` writes the packet."
        )
    else:
        console.print(
            "[bold red]The packet is not intact.[/] Do not send it: build it again from the "
            "packet file (and check the records marked FAIL)."
        )


_BATCH_COLOURS = {
    "built": "green",
    "skipped": "dim",
    "incomplete": "yellow",
    "failed": "bold red",
    "not started": "yellow",
}


def batch_summary(result: Any, console: Console = out) -> None:
    """One line per packet, then the totals. Long ids and paths fold onto more lines
    (never cut), so a narrow terminal still shows every file name whole."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("Packet", overflow="fold", ratio=1)
    table.add_column("Status", no_wrap=True)
    table.add_column("Pages", justify="right", no_wrap=True)
    table.add_column("Output / problem", overflow="fold", ratio=2)
    for row in result.rows:
        detail = escape(row.output or "")
        if row.volumes:
            detail += escape(f" (part 1 of {len(row.volumes)}; the others beside it)")
        if row.status in ("failed", "incomplete"):
            detail = escape("; ".join(row.problems) or "failed")
        elif row.status == "not started":  # said once, after the table, not on every row
            detail = ""
        elif row.status == "built" and row.ready is False:
            detail = f"{detail}\n[yellow]" + escape("; ".join(row.problems[:2])) + "[/]"
        if row.password == "replaced":
            detail += "\n[yellow]new password: copies written earlier open only with the old[/]"
        table.add_row(
            escape(row.name),
            f"[{_BATCH_COLOURS[row.status]}]{row.status}[/]",
            "" if row.pages is None else str(row.pages),
            detail,
        )
    console.print(table, soft_wrap=False)
    s = result.to_json()["summary"]
    bad = s["failed"] + s["incomplete"] + s["not started"]
    colour = "red" if bad else "green"
    stopped = f", {s['not started']} not started" if s["not started"] else ""
    console.print(
        f"[bold {colour}]{s['built']} built, {s['skipped']} skipped (up to date), "
        f"{s['incomplete']} incomplete, {s['failed']} failed{stopped}[/] (of {s['total']}) "
        f"in {escape(str(result.output_dir))}",
        overflow="fold",
    )


def config_table(settings: Any, console: Console = out) -> None:
    where = "found" if settings.found else "not found: defaults in effect"
    console.print(f"Config file: {escape(str(settings.path))} ({where})")
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("Setting")
    table.add_column("Value")
    table.add_column("From")
    for key, setting in settings.settings.items():
        value = "" if setting.value is None else str(setting.value)
        if isinstance(setting.value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in setting.value.items())
        table.add_row(escape(key), escape(value), escape(setting.source))
    console.print(table, soft_wrap=False)


def build_summary(result: Any, console: Console = err) -> None:
    """What was written, and everything done to make it fit (never silently)."""
    from ..packaging.fit import ranges, show_size

    volumes = result.volumes
    records = len(result.records)
    if len(volumes) == 1:
        console.print(
            f"[green]Packet written:[/] {escape(str(result.output))}\n"
            f"  {result.pages} pages, {show_size(result.bytes)}, {records} "
            f"record{'s' if records != 1 else ''}, encrypted with AES-256."
        )
    else:
        console.print(
            f"[green]Packet written in {len(volumes)} files[/], each within "
            f"{escape(result.budget.label)}, all encrypted with AES-256 and the same password:"
        )
        for v in volumes:
            held = ranges(list(v.records))
            noun = "record" if len(v.records) == 1 else "records"
            console.print(
                f"  part {v.number}: {escape(str(v.output))}\n"
                f"          {v.pages} pages, {show_size(v.bytes)}, {noun} {held}"
            )
    if result.budget is not None:
        fit_report(result, console)
    who = "Upload every file" if len(volumes) > 1 else "Upload it"
    console.print(
        f"  {who} to the reviewing clinic, and give them the password separately "
        "(by phone, not in the same e-mail)."
    )
    for path in result.removed_files:
        console.print(f"  Removed the earlier file {escape(str(path))} (replaced by this build).")
    if not result.ready:
        console.print(
            "[yellow]This packet is incomplete: its cover lists what is "
            "missing. Tell the clinic when you upload it.[/]"
        )


def fit_report(result: Any, console: Console = err) -> None:
    from ..packaging.fit import show_size
    from ..records.notes import recompression

    done = []
    dropped, saved = result.deduplicated
    if dropped:
        done.append(
            f"stored identical images and fonts once ({dropped} "
            f"cop{'ies' if dropped != 1 else 'y'} left out, {show_size(saved)} saved; "
            "nothing lost)"
        )
    for n, r in enumerate(result.records, 1):
        shrunk = r.recompressed
        if shrunk is None:
            continue
        done.append(
            f"record {n}, \u201c{r.title}\u201d: {recompression(shrunk)}: "
            f"{show_size(shrunk.before)} \u2192 {show_size(shrunk.after)}"
        )
    for n, r in enumerate(result.records, 1):
        if r.pieces:
            where = "; ".join(
                f"part {v}: {count} page{'s' if count != 1 else ''}" for v, _, count in r.pieces
            )
            done.append(
                f"record {n}, \u201c{r.title}\u201d, is larger than one file can be: it is "
                f"cut at page boundaries ({where}); each cover says so"
            )
    if len(result.volumes) > 1:
        done.append(
            f"cut into {len(result.volumes)} files at record boundaries; each has its own "
            "cover saying what the others hold, contents and records index"
        )
    if not done:
        console.print(f"  It fits within {escape(result.budget.label)} as it is.")
        return
    if result.size_before > result.budget.bytes:
        said = (
            f"It would have been about {show_size(result.size_before)}, over "
            f"{escape(result.budget.label)}. To fit, sopacket:"
        )
    else:
        said = (
            f"It would have been about {show_size(result.size_before)}, close to "
            f"{escape(result.budget.label)}. To be sure it fits, sopacket:"
        )
    console.print(f"  {said}")
    for line in done:
        console.print(f"   - {escape(line)}")


# --- what the commands say when they are done ------------------------------------------


def warnings(notes: Any, console: Console = err) -> None:
    for note in notes:
        console.print(f"[yellow]Warning:[/] {escape(note)}")


def started(result: Any, console: Console = err) -> None:
    """What `init` made, and the next steps (short lines: inside the packet's folder the
    commands need no packet argument)."""
    import os
    import shlex

    folder = result.packet.parent
    here = os.path.abspath(folder) == os.path.abspath(".")
    console.print(
        f"[green]Started a new packet[/] ({result.template} template) in "
        f"{escape(str(result.packet))}",
    )
    steps = [
        "Next steps:",
        f"  1. Open {shlex.quote(str(result.packet))} in a text editor and fill in what you know.",
        f"  2. Save your records (PDF, JPEG, PNG or TIFF) in {result.records}/ and add each:",
        *([] if here else [f"       cd {shlex.quote(str(folder))}"]),
        '       sopacket add record records/report.pdf --title "..." --kind lab',
        "  3. See what is still missing (in the packet's folder):",
        "       sopacket check",
    ]
    console.print("\n".join(steps), markup=False)


_NOUNS = {
    "records": "record",
    "medications": "medication",
    "questions": "question",
    "allergies": "allergy",
    "symptoms": "symptom",
    "conditions": "condition",
}


def added(result: Any, console: Console = err) -> None:
    """What `add` added, and the packet's other problems."""
    noun = _NOUNS[result.section]
    console.print(
        f"[green]Added {noun} {result.index + 1}[/] to {escape(str(result.path))} "
        f"(line {result.line})."
    )
    for note in getattr(result, "notes", ()):
        console.print(f"[yellow]Note:[/] {escape(note)}")
    if result.warnings:
        console.print("[yellow]The packet has other problems to fix (run `sopacket check`):[/]")
        for w in result.warnings[:5]:
            console.print(f"  {w}", markup=False)
        if len(result.warnings) > 5:
            console.print(f"  ... and {len(result.warnings) - 5} more.")


def checked(
    report: Any,
    size: dict[str, Any] | None,
    limit: Any,
    json_output: bool,
    every_item: bool = True,
) -> None:
    """What `check` found: the table (or, without ``every_item``, the short view), the
    verdict and the size forecast (with --json, whose document is on stdout, only the
    urgent symptoms, on stderr)."""
    if json_output:
        urgent_panel(report.urgent_symptoms)
        return
    if every_item:
        check_report(report)
    else:
        check_summary(report)
    if size is None:
        return
    from ..packaging.fit import show_size

    if size["warning"]:
        out.print(f"[yellow]Size:[/] {escape(size['warning'])}")
    else:
        out.print(
            f"Size: the records add up to {show_size(size['records_bytes'])}, "
            f"within {escape(limit.label)}."
        )


def generated(value: str, *, terminal: bool, stored: bool, packet_id: str = "ID") -> None:
    """Show a new passphrase once, on the terminal (stderr) only."""
    where = (
        "It is also stored in your OS keyring for this packet."
        if stored
        else "It is not stored anywhere: write it down now."
    )
    if terminal:
        err.print(
            Panel(
                f"[bold]{value}[/]\n\nGive it to the reviewing clinic by phone, separately "
                f"from the packet. {where}",
                title="The packet's new password",
                border_style="cyan",
                expand=False,
            ),
            soft_wrap=False,
        )
    else:
        err.print(
            "A new password was generated and stored in your OS keyring; "
            f"show it with `sopacket password show {packet_id}`."
        )


def built(result: Any, json_output: bool) -> None:
    """What `build` wrote: warnings, urgent symptoms, then the JSON document or the
    summary and the files written (stdout)."""
    import typer

    warnings(result.warnings)
    if result.urgent_symptoms:
        urgent_panel(result.urgent_symptoms)
    if json_output:
        from .results import json_document

        json_document(result.to_json())
        return
    build_summary(result)
    for volume in result.volumes:
        typer.echo(visible(str(volume.output)))


def batch_done(result: Any, report: Any, json_output: bool) -> None:
    """What `batch` did: the JSON document or the table, and what to do next."""
    if json_output:
        from .results import json_document

        json_document(result.to_json())
    else:
        batch_summary(result)
        if report is not None:
            err.print(f"Report written: {report}", markup=False)
    if result.new_passwords:
        err.print(
            f"New passwords for {result.new_passwords} packet(s) are in the OS keyring "
            "under their ids: read one with `sopacket password show ID`, and give it to "
            "the reviewing clinic separately from the packet.",
            markup=False,
        )
    if result.replaced:
        err.print(
            f"{len(result.replaced)} packet(s) got a new password that replaced the stored "
            "one: copies of them written or sent earlier open only with the old password "
            "(" + ", ".join(result.replaced) + ").",
            markup=False,
        )
    if result.interrupted:
        err.print(
            "Stopped before every packet was built; nothing half-written was left. Run "
            "the same command again to build the rest.",
            markup=False,
        )
