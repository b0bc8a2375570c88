"""Read a packet file safely, remembering where every value was written.

The YAML is parsed into nodes (libyaml when available) and turned into plain Python
values here, so that we control everything the parser would otherwise decide:

* only plain data is built (mappings, lists, text, numbers, booleans, dates); a tag that
  would construct an object is an error;
* duplicate keys are errors naming both positions;
* scalars follow YAML 1.2: ``yes``/``no``/``on``/``off`` stay text (a language code ``no``
  is Norwegian, not ``false``), ``010`` is ten, ``1:20`` is text;
* documents over a size limit, and documents whose aliases would expand beyond a limit
  ("billion laughs"), are refused before they are expanded;
* every value keeps the line and column it came from, so that schema errors can point
  at ``packet.yaml:12:5``.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import PacketFileError, Problem
from ..files import Unfit, Why, read_guarded, sniff
from . import dates

MAX_BYTES = 5 * 1024 * 1024
"""Largest packet file accepted (5 MiB is far beyond any real packet's text)."""
MAX_ALIASES = 200
"""Most alias uses (``*name``) in one document."""
MAX_NODES = 200_000
"""Most values built from one document, aliases expanded."""
MAX_DEPTH = 64
"""Deepest nesting of lists and blocks (a real packet has four or five levels): far below
Python's recursion limit, so a hostile file is refused plainly rather than crashing."""

Path_ = tuple[str | int, ...]


class _Resolver(yaml.resolver.BaseResolver):
    """YAML 1.2 core-schema scalars, plus dates."""


_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:timestamp",
    re.compile(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$"),
    list("0123456789"),
)

_CParser: Any
try:
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _CParser = None

if _CParser is not None:

    class _Composer(_CParser, _Resolver):
        """libyaml's parser and composer with our resolver; values are built by _Builder."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            _Resolver.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml

    class _Composer(  # type: ignore[no-redef]
        yaml.reader.Reader,
        yaml.scanner.Scanner,
        yaml.parser.Parser,
        yaml.composer.Composer,
        _Resolver,
    ):
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            _Resolver.__init__(self)


@dataclass
class Source:
    """A loaded YAML document: its values and where each one was written."""

    name: str
    """The file name shown in messages (``packet.yaml`` or ``<stdin>``)."""
    base_dir: Path
    """The folder record paths are relative to."""
    data: Any
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    """1-based (line, column) of each value, keyed by its path from the root."""
    problems: list[Problem] = field(default_factory=list)
    """Problems found while reading values (e.g. impossible dates), reported with the
    schema's own problems so the user sees them all at once."""

    def position(self, path: Path_) -> tuple[int, int] | tuple[None, None]:
        """The position of ``path``, or of its nearest ancestor that has one."""
        p = tuple(path)
        while p:
            if p in self.positions:
                return self.positions[p]
            p = p[:-1]
        return self.positions.get((), (None, None))

    def problem(self, path: Path_, message: str, fix: str = "") -> Problem:
        line, col = self.position(path)
        return Problem(self.name, line, col, dotted(path), message, fix)


def dotted(path: Path_) -> str:
    """``('records', 0, 'date')`` -> ``records[0].date``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class _Builder:
    def __init__(self, name: str) -> None:
        self.name = name
        self.positions: dict[Path_, tuple[int, int]] = {}
        self.aliases = 0
        self.nodes = 0
        self.seen: set[int] = set()
        self.problems: list[Problem] = []
        self.soft: list[Problem] = []

    def _mark(self, node: yaml.Node) -> tuple[int, int]:
        return (node.start_mark.line + 1, node.start_mark.column + 1)

    def _fail(self, node: yaml.Node, path: Path_, message: str, fix: str = "") -> None:
        line, col = self._mark(node)
        self.problems.append(Problem(self.name, line, col, dotted(path), message, fix))

    def build(self, node: yaml.Node, path: Path_) -> Any:
        if len(path) > MAX_DEPTH:
            raise _TooBig(
                f"values are nested more than {MAX_DEPTH} levels deep",
                "A packet file needs only a few levels; check the brackets [ ] and { }.",
            )
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _TooBig(f"the document expands to more than {MAX_NODES:,} values")
        if id(node) in self.seen and isinstance(node, yaml.CollectionNode):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _TooBig(f"the document uses aliases (*name) more than {MAX_ALIASES} times")
        self.seen.add(id(node))
        self.positions.setdefault(path, self._mark(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                self._fail(node, path, f"the tag {node.tag} is not allowed.", _NO_TAGS)
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        if node.tag != "tag:yaml.org,2002:map":
            self._fail(node, path, f"the tag {node.tag} is not allowed.", _NO_TAGS)
        out: dict[str, Any] = {}
        key_marks: dict[str, tuple[int, int]] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._fail(key_node, path, "merge keys (<<) are not supported.", _NO_TAGS)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._fail(key_node, path, "a key must be a plain name.", "Write `name: value`.")
                continue
            key = str(key_node.value)
            mark = self._mark(key_node)
            if key in key_marks:
                first = key_marks[key]
                self._fail(
                    key_node,
                    (*path, key),
                    f"`{key}` appears twice in the same block (first at line {first[0]}, "
                    f"column {first[1]}; again at line {mark[0]}, column {mark[1]}).",
                    "Keep one of them and delete the other.",
                )
                continue
            key_marks[key] = mark
            self.positions[(*path, key)] = mark
            out[key] = self.build(value_node, (*path, key))
        return out

    def _scalar(self, node: yaml.ScalarNode, path: Path_) -> Any:
        tag, value = node.tag, node.value
        if tag == "tag:yaml.org,2002:str":
            if "\0" in value:  # written "\0" in quotes: no text or file name holds one
                self._fail(
                    node,
                    path,
                    "contains a NUL character (written \\0), which no text or file name can hold.",
                    "Remove the \\0 from the value.",
                )
            return value
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag == "tag:yaml.org,2002:bool":
            return value.lower() == "true"
        if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
            try:
                number = _number(tag, value)
            except ValueError:  # `!!int abc`, or a number too long to be one
                if _looks_numeric(value):
                    return value
                self._fail(
                    node,
                    path,
                    f"{value!r} is not a number.",
                    "Remove the `!!int` or `!!float` tag, or write a number.",
                )
                return value
            # A phone number, an ID or a dose written like a number keeps its text when
            # reading it as a number would change it (+1555..., 0612..., 1.50).
            return number if str(number) == value else value
        if tag == "tag:yaml.org,2002:timestamp":
            try:
                return dt.date.fromisoformat(_pad_date(value))
            except ValueError:
                line, col = self._mark(node)
                what, fix = dates.advice(value)
                self.soft.append(Problem(self.name, line, col, dotted(path), f"{what}.", fix))
                return value
        self._fail(node, path, f"the tag {tag} is not allowed.", _NO_TAGS)
        return value


_NO_TAGS = "Write plain values only: no `!tags`, `!!python/...` or `<<:` merges."


class _TooBig(Exception):
    def __init__(
        self,
        message: str,
        fix: str = "A packet file should list its values plainly; remove the repeated aliases.",
    ) -> None:
        super().__init__(message)
        self.fix = fix


def _number(tag: str, value: str) -> int | float:
    if tag == "tag:yaml.org,2002:int":
        return int(value, 0) if value.startswith(("0o", "0x")) else int(value)
    low = value.lower()
    if low.endswith("inf"):
        return float("-inf") if low.startswith("-") else float("inf")
    return float("nan") if low.endswith("nan") else float(value)


def _looks_numeric(value: str) -> bool:
    return bool(
        re.match(r"^[-+]?(0x[0-9a-fA-F]+|0o[0-7]+|[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?)$", value)
    )


def _pad_date(value: str) -> str:
    y, m, d = value.split("-")
    return f"{y}-{int(m):02d}-{int(d):02d}"


def _file_problem(name: str, message: str, fix: str) -> PacketFileError:
    return PacketFileError([Problem(name, None, None, "", message, fix)])


PACKET_FILE = "packet.yaml"
"""The packet file's name in a folder that ``sopacket init`` made."""


def packet_path(given: Path | str | None) -> str:
    """The packet file a command was given: a file as it is (``-``: standard input), a
    folder's ``packet.yaml``, and with nothing given, the current folder's."""
    if given is not None and str(given) == "-":
        return "-"
    folder = Path(given) if given is not None else Path(".")
    try:
        is_dir = folder.is_dir()
    except (OSError, ValueError):  # a name too long, a NUL: reading it says why
        is_dir = False
    if not is_dir:
        return str(given)
    inside = folder / PACKET_FILE
    if inside.is_file():
        return str(inside) if given is not None else PACKET_FILE
    if given is None:
        raise _file_problem(
            "the current folder",
            f"no packet file was given, and there is no {PACKET_FILE} here.",
            "Give the packet file, e.g. `sopacket check my-packet/packet.yaml`, or run the "
            "command inside the packet's folder (start one with `sopacket init`).",
        )
    others = sorted(p.name for p in folder.glob("*.yaml") if p.is_file())[:3]
    hint = f" It has {', '.join(others)}: give the one to use." if others else ""
    raise _file_problem(
        str(given),
        f"this folder has no {PACKET_FILE}.{hint}",
        "Give the packet's YAML file, e.g. my-packet/packet.yaml, or start a packet here "
        "with `sopacket init`.",
    )


def read_text(path: Path | str) -> tuple[str, str, Path]:
    """Read a packet file (or ``-`` for standard input): (text, display name, base folder)."""
    if str(path) == "-":
        name, base, raw = "<stdin>", Path.cwd(), _read_stdin()
    else:
        name, base, raw = _read_file(Path(path))
    if sniff(raw[:8]) is not None:  # at its very start: a packet may mention %PDF- in a note
        raise _a_record(name)
    if len(raw) > MAX_BYTES:
        raise _too_large(name)
    return _decode(raw, name), name, base


def _read_stdin() -> bytes:
    if sys.stdin is None:
        raise _file_problem(
            "<stdin>",
            "standard input is closed.",
            "Pipe the packet in, or give its file name instead of -.",
        )
    return sys.stdin.buffer.read(MAX_BYTES + 1)


def _read_file(p: Path) -> tuple[str, Path, bytes]:
    """(display name, base folder, bytes) of a packet file, refused when it cannot be one."""
    name = str(p)
    try:
        raw = read_guarded(p, MAX_BYTES).data
        base = p.resolve().parent
    except Unfit as exc:
        if exc.why is Why.TOO_LARGE and exc.kind is not None:
            raise _a_record(name) from None
        raise _unfit(p, exc) from None
    except (OSError, RuntimeError) as exc:  # a loop of links found while resolving
        raise _unreachable(name, exc) from None
    return name, base, raw


def _unfit(p: Path, exc: Unfit) -> PacketFileError:
    name = str(p)
    if exc.why is Why.MISSING:
        return _file_problem(
            name,
            "this file does not exist.",
            "Check the path, or start a packet with `sopacket init`.",
        )
    if exc.why is Why.UNREACHABLE:
        return _unreachable(name, exc)
    if exc.why is Why.FOLDER:
        hint = " (it has a packet.yaml)" if (p / "packet.yaml").is_file() else ""
        return _file_problem(
            name,
            f"this is a folder{hint}, not a packet file.",
            "Give the path of the YAML file, e.g. my-packet/packet.yaml.",
        )
    if exc.why is Why.NOT_REGULAR:
        return _file_problem(
            name,
            "this is not a regular file (a device or a pipe).",
            "Give the path of the packet's YAML file.",
        )
    if exc.why is Why.TOO_LARGE:
        return _too_large(name)
    return _file_problem(
        name,
        f"cannot be read ({exc.reason}).",
        "Check that the file exists and that you may read it.",
    )


def _unreachable(name: str, exc: Exception) -> PacketFileError:
    """Loops of links, names too long, no access to a folder on the way."""
    reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None)
    return _file_problem(
        name,
        f"this path cannot be used ({reason or 'a loop of symbolic links'}).",
        "Check the path and try again.",
    )


def _a_record(name: str) -> PacketFileError:
    return _file_problem(
        name,
        "this is a record (a PDF or an image), not a packet file.",
        "Give the packet's YAML file (packet.yaml); add records to it with `sopacket add record`.",
    )


def _too_large(name: str) -> PacketFileError:
    return _file_problem(
        name,
        f"the file is larger than {MAX_BYTES // 2**20} MiB.",
        "A packet file lists records by path; it should be a few kilobytes.",
    )


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise PacketFileError(
            [
                Problem(
                    name,
                    line,
                    col,
                    "",
                    "the file is not valid UTF-8 text.",
                    "Save it as UTF-8 (most editors offer this under 'Save as' or 'Encoding').",
                )
            ]
        ) from None


def parse(text: str, name: str, base_dir: Path) -> Source:
    """Parse YAML text into a :class:`Source`, or raise :class:`PacketFileError`."""
    try:
        root = node_tree(text)
    except RecursionError:  # the composer's own recursion, before libyaml's depth limit
        raise _file_problem(
            name,
            "refused: values are nested too deeply to read.",
            "A packet file needs only a few levels; check the brackets [ ] and { }.",
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        what = exc.problem or exc.context or "not valid YAML"
        what = what.replace("'\\t'", "a tab").replace("'\t'", "a tab")
        ctx = exc.context_mark
        if ctx is not None and exc.context and mark is not None and ctx.line != mark.line:
            what += f" ({exc.context} that started at line {ctx.line + 1}, column {ctx.column + 1})"
        raise PacketFileError(
            [
                Problem(
                    name,
                    line,
                    col,
                    "",
                    f"this is not valid YAML: {what}.",
                    _yaml_hint(what, _line_at(text, mark)),
                )
            ]
        ) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise PacketFileError(
            [
                Problem(
                    name,
                    line,
                    col,
                    "",
                    f"the file contains a control character (#x{exc.character:04X}) that "
                    "text files do not have.",
                    "Save it as plain UTF-8 text; if it came from a word processor, copy the "
                    "text into a plain text editor.",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise PacketFileError(
            [Problem(name, None, None, "", f"this is not valid YAML: {exc}.", "")]
        ) from None
    if root is None:
        raise _file_problem(
            name,
            "the file is empty.",
            "Start from a template with `sopacket init`.",
        )
    builder = _Builder(name)
    try:
        data = builder.build(root, ())
    except _TooBig as exc:
        raise _file_problem(name, f"refused: {exc}.", exc.fix) from None
    builder.positions.setdefault((), (1, 1))
    problems = sorted(builder.problems + builder.soft, key=lambda p: (p.line or 0, p.column or 0))
    return Source(name, base_dir, data, builder.positions, problems)


def _line_at(text: str, mark: Any) -> str:
    if mark is None:
        return ""
    lines = text.splitlines()
    return lines[mark.line] if 0 <= mark.line < len(lines) else ""


def _yaml_hint(what: str, line: str = "") -> str:
    if "\t" in line[: len(line) - len(line.lstrip())]:
        return "Indent with spaces, not tabs."
    if "expected ',' or '}'" in what or "expected ',' or ']'" in what:
        return (
            "Inside { } or [ ], put text that contains a comma, colon or question mark "
            'in quotes: "Why, and when?".'
        )
    if "tab" in what:
        return "Indent with spaces, not tabs."
    if "mapping values are not allowed" in what:
        return "A value containing ': ' must be put in quotes, e.g. reason: \"Dose: 20 mg\"."
    if "could not find expected ':'" in what or "simple key" in what:
        return "Each line should read `key: value`; check the line above for a missing colon."
    if "found character" in what and "that cannot start any token" in what:
        return "Put the value in quotes if it starts with a special character such as @ or `."
    return "Check the indentation and quotes around this line."


def node_tree(text: str) -> yaml.Node | None:
    """The node tree of a YAML document, parsed with our resolver (for edits in place)."""
    composer = _Composer(text)
    try:
        return composer.get_single_node()
    finally:
        composer.dispose()


def load(path: Path | str) -> Source:
    """Read and parse a packet file (``-`` reads standard input)."""
    text, name, base = read_text(path)
    return parse(text, name, base)
