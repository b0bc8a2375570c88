"""Find the data files shipped with sopacket (starter packets and checklists).

In an installed wheel they live in ``sopacket/templates``; in a source checkout they are the
top-level ``templates/`` folder beside the package.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path


def templates() -> Traversable:
    """The templates folder."""
    inside = files("sopacket").joinpath("templates")
    if inside.is_dir():
        return inside
    return Path(__file__).resolve().parent.parent / "templates"


def names(folder: str) -> list[str]:
    """The names (without .yaml) of the shipped files in ``templates/<folder>``."""
    return sorted(
        entry.name.removesuffix(".yaml")
        for entry in templates().joinpath(folder).iterdir()
        if entry.name.endswith(".yaml")
    )


def read(folder: str, name: str) -> str:
    return templates().joinpath(folder, f"{name}.yaml").read_text(encoding="utf-8")
