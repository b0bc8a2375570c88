"""Where the packet's files go: the output checked before any work, the names of its
volumes, all of them named or none, and earlier outputs that the new ones replace."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ..errors import OutputError, UsageError
from ..output import Pending, not_a_file

if TYPE_CHECKING:  # types only: each loads where it is used
    from ..packetfile.validation import LoadedPacket


def default_output(lp: LoadedPacket, today: dt.date) -> Path:
    folder = lp.path.resolve().parent if lp.path else Path.cwd()
    return folder / f"second-opinion-packet-{today.isoformat()}.pdf"


def choose_output(
    lp: LoadedPacket,
    output: Path | str | None,
    today: dt.date | None,
    *,
    force: bool,
    cut: bool,
) -> Path:
    """Check where the packet will be written before any expensive work. ``cut``: it may
    be cut into volumes (a size limit is set), so earlier parts of that name count."""
    out = Path(output) if output else default_output(lp, today or dt.date.today())
    if out.is_symlink():  # never written through, even with --force: see output.Pending
        raise not_a_file(out, stat.S_IFLNK)
    if out.is_dir():
        raise OutputError(f"{out} is a folder.", f"Give a file name, e.g. -o {out}/packet.pdf.")
    resolved = out.resolve()
    inputs = [lp.path.resolve()] if lp.path else []
    inputs += [lp.record_path(i).resolve() for i in range(len(lp.packet.records))]
    if resolved in inputs:
        raise OutputError(
            f"{out} is one of the packet's own files; writing there would destroy it.",
            "Choose another output name.",
        )
    if out.suffix.lower() != ".pdf":
        raise UsageError(f"the output {out} does not end in .pdf.", "Name the output file.pdf.")
    if out.exists() and not force:
        raise OutputError(
            f"{out} already exists.", "Use --force to replace it, or -o to choose another name."
        )
    earlier = earlier_parts(out) if cut else []
    if earlier and not force:
        raise OutputError(
            f"parts of an earlier packet with this name are there ({earlier[0].name}...).",
            "Use --force to replace them, or -o to choose another name.",
        )
    if not resolved.parent.is_dir():
        raise OutputError(
            f"the folder {out.parent} does not exist.", "Create it, or choose another."
        )
    if not os.access(resolved.parent, os.W_OK):
        raise OutputError(f"cannot write in {out.parent}.", "Choose a folder you can write to.")
    return out


def volume_paths(output: Path, count: int) -> list[Path]:
    """The file names of a packet cut into ``count`` volumes (just ``output`` for one)."""
    if count == 1:
        return [output]
    stem, suffix = output.stem, output.suffix
    return [output.with_name(f"{stem}-part-{k}-of-{count}{suffix}") for k in range(1, count + 1)]


def earlier_parts(output: Path) -> list[Path]:
    """Volumes of an earlier build with the same output name."""
    pattern = re.compile(
        re.escape(output.stem) + r"-part-(\d+)-of-(\d+)" + re.escape(output.suffix)
    )
    try:
        found = [(pattern.fullmatch(p.name), p) for p in output.parent.iterdir()]
    except OSError:
        return []
    numbered = [((int(m.group(2)), int(m.group(1))), p) for m, p in found if m]
    return [p for _, p in sorted(numbered)]


def require_free(names: Sequence[Path], force: bool) -> None:
    """The parts' names are not taken (a single file was checked with the output), and
    none is a symbolic link (even with force: a link is never written through)."""
    if len(names) > 1:
        links = [p for p in names if p.is_symlink()]
        if links:
            raise not_a_file(links[0], stat.S_IFLNK)
    if len(names) > 1 and not force:
        taken = [p for p in names if os.path.lexists(p)]
        if taken:
            raise OutputError(
                f"{taken[0]} already exists.",
                "Use --force to replace it, or -o to choose another name.",
            )


def publish_all(pending: Sequence[Pending]) -> None:
    """Name every part, or (if naming one fails) none: those already named are removed,
    so that a mixed set of old and new parts is never left."""
    done = []
    try:
        for file in pending:
            file.publish()
            done.append(file.path)
    except BaseException:
        for path in done:
            with contextlib.suppress(OSError):
                path.unlink()
        raise


class Removed(NamedTuple):
    files: tuple[Path, ...]
    """Earlier outputs removed."""
    warnings: tuple[str, ...]
    """Those that could not be."""


def remove_stale_outputs(output: Path, written: Sequence[Path], *, force: bool) -> Removed:
    """With force: earlier outputs of this packet under the same name that the new
    volumes (``written``) replace (a single file now cut into parts, or parts of another
    cut), so that nobody uploads an old one by mistake."""
    if not force:
        return Removed((), ())
    current = {p.resolve() for p in written}
    stale = earlier_parts(output)
    if len(written) > 1 and output.exists():
        stale.append(output)
    removed, warnings = [], []
    for path in stale:
        if path.resolve() in current:
            continue
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            warnings.append(f"could not remove the earlier file {path}; delete it yourself.")
    return Removed(tuple(removed), tuple(warnings))


_BUILT = re.compile(r"second-opinion-packet-(\d{4}-\d{2}-\d{2})(?:-part-(\d+)-of-(\d+))?\.pdf")


def built_in_folder(folder: Path, given: bool = True) -> list[Path]:
    """The packet that ``build`` wrote in ``folder`` under its default name (all its parts,
    in order), when exactly one is there; otherwise a UsageError saying what was found."""
    where = str(folder) if given else "this folder"
    try:
        names = sorted(p.name for p in folder.iterdir() if _BUILT.fullmatch(p.name))
    except OSError as exc:
        raise UsageError(
            f"cannot look inside {where} ({exc.strerror}).", "Give the packet PDF's path."
        ) from None
    builds: dict[str, list[tuple[int, str]]] = {}
    for name in names:
        m = _BUILT.fullmatch(name)
        assert m is not None
        builds.setdefault(m.group(1), []).append((int(m.group(2) or 0), name))
    if len(builds) == 1:
        ((_, parts),) = builds.items()
        return [folder / name for _, name in sorted(parts)]
    if not builds:
        raise UsageError(
            f"{'no packet PDF was given, and ' if not given else ''}{where} holds no packet "
            "built by `sopacket build` (second-opinion-packet-DATE.pdf).",
            "Give the packet PDF's path, e.g. `sopacket verify packet.pdf`.",
        )
    shown = ", ".join(parts[0][1] for _, parts in sorted(builds.items(), reverse=True)[:3])
    raise UsageError(
        f"{where} holds packets built on {len(builds)} days ({shown}).",
        "Give the one to check, e.g. `sopacket verify " + shown.split(", ")[0] + "`.",
    )
