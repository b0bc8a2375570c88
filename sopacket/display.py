"""What people see in the terminal: tables, verdicts and problems, drawn with rich.

Results go to stdout, messages for people to stderr. Nothing here decides anything; it
only shows what the library returned.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

if TYPE_CHECKING:
    from .checklist import CheckReport
    from .errors import Problem

out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)

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


def problems(heading: str, items: list[Problem], console: Console = err) -> None:
    """A list of located problems (YAML and schema errors)."""
    console.print(f"[bold red]{escape(heading)}[/]")
    for p in items:
        field = f" [bold]{escape(p.field)}[/]:" if p.field else ""
        fix = f"\n    [green]{escape(p.fix)}[/]" if p.fix else ""
        console.print(f"  [cyan]{escape(p.where)}[/]{field} {escape(p.message)}{fix}")


def verify_report(report: Any, console: Console = out) -> None:
    """What `verify` found: one line per check, then the verdict."""
    who = f" (packet {report.packet_id})" if report.packet_id else ""
    console.print(f"[bold]{escape(str(report.file))}[/]{escape(who)}: {report.pages} pages")
    for f in report.findings:
        mark = "[green]ok  [/]" if f.ok else "[bold red]FAIL[/]"
        console.print(f"  {mark} {escape(f.check)}: {escape(f.detail)}")
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


def batch_summary(result: Any, console: Console = out) -> None:
    """One line per packet that needs attention, then the totals."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("Packet")
    table.add_column("Status", no_wrap=True)
    table.add_column("Pages", justify="right")
    table.add_column("Output / problem")
    colours = {"built": "green", "skipped": "dim", "incomplete": "yellow", "failed": "bold red"}
    for row in result.rows:
        detail = row.output or ""
        if row.status in ("failed", "incomplete"):
            detail = "; ".join(row.problems) or "failed"
        elif row.status == "built" and row.ready is False:
            detail = f"{detail}\n[yellow]" + escape("; ".join(row.problems[:2])) + "[/]"
        table.add_row(
            escape(row.packet_id or row.source),
            f"[{colours[row.status]}]{row.status}[/]",
            str(row.pages or ""),
            detail if row.status == "built" and row.ready is False else escape(detail),
        )
    console.print(table, soft_wrap=False)
    s = result.to_json()["summary"]
    bad = s["failed"] + s["incomplete"]
    colour = "red" if bad else "green"
    console.print(
        f"[bold {colour}]{s['built']} built, {s['skipped']} up to date, {s['incomplete']} "
        f"incomplete, {s['failed']} failed[/] (of {s['total']}) in {escape(str(result.output_dir))}"
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
        table.add_row(escape(key), escape(value), escape(setting.source))
    console.print(table, soft_wrap=False)
