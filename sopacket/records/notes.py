"""What was done to a record on its way into the packet, said in one place.

Nothing is ever degraded or dropped silently: a record repaired, stripped of active
content, with form fields flattened, with images recompressed to fit a size limit, or cut
across files is told to each audience in its own words:

- the person building (:func:`cleaning_warnings`, :func:`recompression`): by title;
- a batch report (:func:`report_note`): by number and file name only, never the title,
  since a report is not encrypted and a title can say something about the patient;
- the reviewer, in the records index (:func:`index_note`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from .recompress import Recompressed


class Cleaned(Protocol):
    """What cleaning did to a record (a cleaned record, or a build's record summary)."""

    @property
    def repaired(self) -> bool: ...
    @property
    def removed(self) -> Sequence[str]: ...
    @property
    def flattened_fields(self) -> int: ...


def cleaning_warnings(title: str, cleaned: Cleaned) -> list[str]:
    """For the person building: what cleaning did to the record titled ``title``."""
    name = f"\u201c{title}\u201d"
    warnings = []
    if cleaned.repaired:
        warnings.append(f"{name} was damaged and has been repaired; check its pages in the packet.")
    done = []
    if cleaned.removed:
        done.append("left out its " + _join(cleaned.removed))
    if cleaned.flattened_fields:
        n = cleaned.flattened_fields
        done.append(f"turned {n} form field{'s' if n != 1 else ''} into plain text on the page")
    if done:
        warnings.append(
            f"{name}: for safety, sopacket {' and '.join(done)}. Its pages are all there."
        )
    return warnings


def report_note(number: int, file: str, cleaned: Cleaned) -> str | None:
    """For a batch report: what cleaning did to record ``number`` (1-based), by file name."""
    said = []
    if cleaned.repaired:
        said.append("was damaged and has been repaired")
    if cleaned.removed:
        said.append("had its " + ", ".join(cleaned.removed) + " left out")
    if cleaned.flattened_fields:
        said.append(f"had {cleaned.flattened_fields} form field(s) turned into plain text")
    return f"record {number} ({file}) " + " and ".join(said) if said else None


def recompression(shrunk: Recompressed) -> str:
    """For the person building: how a record's images were stored to fit a size limit."""
    what = []
    if shrunk.downsampled:
        what.append(
            f"{shrunk.downsampled} image{'s' if shrunk.downsampled != 1 else ''} "
            f"stored at {shrunk.dpi} dpi as JPEG quality {shrunk.quality} (up to "
            f"{shrunk.largest_dpi} dpi before)"
        )
    if shrunk.bilevel:
        what.append(
            f"{shrunk.bilevel} black-and-white scan{'s' if shrunk.bilevel != 1 else ''} "
            "stored with a better lossless encoding (every pixel kept)"
        )
    return "; ".join(what)


def index_note(shrunk: Recompressed | None, hidden_layers: bool = False) -> str | None:
    """For the reviewer, in the records index: a record that had layers hidden by default
    (their content was left out), and one whose images were recompressed to fit (the
    original file is unchanged and can be asked for)."""
    layers = (
        "Had layers hidden by default; hidden content was left out, as the original shows it."
        if hidden_layers
        else None
    )
    if shrunk is None or not shrunk.downsampled:
        return layers  # black-and-white pages re-encoded without loss: nothing to tell
    n = shrunk.downsampled
    return (f"{layers} " if layers else "") + (
        f"To fit the upload size limit, {n} image{'s' if n != 1 else ''} in this record "
        f"{'were' if n != 1 else 'was'} stored at {shrunk.dpi} dpi (up to "
        f"{shrunk.largest_dpi} dpi in the original file, which the patient can send if finer "
        "detail matters)."
    )


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
