"""The packet file format, version 1, as pydantic models.

The field names here are the public interface: users, examples and scripts write them.
Keys marked *required* must be present; a required key may be left blank while a packet
is being prepared, and the checklist then reports it as missing (so a half-filled packet
gets a helpful table from ``sopacket check`` rather than a schema error).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from . import dates
from .pages import page_ranges

RecordKind = Literal[
    "pathology",
    "imaging",
    "lab",
    "visit_note",
    "discharge_summary",
    "operative_report",
    "genetic",
    "medication_history",
    "other",
]
RECORD_KINDS: tuple[str, ...] = RecordKind.__args__  # type: ignore[attr-defined]
VisitMode = Literal["video", "phone", "messaging", "in_person"]
Priority = Literal["high", "normal", "low"]
PRIORITY_ORDER = {"high": 0, "normal": 1, "low": 2}

_PARTIAL_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?$")
_PAGES = re.compile(r"^\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _partial_date(value: Any) -> Any:
    """Accept a full date, or a year / year-month written as text (``2019``, ``2019-03``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and _PARTIAL_DATE.match(value.strip()):
        return value.strip()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(dates.sentence(value)) from None  # it quotes the value
    return value


PartialDate = Annotated[dt.date | str, BeforeValidator(_partial_date)]


def _date_or_words(value: Any) -> Any:
    """A date as :data:`PartialDate` reads it, or words (``last month``, ``childhood``):
    only text shaped like a date (``2026-02-30``, ``12/25/2026``) must be a real one."""
    if isinstance(value, str) and value.strip() and not dates.DATE_SHAPED.match(value):
        return value.strip()
    return _partial_date(value)


DateOrWords = Annotated[dt.date | str, BeforeValidator(_date_or_words)]


def _no_number(value: Any) -> Any:
    """A date must be written as a date: 86400 is not read as a Unix timestamp."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


Date = Annotated[dt.date, BeforeValidator(_no_number)]
Text = Annotated[str, Field(min_length=1)]


def _lower(value: Any) -> Any:
    """Choices are matched without regard to case: `Lab` and `HIGH` are fine."""
    return value.strip().lower() if isinstance(value, str) else value


Kind = Annotated[RecordKind, BeforeValidator(_lower)]
Mode = Annotated[VisitMode, BeforeValidator(_lower)]
PriorityChoice = Annotated[Priority, BeforeValidator(_lower)]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        coerce_numbers_to_str=True,
        str_strip_whitespace=True,
        populate_by_name=True,
    )


class Patient(_Model):
    """The person the packet is about."""

    name: str | None = Field(description="Full name, as on the medical records (required).")
    date_of_birth: Date | None = Field(description="YYYY-MM-DD (required).")
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    language: str | None = Field(
        default=None, description="Preferred language for the consultation, e.g. English."
    )


class Companion(_Model):
    """A family member or friend who joins the visit to help remember and ask."""

    name: str | None = None
    relationship: str | None = None
    phone: str | None = None
    email: str | None = None


class Provider(_Model):
    """A clinician or clinic."""

    name: str | None = None
    facility: str | None = None
    phone: str | None = None
    email: str | None = None


class Visit(_Model):
    """How and when the second-opinion consultation takes place."""

    mode: Mode | None = Field(default=None, description="video, phone, messaging or in_person")
    date: Date | None = None


class Request(_Model):
    """What the second opinion is about."""

    reason: str | None = Field(description="Why a second opinion is sought (required).")
    specialty: str | None = Field(
        default=None, description="The reviewer's specialty, e.g. oncology; picks the checklist."
    )
    diagnosis: str | None = Field(default=None, description="The current diagnosis under review.")
    current_plan: str | None = Field(default=None, description="The current treatment plan.")
    treating_provider: Provider | None = None
    reviewing_provider: Provider | None = None
    visit: Visit | None = None

    @field_validator("specialty")
    @classmethod
    def _lower(cls, v: str | None) -> str | None:
        return v.lower() if v else v


class Record(_Model):
    """One medical record file: a PDF, or an image (JPEG, PNG, TIFF)."""

    title: Text = Field(description="What the record is, e.g. 'Core biopsy pathology report'.")
    kind: Kind = Field(default="other", description="The kind of record.")
    date: Date | None = Field(default=None, description="The date of the record, YYYY-MM-DD.")
    source: str | None = Field(default=None, description="Who issued it, e.g. a hospital.")
    file: str = Field(description="Path to the file, relative to the packet file.")
    pages: str | None = Field(
        default=None, description='Pages to include, e.g. "1-3,5" (default: all).'
    )
    password: str | None = Field(
        default=None,
        description="For a password-protected PDF: 'prompt' (ask when checking or building), "
        "'keyring' (the OS keyring entry record:FILE-NAME) or 'keyring:NAME' (entry "
        "record:NAME). Never the password itself.",
    )

    @field_validator("password")
    @classmethod
    def _password(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        if v in ("prompt", "keyring") or (v.startswith("keyring:") and len(v) > 8):
            return v
        raise ValueError(
            "must be prompt, keyring or keyring:NAME (never the password itself: a packet "
            "file is not a safe place for it)"
        )

    @field_validator("pages")
    @classmethod
    def _pages(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        if not _PAGES.match(v):
            raise ValueError('must list pages like "1-3,5" (numbers, ranges and commas)')
        for lo, hi in page_ranges(v):
            if lo < 1 or hi < lo:
                raise ValueError(f'the range "{lo}-{hi}" is backwards or starts below page 1')
        return v

    @field_validator("file")
    @classmethod
    def _file(cls, v: str) -> str:
        if not v:
            raise ValueError("must name the record's file, e.g. records/report.pdf")
        return v


class Medication(_Model):
    """A medication currently taken (prescription, over the counter or supplement)."""

    name: Text = Field(description="The medication's name, e.g. Tamoxifen.")
    dose: str | None = None
    frequency: str | None = None
    route: str | None = Field(default=None, description="e.g. oral, injection, inhaled")
    reason: str | None = None
    prescriber: str | None = None
    since: PartialDate | None = Field(default=None, description="YYYY-MM-DD, YYYY-MM or YYYY")


class Allergy(_Model):
    """An allergy or intolerance."""

    substance: Text = Field(description="What causes it, e.g. Penicillin.")
    reaction: str | None = Field(default=None, description="What happens, e.g. hives.")


class Condition(_Model):
    """Another condition or past history item."""

    name: Text
    since: DateOrWords | None = Field(
        default=None, description="A date (YYYY-MM-DD, YYYY-MM or YYYY) or words, e.g. childhood."
    )


class Question(_Model):
    """A question for the reviewing specialist."""

    text: Text
    priority: PriorityChoice = "normal"


class Symptom(_Model):
    """A current symptom."""

    text: Text
    since: DateOrWords | None = Field(
        default=None, description="A date (YYYY-MM-DD, YYYY-MM or YYYY) or words, e.g. last month."
    )
    urgent: bool = Field(
        default=False, description="true if it needs urgent attention (then seek in-person care)."
    )


def _yes_no(value: Any) -> Any:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value.lower() if isinstance(value, str) else value


class Insurance(_Model):
    """Insurance coverage for the remote consultation."""

    provider: str | None = None
    member_id: str | None = None
    telemedicine_covered: Annotated[
        Literal["yes", "no", "unknown"] | None, BeforeValidator(_yes_no)
    ] = None
    costs_checked: bool | None = Field(
        default=None, description="true once out-of-pocket costs have been checked."
    )


class Preparation(_Model):
    """Readiness for the remote visit and the records release."""

    private_space: bool | None = None
    internet_tested: bool | None = None
    device_tested: bool | None = None
    release_signed: bool | None = Field(
        default=None, description="true once a records-release authorization is signed."
    )


class Packet(_Model):
    """A second-opinion packet, format version 1."""

    model_config = ConfigDict(
        title="sopacket packet file, format version 1",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    sopacket: Literal[1] = Field(description="Format version; always 1 for now (required).")
    id: str | None = Field(
        default=None,
        description="Short name for the packet (keyring entry, batch file names). Defaults to "
        "the file's stem. Avoid the patient's name: file names are not encrypted.",
    )
    patient: Patient
    companion: Companion | None = None
    request: Request
    records: list[Record] = Field(default_factory=list)
    medications: list[Medication] | None = Field(
        default=None, description="Absent: not gathered yet. []: takes no medications."
    )
    allergies: list[Allergy] | None = Field(
        default=None, description="Absent: not gathered yet. []: no known allergies."
    )
    conditions: list[str | Condition] | None = None
    questions: list[str | Question] = Field(default_factory=list)
    symptoms: list[Symptom] = Field(default_factory=list)
    insurance: Insurance | None = None
    preparation: Preparation | None = None
    notes: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, v: str | None) -> str | None:
        if v is not None and not _ID.match(v):
            raise ValueError(
                "must be 1-64 letters, digits, dots, dashes or underscores, starting with a "
                "letter or digit"
            )
        return v

    @field_validator("records", "questions", "symptoms", mode="before")
    @classmethod
    def _none_is_empty(cls, v: Any) -> Any:
        return [] if v is None else v

    # Convenience views used by the checklist and the renderer.

    def question_list(self) -> list[Question]:
        """Questions as objects, highest priority first (stable within a priority)."""
        qs = [q if isinstance(q, Question) else Question(text=q) for q in self.questions]
        return sorted(qs, key=lambda q: PRIORITY_ORDER[q.priority])

    def condition_list(self) -> list[Condition]:
        return [
            c if isinstance(c, Condition) else Condition(name=c) for c in (self.conditions or [])
        ]


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the packet format (draft 2020-12)."""
    return Packet.model_json_schema()


class Clinic(_Model):
    """The clinic preparing packets, shown on each packet's cover ("Prepared with")."""

    name: str | None = Field(default=None, description="e.g. 'Riverside Second-Opinion Service'.")
    contact: str | None = Field(
        default=None, description="A phone number, e-mail or address, as one line."
    )


class ClinicConfig(_Model):
    """sopacket's config file (config.yaml): the clinic's defaults."""

    clinic: Clinic | None = None
    checklist: str | None = Field(
        default=None, description="Default checklist: a built-in name or a checklist file."
    )
    output_dir: str | None = Field(
        default=None, description="Default output folder for `sopacket batch`."
    )
    paper: Annotated[Literal["letter", "a4"], BeforeValidator(_lower)] | None = Field(
        default=None, description="Paper size of the packet's own pages: letter or a4."
    )
    fit: dict[str, str] | None = Field(
        default=None,
        description="Size presets for `build --fit NAME`: a name and a size each, e.g. "
        "portal: 25MB (overrides the built-in email and portal sizes).",
    )
