"""Issue 13, output findings: two builds racing for one name, links planted at output
names, terminal escape sequences in what the CLI prints. Each test performs the attack."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sopacket import output
from sopacket.cli import app
from sopacket.errors import ExitCode, OutputError
from sopacket.output import Pending
from sopacket.packaging.destination import publish_all, require_free

from .conftest import EXAMPLE
from .test_batch import complete_packet, run_batch
from .test_build import build
from .test_passwords import MemoryKeyring
from .test_passwords import memory_keyring as memory_keyring

# --- 13: a name taken by another build meanwhile is never replaced without --force -------


@pytest.fixture(params=["unnamed", "named"])
def temporary(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways of writing: an unnamed file (O_TMPFILE), and a named temporary file."""
    if request.param == "named":
        monkeypatch.setattr(output, "_unnamed_file", lambda folder, mode: None)
    return str(request.param)


def test_a_name_taken_meanwhile_is_not_replaced(tmp_path: Path, temporary: str) -> None:
    path = tmp_path / "same.pdf"
    pending = Pending(path, replace=False)
    pending.file.write(b"second build")
    path.write_bytes(b"first build")  # the other build is named first
    with pytest.raises(OutputError, match=r"another build.*meanwhile") as caught:
        pending.publish()
    pending.discard()
    assert "--force" in caught.value.fix
    assert path.read_bytes() == b"first build"
    assert [p.name for p in tmp_path.iterdir()] == ["same.pdf"]


def test_with_replace_the_name_taken_meanwhile_is_replaced(tmp_path: Path, temporary: str) -> None:
    path = tmp_path / "same.pdf"
    pending = Pending(path, replace=True)
    pending.file.write(b"second build")
    path.write_bytes(b"first build")
    pending.publish()
    pending.discard()
    assert path.read_bytes() == b"second build"
    assert [p.name for p in tmp_path.iterdir()] == ["same.pdf"]


def test_parts_are_all_named_or_none_when_one_name_is_taken(tmp_path: Path) -> None:
    names = [tmp_path / f"p-part-{k}-of-3.pdf" for k in (1, 2, 3)]
    pending = [Pending(name, replace=False) for name in names]
    for p in pending:
        p.file.write(b"new")
    names[1].write_bytes(b"other build")
    with pytest.raises(OutputError, match="meanwhile"):
        publish_all(pending)
    for p in pending:
        p.discard()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p-part-2-of-3.pdf"]
    assert names[1].read_bytes() == b"other build"


def _race(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another build names the output just before this one does."""
    publish = Pending.publish

    def racing(self: Pending) -> None:
        self.path.write_bytes(b"%PDF-1.7 the other build's packet")
        publish(self)

    monkeypatch.setattr(Pending, "publish", racing)


def test_two_builds_to_one_name_the_second_fails(
    runner: CliRunner, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = example.parent / "same.pdf"
    _race(monkeypatch)
    result = build(runner, example, "-o", str(out))
    assert result.exit_code == ExitCode.OUTPUT_ERROR, result.output
    assert "was written by another build" in result.stderr and "--force" in result.stderr
    assert out.read_bytes() == b"%PDF-1.7 the other build's packet"
    assert not list(example.parent.glob(".sopacket-*"))
    assert [p.name for p in example.parent.glob("*.pdf")] == ["same.pdf"]


def test_two_builds_to_one_name_with_force_the_second_replaces(
    runner: CliRunner, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = example.parent / "same.pdf"
    _race(monkeypatch)
    result = build(runner, example, "-o", str(out), "--force")
    assert result.exit_code == 0, result.output
    assert b"the other build" not in out.read_bytes()
    assert not list(example.parent.glob(".sopacket-*"))


# --- 14: a link at an output name is never written through, even with --force -------------


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    """A file outside the output folder, that a link at an output name will point to."""
    target = tmp_path / "elsewhere" / "precious.txt"
    target.parent.mkdir()
    target.write_bytes(b"precious, not a packet")
    return target


def test_build_force_refuses_a_link_at_the_output(
    runner: CliRunner, example: Path, planted: Path
) -> None:
    link = example.parent / "link.pdf"
    link.symlink_to(planted)
    result = build(runner, example, "-o", str(link), "--force")
    assert result.exit_code == ExitCode.OUTPUT_ERROR, result.output
    assert "link.pdf is a symbolic link" in " ".join(result.stderr.split())
    assert planted.read_bytes() == b"precious, not a packet"
    assert link.is_symlink() and not list(example.parent.glob(".sopacket-*"))


def test_batch_force_refuses_a_link_planted_at_a_packet_name(
    tmp_path: Path, planted: Path, memory_keyring: MemoryKeyring
) -> None:
    complete_packet(tmp_path / "in" / "p1", "lk-01")
    out = tmp_path / "out"
    out.mkdir()
    (out / "lk-01.pdf").symlink_to(planted)
    for force in (["--force"], []):
        result = run_batch(
            str(tmp_path / "in"), "-o", str(out), "--generate-password", "--json", *force
        )
        assert result.exit_code == 1, result.output
        row = json.loads(result.stdout)["packets"][0]
        assert row["status"] == "failed" and "is a symbolic link" in row["problems"][0]
        assert planted.read_bytes() == b"precious, not a packet"
        assert (out / "lk-01.pdf").is_symlink()
        assert sorted(p.name for p in out.iterdir()) == [".sopacket-batch.lock", "lk-01.pdf"]


def test_a_link_planted_after_the_check_is_not_written_through(
    tmp_path: Path, planted: Path, temporary: str
) -> None:
    path = tmp_path / "out.pdf"
    pending = Pending(path, replace=True, follow=False)
    pending.file.write(b"packet")
    path.symlink_to(planted)
    with pytest.raises(OutputError, match="symbolic link"):
        pending.publish()
    pending.discard()
    assert planted.read_bytes() == b"precious, not a packet" and path.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "out.pdf"]


def test_a_link_at_a_part_name_is_refused_even_with_force(tmp_path: Path, planted: Path) -> None:
    names = [tmp_path / f"p-part-{k}-of-2.pdf" for k in (1, 2)]
    names[1].symlink_to(planted)
    for force in (True, False):
        with pytest.raises(OutputError, match=r"p-part-2-of-2\.pdf is a symbolic link"):
            require_free(names, force)
    with pytest.raises(OutputError, match="symbolic link"):
        Pending(names[1], replace=True, follow=False)
    assert planted.read_bytes() == b"precious, not a packet"


# --- 16: escape sequences in the data never reach the terminal ----------------------------

OSC52 = "\x1b]52;c;cm0gLXJmIH4=\x07"  # writes "rm -rf ~" to the clipboard
HIDE = "\x1b[8m"  # hides the text after it
HOSTILE = (OSC52, HIDE, "\x9b31m", "\x1b")


def _hostile_packet(folder: Path) -> Path:
    """The example packet with escape sequences in the patient's name, a record's title
    and a record's file name (that file missing)."""
    shutil.copytree(EXAMPLE, folder)
    path = folder / "packet.yaml"
    text = path.read_text()
    text = text.replace("name: Jane Doe", 'name: "Jane \\e]52;c;cm0gLXJmIH4=\\a Doe\\e[8m"', 1)
    text = text.replace(
        "title: Core biopsy pathology report",
        'title: "Core biopsy\\e]52;c;cm0gLXJmIH4=\\a report \\e[8mhidden\\x9b31m"',
    )
    path.write_text(text)
    return path


def _no_escapes(text: str) -> None:
    for sequence in HOSTILE:
        assert sequence not in text


def test_check_shows_escape_sequences_as_visible_marks(runner: CliRunner, tmp_path: Path) -> None:
    packet = _hostile_packet(tmp_path / "p")
    (packet.parent / "records" / "mammogram-report.pdf").rename(
        packet.parent / "records" / f"mam{HIDE}mo{OSC52}.pdf"
    )
    text = packet.read_text().replace(
        "file: records/mammogram-report.pdf",
        'file: "records/mam\\e[8mmo\\e]52;c;cm0gLXJmIH4=\\a.pdf"',
    )
    packet.write_text(text)
    result = runner.invoke(app, ["check", str(packet), "--all"])
    assert result.exit_code == 0, result.output
    _no_escapes(result.stdout + result.stderr)
    assert "Core biopsy^[]52;c;cm0gLXJmIH4= report ^[[8mhidden<U+009B>31m" in result.stdout
    # The file is missing: the problem names it, made visible too.
    (packet.parent / "records" / f"mam{HIDE}mo{OSC52}.pdf").unlink()
    missing = runner.invoke(app, ["check", str(packet)])
    assert missing.exit_code == ExitCode.NOT_READY
    _no_escapes(missing.stdout + missing.stderr)
    assert "mam^[[8mmo^[]52;c;cm0gLXJmIH4=.pdf" in " ".join(missing.stdout.split())
    # --json: the same text, JSON-escaped (C1 as well as C0 controls).
    as_json = runner.invoke(app, ["check", "--json", str(packet)])
    _no_escapes(as_json.stdout)
    assert "\\u001b]52;c;" in as_json.stdout and "\\u009b31m" in as_json.stdout
    assert any(f"biopsy{OSC52} report" in s for s in _strings(json.loads(as_json.stdout)))


def _strings(data: object) -> list[str]:
    """Every string in a JSON document."""
    if isinstance(data, dict):
        return [s for v in data.values() for s in _strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in _strings(v)]
    return [data] if isinstance(data, str) else []


def test_error_messages_and_build_summaries_show_them_visible(
    runner: CliRunner, tmp_path: Path
) -> None:
    packet = _hostile_packet(tmp_path / "p")
    missing = runner.invoke(app, ["check", str(tmp_path / f"no{OSC52}such{HIDE}.yaml")])
    assert missing.exit_code != 0
    _no_escapes(missing.stdout + missing.stderr)
    bad = build(runner, packet, "-o", str(tmp_path / f"out{HIDE}.txt"))
    assert bad.exit_code == ExitCode.INPUT_ERROR and "out^[[8m.txt" in bad.stderr
    _no_escapes(bad.stdout + bad.stderr)
    error = build(runner, packet, "--json", "-o", str(tmp_path / f"out{HIDE}.txt"))
    _no_escapes(error.stdout)
    assert json.loads(error.stdout)["error"]["type"] == "UsageError"
    out = tmp_path / f"packet{HIDE}\x9b.pdf"
    done = build(runner, packet, "-o", str(out))
    assert done.exit_code == 0, done.output
    _no_escapes(done.stdout + done.stderr)
    assert done.stdout.strip().endswith("packet^[[8m<U+009B>.pdf") and out.is_file()


def test_the_terminal_still_gets_colours_tabs_and_newlines() -> None:
    from io import StringIO

    from sopacket.cli import display

    file = StringIO()
    console = display._Console(file=file, force_terminal=True, width=80, highlight=False)
    console.print(f"[red]red[/]\tname: Jane{OSC52}{HIDE}\nnext line")
    shown = file.getvalue()
    _no_escapes(shown.replace("\x1b[31m", "").replace("\x1b[0m", ""))
    assert shown.startswith("\x1b[31mred\x1b[0m") and "\nnext line" in shown
    assert "name: Jane^[]52;c;cm0gLXJmIH4=^[[8m" in shown and "\t" not in shown[:4]
