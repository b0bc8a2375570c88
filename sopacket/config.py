"""The clinic's settings, configured once: a YAML file in the user's config folder.

    clinic:
      name: Riverside Oncology Second-Opinion Service
      contact: +1 555 0100 · opinions@riverside.example
    checklist: clinic-list.yaml    # for packets whose specialty has no checklist of its own
    output_dir: ~/packets          # default output folder for batch
    paper: a4                      # letter or a4
    fit:                           # sizes for `build --fit NAME` (override the built-in)
      portal: 25MB
      email: 15MB

The file is found at ``--config FILE`` if given, else ``$SOPACKET_CONFIG``, else
``config.yaml`` in the platform's config folder for sopacket (Linux:
``~/.config/sopacket``, macOS: ``~/Library/Application Support/sopacket``, Windows:
``%APPDATA%\\sopacket``). Every value records where it came from, for `sopacket config
show`. A command-line option always wins over the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .errors import PacketFileError, Problem, UsageError

ENV = "SOPACKET_CONFIG"
KEYS = ("clinic.name", "clinic.contact", "checklist", "output_dir", "paper", "fit")


def default_path() -> Path:
    """Where the config file lives by the platform's convention."""
    import typer

    return Path(typer.get_app_dir("sopacket")) / "config.yaml"


@dataclass(frozen=True)
class Setting:
    value: Any
    source: str
    """"default", or the file it came from."""


@dataclass(frozen=True)
class Config:
    """The settings in effect, each with its source."""

    path: Path
    """The config file looked for (it may not exist)."""
    found: bool
    settings: dict[str, Setting] = field(default_factory=dict)

    def get(self, key: str) -> Any:
        setting = self.settings.get(key)
        return setting.value if setting else None

    @property
    def clinic(self) -> str | None:
        """The clinic's name and contact as one line for the cover, or None."""
        parts = [p for p in (self.get("clinic.name"), self.get("clinic.contact")) if p]
        return " \u00b7 ".join(parts) if parts else None

    @property
    def checklist(self) -> str | None:
        return self.get("checklist")

    @property
    def output_dir(self) -> Path | None:
        value = self.get("output_dir")
        return Path(value).expanduser() if value else None

    @property
    def paper(self) -> Literal["letter", "a4"]:
        return self.get("paper") or "letter"

    @property
    def presets(self) -> dict[str, int]:
        """The --fit sizes in effect (bytes): the built-in ones and the file's."""
        from .packaging.fit import PRESETS, parse_size

        return {**PRESETS, **{k: parse_size(v) for k, v in (self.get("fit") or {}).items()}}

    def to_json(self) -> dict[str, Any]:
        return {
            "sopacket_config": 1,
            "file": str(self.path),
            "found": self.found,
            "settings": {
                key: {"value": self.settings[key].value, "source": self.settings[key].source}
                for key in KEYS
            },
        }


def load(path: Path | None = None) -> Config:
    """The settings in effect: ``path`` (which must exist), else $SOPACKET_CONFIG (which
    must exist), else the platform's config file if there is one, else the defaults."""
    explicit = path is not None or bool(os.environ.get(ENV))
    where = Path(path or os.environ.get(ENV) or default_path()).expanduser()
    defaults = {key: Setting(None, "default") for key in KEYS}
    defaults["paper"] = Setting("letter", "default")
    defaults["fit"] = Setting(_builtin_presets(), "default")
    if not where.exists():
        if explicit:
            raise UsageError(
                f"the config file {where} does not exist.",
                "Check the path given with --config or in $SOPACKET_CONFIG.",
            )
        return Config(where, False, defaults)
    from .packetfile import loader
    from .packetfile.model import ClinicConfig
    from .packetfile.validation import validate_as

    source = loader.load(where)
    model = validate_as(source, ClinicConfig)
    settings = dict(defaults)
    values: dict[str, Any] = {
        "clinic.name": model.clinic.name if model.clinic else None,
        "clinic.contact": model.clinic.contact if model.clinic else None,
        "checklist": model.checklist,
        "output_dir": model.output_dir,
        "paper": model.paper,
        "fit": _presets(model.fit, where),
    }
    output_dir = values["output_dir"]
    if output_dir and not Path(output_dir).expanduser().is_absolute():
        values["output_dir"] = str((where.parent / output_dir).resolve())  # beside the file
    checklist = values["checklist"]
    if checklist and not Path(checklist).is_absolute():
        from .checking.checklist import builtin_names

        if checklist not in builtin_names():  # a file: relative to the config file
            values["checklist"] = str((where.parent / Path(checklist).expanduser()).resolve())
    for key, value in values.items():
        if value is not None:
            settings[key] = Setting(value, str(where))
    return Config(where, True, settings)


def _builtin_presets() -> dict[str, str]:
    from .packaging.fit import PRESETS

    return {name: f"{size // 1_000_000}MB" for name, size in PRESETS.items()}


def _presets(fit: dict[str, str] | None, where: Path) -> dict[str, str] | None:
    """The size presets in effect: the built-in ones and the file's, each of the file's
    checked now (a bad size names the file and key)."""
    if not fit:
        return None
    from .packaging.fit import MIN_SIZE, parse_size, show_size

    out = _builtin_presets()
    for name, size in fit.items():
        if not name.strip() or any(c.isspace() for c in name.strip()):
            raise UsageError(
                f"in {where}, the size preset {name!r} needs a name of one word.",
                "Name it like portal or referral-fax.",
            )
        try:
            value = parse_size(str(size))
        except UsageError:
            raise UsageError(
                f"in {where}, fit.{name} is {size!r}, which is not a size.",
                "Write it like 25MB or 10MiB.",
            ) from None
        if value < MIN_SIZE:
            raise UsageError(
                f"in {where}, fit.{name} is {show_size(value)}, too small for a packet.",
                f"Give at least {show_size(MIN_SIZE)}.",
            )
        out[name.strip().lower()] = str(size)
    return out


__all__ = ["Config", "PacketFileError", "Problem", "Setting", "default_path", "load"]
