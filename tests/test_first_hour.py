"""The first hour with sopacket (issue 14, "Commands as people type them"): folders as
packets, plain help, choices and dates as people write them, add symptom/condition,
duplicates, portable paths, unreadable records, the short check, formats named, the
build's progress and size, a weak password refused at once, and two loader crashes."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sopacket.cli import app
from sopacket.errors import ExitCode

from .conftest import MINIMAL, make_image, make_pdf, write

PW = "correct horse battery staple 42"


def run(runner: CliRunner, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=stdin)


def fresh(runner: CliRunner, folder: Path) -> Path:
    result = run(runner, "init", str(folder))
    assert result.exit_code == 0, result.output
    return folder / "packet.yaml"


# --- a folder (or nothing, inside one) stands for its packet.yaml -----------------------


def test_check_accepts_the_packet_folder(runner: CliRunner, example: Path) -> None:
    result = run(runner, "check", str(example.parent))
    assert result.exit_code == ExitCode.OK, result.output
    assert "this is a folder" not in result.output and "Ready to build" in result.stdout


def test_commands_without_a_packet_use_the_current_folders(
    runner: CliRunner, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(example.parent)
    assert run(runner, "check").exit_code == ExitCode.OK
    added = run(runner, "add", "allergy", "--substance", "Latex")
    assert added.exit_code == 0, added.output
    assert "Latex" in example.read_text()
    question = run(runner, "add", "question", "Can I keep working?")
    assert question.exit_code == 0, question.output
    assert "Can I keep working?" in example.read_text()
    make_pdf(example.parent / "records" / "new.pdf", text="New scan")
    record = run(runner, "add", "record", "records/new.pdf", "--title", "New scan")
    assert record.exit_code == 0, record.output
    assert "file: records/new.pdf" in example.read_text()
    built = run(runner, "build", "--password-stdin", "-o", "out.pdf", stdin=PW + "\n")
    assert built.exit_code == 0, built.output
    assert (example.parent / "out.pdf").is_file()


def test_a_folder_without_a_packet_is_a_clear_error(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "other.yaml", MINIMAL)
    result = run(runner, "check", str(tmp_path))
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert "has no packet.yaml" in result.stderr and "other.yaml" in result.stderr
    monkeypatch.chdir(tmp_path)
    for args in (["check"], ["build", "--password-stdin"], ["add", "allergy", "--substance", "X"]):
        result = run(runner, *args, stdin="")
        assert result.exit_code == ExitCode.INPUT_ERROR, args
        assert "no packet file was given" in result.stderr, args
        assert "Traceback" not in result.output


def test_verify_finds_the_packet_built_in_a_folder(
    runner: CliRunner, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = example.parent
    built = run(runner, "build", str(folder), "--password-stdin", stdin=PW + "\n")
    assert built.exit_code == 0, built.output
    (pdf,) = folder.glob("second-opinion-packet-*.pdf")
    result = run(runner, "verify", str(folder), "--password-stdin", stdin=PW + "\n")
    assert result.exit_code == ExitCode.OK, result.output
    assert pdf.name in result.stdout.replace("\n", "") and "intact" in result.stdout
    monkeypatch.chdir(folder)
    assert run(runner, "verify", "--password-stdin", stdin=PW + "\n").exit_code == ExitCode.OK
    # two builds on different days: which one is meant cannot be guessed
    pdf.with_name("second-opinion-packet-2020-01-01.pdf").write_bytes(pdf.read_bytes())
    result = run(runner, "verify", "--password-stdin", stdin=PW + "\n")
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert "built on 2 days" in result.stderr and pdf.name in result.stderr


def test_verify_of_a_folder_without_a_packet_says_so(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, "verify", str(tmp_path))
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert "holds no packet built by `sopacket build`" in result.stderr


# --- help: plain metavars, no internal types; completion ---------------------------------


def every_command() -> list[list[str]]:
    """Every command and group of the app (so one added later is walked too)."""
    from sopacket.cli import add, config, password

    found: list[list[str]] = [[], ["add"], ["config"], ["password"]]
    found += [[c] for c in ("init", "check", "verify", "build", "batch", "schema")]
    for group, module in (("add", add), ("config", config), ("password", password)):
        found += [[group, sub] for sub in module.COMMANDS]
    return found


COMMANDS = every_command()


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "sopacket")
def test_help_shows_no_internal_types(runner: CliRunner, command: list[str]) -> None:
    result = run(runner, *command, "--help")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "Usage:" in text
    for internal in ("<bool>", "<str>", "<path>", "<int", "<float", "<file>", "<dir>", "list["):
        assert internal not in text, (command, internal)
    assert not re.search(r"\{[a-z_]+\}", text), text  # typer's {packet} in the usage line


def test_a_switch_given_a_value_is_told_so(runner: CliRunner, example: Path) -> None:
    result = run(runner, "check", str(example), "--strict", "true")
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert "takes no value" in result.output and "unexpected extra argument" not in result.output


def test_shell_completion_is_offered(runner: CliRunner) -> None:
    result = run(runner, "--help")
    assert "--install-completion" in result.stdout and "--show-completion" in result.stdout


# --- choices and dates as people write them ---------------------------------------------


def test_template_ignores_case(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, "init", str(tmp_path / "p"), "--template", "Oncology")
    assert result.exit_code == 0, result.output
    assert "oncology template" in result.stderr


def test_a_wrong_choice_reads_as_one_sentence(runner: CliRunner, minimal: Path) -> None:
    result = run(runner, "add", "question", str(minimal), "Q?", "--priority", "urgent")
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert '"urgent" is not one of high, normal or low.' in result.stderr
    assert ".." not in result.stderr


@pytest.mark.parametrize(
    ("date", "said"),
    [
        ("12/25/2026", "Write it as 2026-12-25"),
        ("25.12.2026", "Write it as 2026-12-25"),
        ("03/04/2026", "could mean 4 March or 3 April"),
        ("2026-02-30", "February 2026 has no day 30"),
        ("2026-13-01", "there is no month 13"),
    ],
)
def test_dates_are_explained(runner: CliRunner, minimal: Path, date: str, said: str) -> None:
    before = minimal.read_text()
    make_pdf(minimal.parent / "r.pdf")
    result = run(runner, "add", "record", str(minimal), "r.pdf", "--title", "T", "--date", date)
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert said in " ".join(result.stderr.split())
    assert minimal.read_text() == before
    # ...and the same words for a date in the packet file
    write(minimal, MINIMAL.replace("1970-01-31", date))
    result = run(runner, "check", str(minimal))
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert said in " ".join(result.stderr.split())


def test_a_symptoms_since_may_be_words(runner: CliRunner, minimal: Path) -> None:
    write(minimal, MINIMAL + "symptoms:\n  - text: Tired\n    since: last month\n")
    result = run(runner, "check", str(minimal), "--json")
    assert result.exit_code == ExitCode.NOT_READY, result.output
    write(minimal, MINIMAL + "symptoms:\n  - text: Tired\n    since: 2026-02-30\n")
    result = run(runner, "check", str(minimal))
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert "no day 30" in result.stderr


# --- add symptom, add condition, duplicates, paths --------------------------------------


def test_add_symptom_and_condition_keep_comments(runner: CliRunner, tmp_path: Path) -> None:
    packet = fresh(runner, tmp_path / "p")
    comments = [ln for ln in packet.read_text().splitlines() if ln.lstrip().startswith("#")]
    result = run(runner, "add", "symptom", str(packet), "Short of breath", "--since", "last month")
    assert result.exit_code == 0, result.output
    assert "Added symptom 1" in result.stderr
    result = run(runner, "add", "condition", str(packet), "Type 2 diabetes", "--since", "2019")
    assert result.exit_code == 0, result.output
    text = packet.read_text()
    assert "Short of breath" in text and "last month" in text and "Type 2 diabetes" in text
    assert all(c in text.splitlines() for c in comments)
    data = json.loads(run(runner, "check", str(packet), "--json").stdout)
    conditions = next(i for i in data["items"] if i["id"] == "conditions")
    assert conditions["status"] == "done"


@pytest.mark.parametrize(
    "args",
    [
        ["allergy", "--substance", "Penicillin"],
        ["medication", "--name", "Aspirin", "--dose", "81 mg"],
        ["question", "Is surgery necessary?"],
        ["symptom", "Headache"],
        ["condition", "Asthma"],
    ],
)
def test_the_same_entry_twice_is_refused(runner: CliRunner, minimal: Path, args: list[str]) -> None:
    sub, *rest = args
    assert run(runner, "add", sub, str(minimal), *rest).exit_code == 0
    before = minimal.read_text()
    again = [a.upper() if a[0].isalpha() else a for a in rest]  # case does not matter
    result = run(runner, "add", sub, str(minimal), *again)
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert "already in" in result.stderr and "--duplicate" in result.stderr
    assert minimal.read_text() == before
    result = run(runner, "add", sub, str(minimal), *again, "--duplicate")
    assert result.exit_code == 0 and minimal.read_text() != before


def test_the_same_file_twice_is_refused(runner: CliRunner, minimal: Path, tmp_path: Path) -> None:
    labs = make_pdf(tmp_path / "downloads" / "labs.pdf", text="Labs")
    assert run(runner, "add", "record", str(minimal), str(labs), "--title", "Labs").exit_code == 0
    before = minimal.read_text()
    copy = tmp_path / "downloads" / "labs (1).pdf"
    copy.write_bytes(labs.read_bytes())  # the same content under another name
    result = run(runner, "add", "record", str(minimal), str(copy), "--title", "Labs", "--copy")
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert "already in the packet" in result.stderr and "Labs" in result.stderr
    assert minimal.read_text() == before and not (tmp_path / "records").exists()


def test_a_record_outside_the_folder_is_stored_relative(runner: CliRunner, tmp_path: Path) -> None:
    packet = fresh(runner, tmp_path / "p")
    scan = make_pdf(tmp_path / "scans" / "mri.pdf")
    result = run(runner, "add", "record", str(packet), str(scan), "--title", "MRI")
    assert result.exit_code == 0, result.output
    assert "file: ../scans/mri.pdf" in packet.read_text()
    assert str(tmp_path) not in packet.read_text()
    # the two folders move together and the packet still finds its record
    moved = tmp_path / "moved"
    moved.mkdir()
    (tmp_path / "p").rename(moved / "p")
    (tmp_path / "scans").rename(moved / "scans")
    data = json.loads(run(runner, "check", str(moved / "p"), "--json").stdout)
    assert data["records"][0]["ok"] is True


def test_copy_says_when_it_renames(runner: CliRunner, tmp_path: Path) -> None:
    packet = fresh(runner, tmp_path / "p")
    make_pdf(tmp_path / "p" / "records" / "labs.pdf", text="Old labs")
    new = make_pdf(tmp_path / "new" / "labs.pdf", text="New labs")
    result = run(runner, "add", "record", str(packet), str(new), "--title", "Labs", "--copy")
    assert result.exit_code == 0, result.output
    assert "copied as records/labs-2.pdf" in " ".join(result.stderr.split())
    assert "file: records/labs-2.pdf" in packet.read_text()


# --- unreadable records satisfy nothing; formats named -----------------------------------


def heic(path: Path) -> Path:
    path.write_bytes(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + bytes(200))
    return path


def docx(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return path


def test_unreadable_records_satisfy_nothing(runner: CliRunner, minimal: Path) -> None:
    heic(minimal.parent / "blood.heic")
    docx(minimal.parent / "letter.docx")
    write(
        minimal,
        MINIMAL
        + "records:\n"
        + "  - {title: Blood count, kind: lab, file: blood.heic}\n"
        + "  - {title: Letter from Dr X, kind: visit_note, file: letter.docx}\n",
    )
    data = json.loads(run(runner, "check", str(minimal), "--json").stdout)
    status = {i["title"]: i for i in data["items"]}
    assert status["Test results among the records"]["status"] == "missing"
    assert status["Doctor's notes or summaries"]["status"] == "missing"
    assert status["Medical records gathered"]["status"] == "missing"
    assert "cannot be read" in status["Test results among the records"]["detail"]
    problems = [r["problem"] for r in data["records"]]
    assert "an HEIC photo" in problems[0] and "a Word document (DOCX)" in problems[1]


@pytest.mark.parametrize(
    ("content", "named", "fix"),
    [
        (b"\0\0\0\x18ftypheic\0\0\0\0" + bytes(100), "HEIC photo", "Most Compatible"),
        (b"RIFF\0\0\0\0WEBPVP8 " + bytes(100), "WebP image", "JPEG"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "Word .doc", "save it as PDF"),
        (b"{\\rtf1\\ansi hello}", "Rich Text (RTF)", "save it as PDF"),
        (bytes(128) + b"DICM" + bytes(100), "DICOM", "radiology report as PDF"),
        (b"<!DOCTYPE html><html><body>Results</body></html>", "web page (HTML)", "print it"),
        (b"Hemoglobin 13.2 g/dL\n", "plain text", "Print it to PDF"),
        (b"PK\x03\x04" + bytes(60), "ZIP archive", "Unpack it"),
    ],
)
def test_formats_are_named(
    runner: CliRunner, minimal: Path, content: bytes, named: str, fix: str
) -> None:
    record = minimal.parent / "record.bin"
    record.write_bytes(content)
    result = run(runner, "add", "record", str(minimal), str(record), "--title", "T")
    assert result.exit_code == ExitCode.INPUT_ERROR
    said = " ".join(result.stderr.split())
    assert named in said and fix in said


def test_named_format_in_check_and_odt(runner: CliRunner, minimal: Path) -> None:
    odt = minimal.parent / "letter.odt"
    with zipfile.ZipFile(odt, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    write(minimal, MINIMAL + "records:\n  - {title: Letter, file: letter.odt}\n")
    data = json.loads(run(runner, "check", str(minimal), "--json").stdout)
    assert "OpenDocument text (ODT)" in data["records"][0]["problem"]


def test_a_folder_given_as_a_record_is_explained(runner: CliRunner, minimal: Path) -> None:
    (minimal.parent / "scans").mkdir()
    result = run(
        runner, "add", "record", str(minimal), str(minimal.parent / "scans"), "--title", "T"
    )
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert "is a folder, not a record file" in result.stderr
    assert "╭" not in result.output  # not typer's usage box


# --- the short check -------------------------------------------------------------------


def test_check_on_a_fresh_packet_is_short(runner: CliRunner, tmp_path: Path) -> None:
    packet = fresh(runner, tmp_path / "p")
    short = run(runner, "check", str(packet))
    full = run(runner, "check", str(packet), "--all")
    assert short.exit_code == full.exit_code == ExitCode.NOT_READY
    lines = short.stdout.splitlines()
    assert len(lines) <= 40 < len(full.stdout.splitlines())
    assert lines[0].startswith("Not ready")  # the verdict first
    assert "1." in short.stdout and "How to fix:" in short.stdout
    assert "6." not in short.stdout  # only the first five
    assert "sopacket check --all" in short.stdout
    assert "Why it matters" in full.stdout


def test_check_json_is_complete_without_all(runner: CliRunner, tmp_path: Path) -> None:
    packet = fresh(runner, tmp_path / "p")
    short = json.loads(run(runner, "check", str(packet), "--json").stdout)
    full = json.loads(run(runner, "check", str(packet), "--json", "--all").stdout)
    assert short == full and len(short["items"]) > 20


# --- build: progress, size, time limit --------------------------------------------------


def test_progress_shows_the_file_and_the_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    from sopacket.cli import display, live

    screen = io.StringIO()
    monkeypatch.setattr(display, "err", Console(file=screen, force_terminal=True, width=100))
    bar = live.LiveProgress()
    bar.start(3, "Reading records")
    bar.advance()
    bar.doing("big-scan-2026.pdf")
    bar._bar.refresh()
    bar.pause()
    text = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", screen.getvalue())
    assert "Reading records" in text and "1/3" in text
    assert "big-scan-2026.pdf" in text and "0:00:0" in text


def test_a_large_packet_is_warned_about(
    runner: CliRunner, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sopacket.cli import build

    monkeypatch.setattr(build, "UPLOAD_LIMIT", 100_000)  # the example is about 0.3 MB
    out = example.parent / "out.pdf"
    result = run(runner, "build", str(example), "--password-stdin", "-o", str(out), stdin=PW)
    assert result.exit_code == 0, result.output
    said = " ".join(result.stderr.split())
    assert "larger than many upload portals" in said and "--fit portal" in said
    monkeypatch.setattr(build, "UPLOAD_LIMIT", 10**9)
    result = run(
        runner, "build", str(example), "--password-stdin", "-o", str(out), "--force", stdin=PW
    )
    assert result.exit_code == 0 and "upload portals" not in result.stderr


def sleepy(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_the_time_limit_error_names_its_option() -> None:
    from sopacket.records.isolate import ChildFailed, Limits, Pool

    (outcome,) = list(Pool(sleepy, [(10,)], Limits(0, 1), jobs=1))
    assert isinstance(outcome, ChildFailed)
    assert "--record-time-limit" in outcome.reason


# --- a weak password is refused at its first entry ---------------------------------------


def test_a_weak_password_is_refused_before_it_is_typed_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sopacket import passwords

    asked: list[str] = []
    answers = iter(["password1", PW, PW])

    def getpass(prompt: str = "") -> str:
        asked.append(prompt)
        return next(answers)

    monkeypatch.setattr("getpass.getpass", getpass)
    refused: list[str] = []
    pw = passwords.obtain(
        passwords.PasswordOptions(),
        "x",
        interactive=True,
        on_retry=lambda exc: refused.append(exc.message),
    )
    assert pw.value == PW
    assert asked == ["Password for the packet: ", "Password for the packet: ", "Type it again: "]
    assert refused and "weak" in refused[0]


# --- the loader: deep nesting and NUL characters are exit 2, not 70 ----------------------


@pytest.mark.parametrize("depth", [450, 999])
def test_deep_nesting_is_a_clear_error(runner: CliRunner, tmp_path: Path, depth: int) -> None:
    packet = write(tmp_path / "p.yaml", MINIMAL + "notes: " + "[" * depth + "]" * depth + "\n")
    result = run(runner, "check", str(packet))
    assert result.exit_code == ExitCode.INPUT_ERROR, result.output
    assert "nested more than" in result.stderr and "unexpected" not in result.stderr


def test_a_nul_in_a_file_name_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    packet = write(tmp_path / "p.yaml", MINIMAL + 'records:\n  - {title: X, file: "x.pdf\\0y"}\n')
    for command in ("check", "build"):
        result = run(runner, command, str(packet), "--base-dir", str(tmp_path), stdin=PW)
        assert result.exit_code == ExitCode.INPUT_ERROR, (command, result.output)
        assert "NUL character" in result.stderr and "records[0].file" in result.stderr
        assert not list(tmp_path.glob("*.pdf"))


def test_an_image_record_is_still_accepted(runner: CliRunner, minimal: Path) -> None:
    photo = make_image(minimal.parent / "photo.jpg", "JPEG")
    result = run(runner, "add", "record", str(minimal), str(photo), "--title", "Photo")
    assert result.exit_code == 0, result.output
