"""Evaluate a packet against a preparation checklist.

Checklists are data: YAML files in ``templates/checklists`` (or a clinic's own file). Each
item names one *rule* from the small vocabulary below, its severity, why it matters and
how to fix it. This module knows the rules; the checklists decide what to ask for.

Rules (the key under ``rule:``):

``filled: PATH``                 the field has a value (not blank, not an empty list)
``filled_any: [PATH, ...]``      at least one of the fields has a value
``declared: PATH``               the field is present, even as an empty list ([] = "none")
``all_true: [PATH, ...]``        every field is ``true``
``count: {path: PATH, min: N}``  the list has at least N entries
``records: {min: N}``            at least N records are listed whose files can be read
                                 (an unreadable record, like every rule below, counts
                                 for nothing)
``records_kind: {kinds: [...], title_words: [...], min: N}``
                                 at least N usable records of these kinds (and, if given, whose
                                 title mentions one of the words; words match whole
                                 words, case-insensitively, and ``echo*`` matches any
                                 word starting with "echo")
``record_files: {}``             every record's file exists, is a readable PDF/JPEG/PNG/TIFF,
                                 and its page range lies inside it
``question_priorities: {}``      at least one question carries a priority
``no_urgent_symptoms: {}``       no symptom is marked urgent (a *warning* otherwise)
``mentions: {words: [...], paths: [PATH, ...], satisfied_by: {kinds: [...], ...}}``
                                 a *warning* when the text at PATHs mentions one of the
                                 words (e.g. a question that needs a physical exam);
                                 with ``satisfied_by`` (a records_kind argument), done
                                 once such a record is in the packet (e.g. the operation
                                 report of an operation the packet mentions)

An item may carry ``only_if: {PATH: [values]}`` or ``unless: {PATH: [values]}``; when it
does not apply, its status is "not applicable".

Readiness: every *required* item must be done (or not applicable); with ``strict``, no
*recommended* item may be missing either. A warning on a recommended item never blocks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .. import resources
from ..errors import ChecklistError, PacketFileError
from ..packetfile import loader
from ..packetfile.model import Packet, Record
from ..packetfile.model import RecordKind as RecordKindName
from ..packetfile.validation import LoadedPacket, _find_model, validate_as
from ..records.inspect import Inspection, Item, RecordInfo

Status = Literal["done", "missing", "warning", "not_applicable"]
Severity = Literal["required", "recommended"]


class ChecklistItem(BaseModel):
    """One thing to check."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="Stable identifier, e.g. medications.")
    severity: Severity
    title: str = Field(description="Short name shown in the table.")
    rule: dict[str, Any] = Field(description="One rule from the vocabulary, with its argument.")
    why: str = Field(description="Why it matters to the reviewer, in plain words.")
    fix: str = Field(description="What to do about it, in plain words.")
    only_if: dict[str, list[Any]] | None = None
    unless: dict[str, list[Any]] | None = None


class Checklist(BaseModel):
    """A preparation checklist file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sopacket_checklist: Literal[1]
    name: str
    title: str
    description: str | None = None
    extends: str | None = Field(
        default=None, description="Another checklist (name or path) whose items come first."
    )
    remove: list[str] = Field(default_factory=list, description="Item ids to drop from extends.")
    items: list[ChecklistItem] = Field(default_factory=list)


@dataclass(frozen=True)
class ResolvedChecklist:
    name: str
    title: str
    source: str
    """Where it was read from: ``builtin:NAME`` or a file path."""
    items: tuple[ChecklistItem, ...]


@dataclass(frozen=True)
class ItemResult:
    id: str
    title: str
    severity: Severity
    status: Status
    detail: str
    why: str
    fix: str

    def to_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity,
            "status": self.status,
            "detail": self.detail,
            "why": self.why,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class CheckReport:
    """The result of checking a packet: every item's status and the verdict."""

    packet_id: str
    file: str
    checklist: ResolvedChecklist
    note: str
    """Why this checklist was chosen, when it was not asked for by name."""
    strict: bool
    items: tuple[ItemResult, ...]
    records: tuple[RecordInfo, ...]
    urgent_symptoms: tuple[str, ...] = ()

    def blocking(self) -> list[ItemResult]:
        """Items that make the packet not ready."""
        out = []
        for item in self.items:
            if item.status in ("done", "not_applicable"):
                continue
            if item.severity == "required" or (self.strict and item.status == "missing"):
                out.append(item)
        return out

    @property
    def ready(self) -> bool:
        return not self.blocking()

    def count(self, status: Status) -> int:
        return sum(1 for i in self.items if i.status == status)

    @property
    def verdict(self) -> str:
        blocking = self.blocking()
        if self.urgent_symptoms:
            return "Not ready: a symptom is marked urgent. Please seek in-person care now."
        if blocking:
            names = ", ".join(i.title for i in blocking[:4])
            more = f" and {len(blocking) - 4} more" if len(blocking) > 4 else ""
            n = len(blocking)
            return f"Not ready: {n} item{'s' if n != 1 else ''} to finish ({names}{more})."
        optional = [i for i in self.items if i.severity == "recommended" and i.status == "missing"]
        if optional:
            n = len(optional)
            return (
                f"Ready to build. {n} recommended item{'s' if n != 1 else ''} could still "
                "make the review easier."
            )
        warnings = self.count("warning")
        if warnings:
            return (
                f"Ready to build. Please read the {warnings} warning{'s' if warnings != 1 else ''}"
                " above."
            )
        return "Ready to build: everything on the checklist is done."

    def to_json(self) -> dict[str, Any]:
        return {
            "sopacket_check": 1,
            "packet": {"id": self.packet_id, "file": self.file},
            "checklist": {
                "name": self.checklist.name,
                "title": self.checklist.title,
                "source": self.checklist.source,
                "note": self.note,
            },
            "ready": self.ready,
            "strict": self.strict,
            "verdict": self.verdict,
            "urgent_symptoms": list(self.urgent_symptoms),
            "summary": {
                "done": self.count("done"),
                "missing": self.count("missing"),
                "warning": self.count("warning"),
                "not_applicable": self.count("not_applicable"),
                "blocking": [i.id for i in self.blocking()],
            },
            "items": [i.to_json() for i in self.items],
            "records": [
                {
                    "index": n,
                    "file": str(r.path),
                    "type": r.type,
                    "pages": r.pages,
                    "ok": r.ok,
                    "problem": r.problem,
                }
                for n, r in enumerate(self.records)
            ],
        }


# --- finding checklists -------------------------------------------------------------


def builtin_names() -> list[str]:
    return resources.names("checklists")


def resolve(
    name_or_file: str | None, lp: LoadedPacket | None = None, fallback: str | None = None
) -> tuple[ResolvedChecklist, str]:
    """Find the checklist to use: the one asked for, else the specialty's, else
    ``fallback`` (the clinic's default from its config file), else general.

    Returns the checklist and a note explaining the choice (empty when it was asked for).
    """
    if name_or_file:
        return _load(name_or_file, ()), ""
    specialty = lp.packet.request.specialty if lp else None
    default, default_note = (
        (fallback, f"the config file's default checklist '{fallback}'")
        if fallback
        else ("general", "the general one")
    )
    if specialty:
        key = re.sub(r"[^a-z0-9]+", "-", specialty.lower()).strip("-")
        if key in builtin_names():
            return _load(key, ()), f"chosen for the specialty '{specialty}'"
        return _load(default, ()), (
            f"no checklist for the specialty '{specialty}'; using {default_note} "
            f"(built in: {', '.join(builtin_names())})"
        )
    return _load(default, ()), f"no specialty given; using {default_note}"


def _load(ref: str, chain: tuple[str, ...], relative_to: Path | None = None) -> ResolvedChecklist:
    """Load a checklist by built-in name or file path (a built-in name always wins)."""
    if ref in builtin_names():
        key, path = f"builtin:{ref}", None
        text, display, base = resources.read("checklists", ref), f"checklist {ref}", Path(".")
    else:
        path = (relative_to / ref) if relative_to and not Path(ref).is_absolute() else Path(ref)
        try:
            key = str(path.resolve())
            is_file = path.is_file()
        except (OSError, RuntimeError):
            is_file = False
            key = str(path)
        if not is_file:
            raise ChecklistError(
                f"no checklist named '{ref}'.",
                f"Use one of: {', '.join(builtin_names())}, or the path of a checklist file.",
            )
        try:
            text, display, base = loader.read_text(path)
        except PacketFileError as exc:
            raise ChecklistError(str(exc)) from None
    if key in chain:
        raise ChecklistError(
            f"checklist '{ref}' extends itself (through a loop of `extends:` lines).",
            "Remove the loop from the `extends:` lines.",
        )
    try:
        parsed = validate_as(loader.parse(text, display, base), Checklist)
    except PacketFileError as exc:
        lines = "\n  ".join(str(p) for p in exc.problems)
        raise ChecklistError(f"{display} is not valid:\n  {lines}") from None
    items: list[ChecklistItem] = []
    if parsed.extends:
        parent = _load(parsed.extends, (*chain, key), path.parent if path else None)
        items = list(parent.items)
    items = [i for i in items if i.id not in parsed.remove]
    seen: set[str] = set()
    for item in parsed.items:
        if item.id in seen:
            raise ChecklistError(
                f"{display}: the item id '{item.id}' is used twice.",
                "Give each item its own id (an item with a parent's id replaces that item).",
            )
        seen.add(item.id)
        _check_rule(item, display)
        items = [i for i in items if i.id != item.id]
        items.append(item)
    return ResolvedChecklist(parsed.name, parsed.title, str(path) if path else key, tuple(items))


class _RuleArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Count(_RuleArgs):
    path: str
    min: int = 1


class _Records(_RuleArgs):
    min: int = 1


class _RecordsKind(_RuleArgs):
    kinds: list[RecordKindName] = Field(default_factory=list)
    title_words: list[str] = Field(default_factory=list)
    min: int = 1


class _Mentions(_RuleArgs):
    words: list[str]
    paths: list[str] = Field(default_factory=lambda: ["questions", "symptoms"])
    satisfied_by: _RecordsKind | None = None


class _Nothing(_RuleArgs):
    pass


_ARG_TYPES: dict[str, Any] = {
    "filled": str,
    "filled_any": list[str],
    "declared": str,
    "all_true": list[str],
    "count": _Count,
    "records": _Records,
    "records_kind": _RecordsKind,
    "record_files": _Nothing,
    "question_priorities": _Nothing,
    "no_urgent_symptoms": _Nothing,
    "mentions": _Mentions,
}


def _check_rule(item: ChecklistItem, display: str) -> None:
    """Refuse unknown rules, arguments of the wrong shape, and paths the format lacks."""
    from pydantic import TypeAdapter, ValidationError

    if len(item.rule) != 1 or next(iter(item.rule)) not in RULES:
        raise ChecklistError(
            f"{display}: item '{item.id}' has an unknown rule {item.rule!r}.",
            f"Use exactly one of: {', '.join(RULES)}.",
        )
    ((name, arg),) = item.rule.items()
    try:
        parsed = TypeAdapter(_ARG_TYPES[name]).validate_python(
            {} if arg is None else arg, strict=True
        )
    except ValidationError as exc:
        detail = "; ".join(
            f"{'.'.join(str(x) for x in e['loc']) or 'argument'}: {e['msg']}"
            for e in exc.errors(include_url=False)
        )
        raise ChecklistError(
            f"{display}: item '{item.id}' has a malformed `{name}` rule ({detail}).",
            "See the README's table of rules for the argument each rule takes.",
        ) from None
    paths: list[str] = []
    if isinstance(parsed, str):
        paths = [parsed]
    elif isinstance(parsed, list):
        paths = parsed
    elif isinstance(parsed, _Count):
        paths = [parsed.path]
    elif isinstance(parsed, _Mentions):
        paths = parsed.paths
    paths += list((item.only_if or {}).keys()) + list((item.unless or {}).keys())
    for path in paths:
        if not _known_path(path):
            raise ChecklistError(
                f"{display}: item '{item.id}' names `{path}`, which is not a field of the "
                "packet format.",
                "Check the spelling against the README's packet file section.",
            )


def _known_path(path: str) -> bool:
    model: Any = Packet
    for part in path.split("."):
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return False
        model = _find_model(fields[part].annotation)
    return True


# --- evaluating ---------------------------------------------------------------------


@dataclass
class _Context:
    lp: LoadedPacket
    inspected: list[RecordInfo] | None = None

    @cached_property
    def records(self) -> tuple[RecordInfo, ...]:
        if self.inspected is not None:
            return tuple(self.inspected)
        return tuple(Inspection(record_items(self.lp)).result())

    def get(self, path: str) -> Any:
        value: Any = self.lp.packet
        for part in path.split("."):
            if value is None:
                return None
            if isinstance(value, BaseModel):
                value = getattr(value, part, None)
            elif isinstance(value, dict):
                value = value.get(part)
            else:
                return None
        return value


def _filled(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str | list | tuple | dict):
        return bool(value)
    if isinstance(value, BaseModel):
        return any(_filled(v) for v in value.__dict__.values())
    return True


Result = tuple[Status, str]


def _rule_filled(ctx: _Context, path: str) -> Result:
    return ("done", "") if _filled(ctx.get(path)) else ("missing", "")


def _rule_filled_any(ctx: _Context, paths: list[str]) -> Result:
    if any(_filled(ctx.get(p)) for p in paths):
        return "done", ""
    return "missing", ""


def _rule_declared(ctx: _Context, path: str) -> Result:
    value = ctx.get(path)
    if value is None:
        return "missing", "not listed yet"
    if isinstance(value, list) and not value:
        return "done", "none (an empty list)"
    return "done", f"{len(value)} listed" if isinstance(value, list) else ""


def _rule_all_true(ctx: _Context, paths: list[str]) -> Result:
    missing = [p for p in paths if ctx.get(p) is not True]
    if not missing:
        return "done", ""
    if len(paths) == 1:
        return "missing", ""
    return "missing", "not yet true: " + ", ".join(p.rsplit(".", 1)[-1] for p in missing)


def _rule_count(ctx: _Context, spec: dict[str, Any]) -> Result:
    value = ctx.get(spec["path"]) or []
    n, need = len(value), int(spec.get("min", 1))
    if n >= need:
        return "done", f"{n} listed"
    return "missing", f"{n} listed, at least {need} wanted"


def _usable(ctx: _Context) -> tuple[list[Record], int]:
    """The records whose file can be used, and how many others are listed: a record that
    cannot be read (a HEIC photo, a Word file, a missing file) satisfies nothing."""
    records = ctx.lp.packet.records
    usable = [r for r, info in zip(records, ctx.records, strict=False) if info.ok]
    return usable, len(records) - len(usable)


def _unusable(n: int) -> str:
    return (
        f" ({n} more listed but {'it' if n == 1 else 'they'} cannot be read: see "
        "“Record files readable”)"
        if n
        else ""
    )


def _rule_records(ctx: _Context, spec: dict[str, Any]) -> Result:
    usable, bad = _usable(ctx)
    n, need = len(usable), int((spec or {}).get("min", 1))
    if n >= need:
        return "done", f"{n} record{'s' if n != 1 else ''} listed{_unusable(bad)}"
    return "missing", f"{n} usable, at least {need} wanted{_unusable(bad)}"


def _rule_records_kind(ctx: _Context, spec: dict[str, Any]) -> Result:
    kinds = set(spec.get("kinds") or [])
    words = [w.lower() for w in spec.get("title_words") or []]
    need = int(spec.get("min", 1))
    usable, _ = _usable(ctx)

    def fits(r: Record) -> bool:
        return (not kinds or r.kind in kinds) and (not words or _mentions(r.title, words))

    found = [r.title for r in usable if fits(r)]
    unread = sum(1 for r in ctx.lp.packet.records if fits(r)) - len(found)
    if len(found) >= need:
        return "done", "; ".join(found[:3]) + (" ..." if len(found) > 3 else "")
    return "missing", f"{len(found)} found, at least {need} wanted{_unusable(unread)}"


def _rule_record_files(ctx: _Context, spec: Any) -> Result:
    records = ctx.lp.packet.records
    if not records:
        return "not_applicable", "no records listed yet"
    bad = [
        f"{records[i].title} ({records[i].file}): {info.problem}. {info.fix}".strip()
        for i, info in enumerate(ctx.records)
        if not info.ok
    ]
    if bad:
        return "missing", "\n".join(bad)
    pages = sum(i.pages or 0 for i in ctx.records)
    return "done", f"{len(records)} file{'s' if len(records) != 1 else ''}, {pages} pages"


def _rule_question_priorities(ctx: _Context, spec: Any) -> Result:
    qs = ctx.lp.packet.questions
    if not qs:
        return "not_applicable", "no questions yet"
    marked = sum(1 for q in qs if not isinstance(q, str) and "priority" in q.model_fields_set)
    if marked:
        return "done", f"{marked} of {len(qs)} questions carry a priority"
    return "missing", "no question carries a priority"


def _rule_no_urgent_symptoms(ctx: _Context, spec: Any) -> Result:
    urgent = [s.text for s in ctx.lp.packet.symptoms if s.urgent]
    if urgent:
        return "warning", "marked urgent: " + "; ".join(urgent)
    return "done", ""


def _mentions(text: str, words: list[str]) -> bool:
    """Whole-word, case-insensitive match; a trailing * matches any ending (``palpat*``)."""
    low = text.lower()
    for w in words:
        w = w.lower()
        pattern = re.escape(w[:-1]) if w.endswith("*") else re.escape(w) + r"\b"
        if re.search(r"\b" + pattern, low):
            return True
    return False


def _rule_mentions(ctx: _Context, spec: dict[str, Any]) -> Result:
    words = list(spec.get("words") or [])
    texts: list[str] = []
    for path in spec.get("paths") or ["questions", "symptoms"]:
        value = ctx.get(path)
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, str):
                texts.append(v)
            elif v is not None:
                texts.extend(str(getattr(v, a)) for a in ("text", "name") if hasattr(v, a))
    hits = [t for t in texts if _mentions(t, words)]
    if not hits:
        return "done", ""
    satisfied_by = spec.get("satisfied_by")
    if satisfied_by:
        status, found = _rule_records_kind(ctx, satisfied_by)
        if status == "done":
            return "done", found
    return "warning", "mentioned in: " + "; ".join(f'"{t}"' for t in hits[:3])


RULES: dict[str, Callable[[_Context, Any], Result]] = {
    "filled": _rule_filled,
    "filled_any": _rule_filled_any,
    "declared": _rule_declared,
    "all_true": _rule_all_true,
    "count": _rule_count,
    "records": _rule_records,
    "records_kind": _rule_records_kind,
    "record_files": _rule_record_files,
    "question_priorities": _rule_question_priorities,
    "no_urgent_symptoms": _rule_no_urgent_symptoms,
    "mentions": _rule_mentions,
}


def _applies(ctx: _Context, item: ChecklistItem) -> bool:
    if item.only_if and not all(ctx.get(p) in vals for p, vals in item.only_if.items()):
        return False
    return not (item.unless and any(ctx.get(p) in vals for p, vals in item.unless.items()))


def evaluate(
    lp: LoadedPacket, checklist: ResolvedChecklist, inspected: list[RecordInfo] | None = None
) -> tuple[list[ItemResult], tuple[RecordInfo, ...]]:
    """Every item's status for this packet, and what each record file turned out to be."""
    ctx = _Context(lp, inspected)
    results = []
    for item in checklist.items:
        if not _applies(ctx, item):
            status: Status = "not_applicable"
            detail = "does not apply to this packet"
        else:
            ((rule, arg),) = item.rule.items()
            try:
                status, detail = RULES[rule](ctx, arg)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise ChecklistError(
                    f"the checklist item '{item.id}' has a malformed rule {item.rule!r} ({exc}).",
                    "Check the rule's arguments against the README's checklist section.",
                ) from None
        results.append(
            ItemResult(item.id, item.title, item.severity, status, detail, item.why, item.fix)
        )
    return results, ctx.records


def record_items(lp: LoadedPacket) -> list[Item]:
    return [(lp.record_path(i), r.pages) for i, r in enumerate(lp.packet.records)]


def check_packet(
    lp: LoadedPacket,
    checklist: str | None = None,
    *,
    strict: bool = False,
    inspected: list[RecordInfo] | None = None,
    fallback: str | None = None,
) -> CheckReport:
    """Check a loaded packet against a checklist (by name or file; default: by specialty).

    ``inspected`` are the record files' inspections when the caller already has them
    (see :func:`check_file`); otherwise they are read now, in a child process.
    """
    resolved, note = resolve(checklist, lp, fallback)
    results, records = evaluate(lp, resolved, inspected)
    urgent = tuple(s.text for s in lp.packet.symptoms if s.urgent)
    return CheckReport(
        packet_id=lp.id,
        file=lp.source.name,
        checklist=resolved,
        note=note,
        strict=strict,
        items=tuple(results),
        records=records,
        urgent_symptoms=urgent,
    )
