"""Passwords: every source, their precedence, strength, generated passphrases, the keyring
(in memory here; a real Secret Service in test_keyring_real.py), and no leaks."""

from __future__ import annotations

import json
import math
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from typer.testing import CliRunner

from sopacket import passwords
from sopacket.cli import app
from sopacket.errors import ExitCode, PasswordError

STRONG = "violet-harbor-quietly-lanterns"  # 30 characters: every reader accepts it
OTHER = "a different passphrase here"


class MemoryKeyring(KeyringBackend):
    """keyring's backend interface, kept in a dict (for unit tests)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if (service, username) not in self.store:
            raise PasswordDeleteError("not found")
        del self.store[(service, username)]

    def sopacket_list(self, service: str) -> list[str]:
        return [user for (svc, user) in self.store if svc == service]


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def opens_with(pdf: Path, password: str) -> bool:
    qpdf = subprocess.run(
        ["qpdf", "--check", f"--password={password}", str(pdf)], capture_output=True, text=True
    )
    poppler = subprocess.run(["pdfinfo", "-upw", password, str(pdf)], capture_output=True)
    assert (qpdf.returncode == 0) == (poppler.returncode == 0), "qpdf and poppler disagree"
    return qpdf.returncode == 0


def build(runner: CliRunner, packet: Path, *args: str, stdin: str | None = None):
    out = packet.parent / "out.pdf"
    return runner.invoke(
        app, ["build", str(packet), "-o", str(out), "--force", *args], input=stdin
    ), out


# --- sources ----------------------------------------------------------------------------


def test_stdin(runner: CliRunner, example: Path) -> None:
    result, out = build(runner, example, "--password-stdin", stdin=STRONG + "\n")
    assert result.exit_code == 0, result.output
    assert opens_with(out, STRONG) and not opens_with(out, OTHER)


def test_file_owner_only(runner: CliRunner, example: Path, tmp_path: Path) -> None:
    pw_file = tmp_path / "pw.txt"
    pw_file.write_text(STRONG + "\nsecond line ignored\n")
    pw_file.chmod(0o600)
    result, out = build(runner, example, "--password-file", str(pw_file))
    assert result.exit_code == 0, result.output
    assert opens_with(out, STRONG) and not opens_with(out, OTHER)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_file_readable_by_others_is_refused(
    runner: CliRunner, example: Path, tmp_path: Path, mode: int
) -> None:
    pw_file = tmp_path / "pw.txt"
    pw_file.write_text(STRONG + "\n")
    pw_file.chmod(mode)
    result, out = build(runner, example, "--password-file", str(pw_file))
    assert result.exit_code == ExitCode.PASSWORD_ERROR
    assert "can be read by other users" in result.stderr and "chmod 600" in result.stderr
    assert STRONG not in result.output and not out.exists()


def test_keyring(runner: CliRunner, example: Path, memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password("sopacket", "example-jd-2026", STRONG)
    result, out = build(runner, example, "--keyring")
    assert result.exit_code == 0, result.output
    assert opens_with(out, STRONG) and not opens_with(out, OTHER)


def test_keyring_without_an_entry(
    runner: CliRunner, example: Path, memory_keyring: MemoryKeyring
) -> None:
    result, out = build(runner, example, "--keyring")
    assert result.exit_code == ExitCode.KEYRING_ERROR
    assert "no password for packet 'example-jd-2026'" in result.stderr
    assert "sopacket password set example-jd-2026" in result.stderr and not out.exists()


def test_generated_and_stored(
    runner: CliRunner, example: Path, memory_keyring: MemoryKeyring
) -> None:
    result, out = build(runner, example, "--generate-password", "--keyring")
    assert result.exit_code == 0, result.output
    stored = memory_keyring.get_password("sopacket", "example-jd-2026")
    assert stored and opens_with(out, stored) and not opens_with(out, OTHER)
    assert stored not in result.stdout  # not on stdout; stderr shows it only at a terminal


def test_generate_without_terminal_or_keyring_is_refused(runner: CliRunner, example: Path) -> None:
    result, out = build(runner, example, "--generate-password")
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert "--keyring" in result.stderr and not out.exists()


def test_prompt_at_a_terminal(example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter([STRONG, STRONG])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    pw = passwords.obtain(passwords.PasswordOptions(), "x", interactive=True)
    assert pw.value == STRONG and pw.source == "prompt"
    # A typo is explained and asked again (a stressed person should not start over)...
    # (a weak one is refused at its first entry: it is not asked for twice)
    retry = iter([STRONG, OTHER, "short", STRONG, STRONG])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(retry))
    pw = passwords.obtain(passwords.PasswordOptions(), "x", interactive=True)
    assert pw.value == STRONG and next(retry, None) is None
    # ...up to three times.
    mismatch = iter([STRONG, OTHER] * 3)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(mismatch))
    with pytest.raises(PasswordError, match="not the same"):
        passwords.obtain(passwords.PasswordOptions(), "x", interactive=True)
    assert next(mismatch, None) is None  # exactly three tries


def test_no_terminal_and_no_option_does_not_hang(example: Path, tmp_path: Path) -> None:
    sopacket = Path(os.environ.get("VIRTUAL_ENV", "/nonexistent")) / "bin" / "sopacket"
    cmd = [str(sopacket)] if sopacket.exists() else ["python", "-m", "sopacket"]
    result = subprocess.run(
        [*cmd, "build", str(example), "-o", str(tmp_path / "o.pdf")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == ExitCode.PASSWORD_ERROR
    for option in ("--password-stdin", "--password-file", "--keyring", "--generate-password"):
        assert option in result.stderr


def test_precedence(
    example: Path, tmp_path: Path, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    pw_file = tmp_path / "pw.txt"
    pw_file.write_text(OTHER + "\n")
    pw_file.chmod(0o600)
    memory_keyring.set_password("sopacket", "p", "keyring value 123 long enough")
    monkeypatch.setattr("sys.stdin", io.StringIO(STRONG + "\n"))
    opts = passwords.PasswordOptions
    both = passwords.obtain(opts(stdin=True, file=pw_file, keyring=True), "p")
    assert both.value == STRONG and both.source == "stdin"
    assert any("--password-file, --keyring ignored" in w for w in both.warnings)
    assert passwords.obtain(opts(file=pw_file, keyring=True), "p").value == OTHER
    assert passwords.obtain(opts(keyring=True), "p").value == "keyring value 123 long enough"
    generated = passwords.obtain(opts(generate=True, stdin=True, keyring=True), "p")
    assert generated.generated  # stored only once the packet has been written with it:
    assert memory_keyring.get_password("sopacket", "p") == "keyring value 123 long enough"
    passwords.store_generated(generated, opts(generate=True, keyring=True), "p")
    assert memory_keyring.get_password("sopacket", "p") == generated.value


def test_failed_build_keeps_the_stored_password(
    runner: CliRunner, example: Path, memory_keyring: MemoryKeyring
) -> None:
    memory_keyring.set_password("sopacket", "example-jd-2026", STRONG)
    example.write_text(example.read_text().replace("release_signed: true", "release_signed: no"))
    result, out = build(runner, example, "--generate-password", "--keyring")
    assert result.exit_code == ExitCode.NOT_READY and not out.exists()
    assert memory_keyring.get_password("sopacket", "example-jd-2026") == STRONG


def test_password_that_is_not_utf8(example: Path) -> None:
    sopacket = Path(os.environ.get("VIRTUAL_ENV", "/nonexistent")) / "bin" / "sopacket"
    cmd = [str(sopacket)] if sopacket.exists() else ["python", "-m", "sopacket"]
    result = subprocess.run(
        [*cmd, "build", str(example), "--password-stdin"],
        input=b"\xff\xfebadbytes-password-long\n",
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == ExitCode.PASSWORD_ERROR
    assert b"not valid UTF-8" in result.stderr and b"badbytes" not in result.stderr


# --- strength ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weak", "reason"),
    [("short-pw", "shorter than 12"), ("password1234", "common"), ("qwertyuiopasdf", "")],
)
def test_weak_passwords_are_refused(
    runner: CliRunner, example: Path, weak: str, reason: str
) -> None:
    result, out = build(runner, example, "--password-stdin", stdin=weak + "\n")
    assert result.exit_code == ExitCode.PASSWORD_ERROR
    assert "too weak" in result.stderr and reason in result.stderr.lower()
    assert "--generate-password" in result.stderr and weak not in result.output
    assert not out.exists()
    allowed, out = build(
        runner, example, "--password-stdin", "--allow-weak-password", stdin=weak + "\n"
    )
    assert allowed.exit_code == 0 and "weak" in allowed.stderr
    assert opens_with(out, weak)


GUESSABLE = [  # the example packet's own details (Jane Doe, 1968-04-12, its id)
    "JaneDoe19680412",
    "Jane Doe 1968-04-12",
    "jane.doe@example.org",
    "example-jd-2026",  # the packet id: in a batch, the output file's name
    "sopacket2026",
]


@pytest.mark.parametrize("guess", GUESSABLE)
def test_passwords_made_of_the_packets_details_are_refused(
    runner: CliRunner, example: Path, guess: str
) -> None:
    result, out = build(runner, example, "--password-stdin", stdin=guess + "\n")
    assert result.exit_code == ExitCode.PASSWORD_ERROR, result.output
    assert "too weak" in result.stderr and guess not in result.output
    assert not out.exists()
    allowed, out = build(
        runner, example, "--password-stdin", "--allow-weak-password", stdin=guess + "\n"
    )
    assert allowed.exit_code == 0 and allowed.stderr.count("the password is weak") == 1
    assert opens_with(out, guess)


def test_the_packets_details_do_not_make_an_unrelated_password_weak() -> None:
    words = ("Jane Doe", "1968-04-12", "jane.doe@example.org", "example-jd-2026", "sopacket")
    assert passwords.weakness(STRONG, words) is None
    assert passwords.weakness("Jane loves violet harbor lanterns", words) is None


@pytest.mark.parametrize("guess", ["example-jd-2026", "sopacket2026", "Sopacket 2026!"])
def test_password_set_refuses_the_packet_id_and_sopacket(
    runner: CliRunner, memory_keyring: MemoryKeyring, guess: str
) -> None:
    result = runner.invoke(
        app, ["password", "set", "example-jd-2026", "--stdin"], input=guess + "\n"
    )
    assert result.exit_code == ExitCode.PASSWORD_ERROR and "too weak" in result.stderr
    assert memory_keyring.store == {}


@pytest.mark.parametrize("guess", ["", "a", "JaneDoe19680412", "password1234"])
def test_the_python_api_applies_the_command_lines_rules(example: Path, guess: str) -> None:
    from sopacket.build import BuildOptions
    from sopacket.build import build as build_packet

    out = example.parent / "api.pdf"
    with pytest.raises(PasswordError) as refused:
        build_packet(example, guess, BuildOptions(output=out))
    assert "allow_weak_password=True" in refused.value.fix or guess == ""
    with pytest.raises(PasswordError):  # a function giving the password is judged too
        build_packet(example, lambda packet_id: guess, BuildOptions(output=out))
    assert not out.exists()
    if not guess:  # never an empty one, even when weak ones are allowed
        with pytest.raises(PasswordError, match="empty"):
            build_packet(example, guess, BuildOptions(output=out, allow_weak_password=True))
        assert not out.exists()
        return
    allowed = build_packet(example, guess, BuildOptions(output=out, allow_weak_password=True))
    assert any("the password is weak" in w for w in allowed.warnings)
    assert opens_with(out, guess)


def test_a_batch_refuses_a_stored_password_made_of_the_packets_details(
    example: Path, tmp_path: Path
) -> None:
    from sopacket.batch import BatchOptions, run

    out = tmp_path / "batch-out"
    result = run([example], BatchOptions(output_dir=out), password_for=lambda pid: pid)
    [row] = result.rows
    assert row.status == "failed" and "too weak" in row.problems[0]
    assert "example-jd-2026" not in " ".join(row.problems)
    assert not list(out.glob("*.pdf"))


def test_generated_passwords_differ_meet_the_stated_entropy_and_open_everywhere(
    tmp_path: Path,
) -> None:
    import re

    generated = {passwords.generate_passphrase() for _ in range(300)}
    assert len(generated) == 300
    for value in generated:
        assert re.fullmatch(r"[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}", value), value
        assert len(value) <= passwords.READER_LIMIT and passwords.weakness(value) is None
    symbols = set("".join(generated).replace("-", ""))
    assert symbols <= set(passwords.ALPHABET) and len(passwords.ALPHABET) == 32
    assert not symbols & set("ilou")  # nothing to confuse with 1 and 0, or to misread
    bits = passwords.GROUPS * passwords.GROUP_SIZE * math.log2(len(passwords.ALPHABET))
    assert bits >= 80 and f"{bits:.0f} bits" in Path("README.md").read_text()


def test_passwords_longer_than_readers_accept_get_a_warning(
    runner: CliRunner, example: Path
) -> None:
    long = "violet-harbor-quietly-88-lanterns"  # 33 characters
    result, out = build(runner, example, "--password-stdin", stdin=long + "\n")
    assert result.exit_code == 0
    assert "longer than 32 characters" in result.stderr and long not in result.output
    qpdf = subprocess.run(["qpdf", "--check", f"--password={long}", str(out)], capture_output=True)
    assert qpdf.returncode == 0  # the file is right; some readers are not


# --- the password commands ----------------------------------------------------------------


def test_password_commands(runner: CliRunner, memory_keyring: MemoryKeyring) -> None:
    assert (
        runner.invoke(app, ["password", "set", "p1", "--stdin"], input=STRONG + "\n").exit_code == 0
    )
    shown = runner.invoke(app, ["password", "show", "p1"])
    assert shown.exit_code == 0 and shown.stdout.strip() == STRONG
    gen = runner.invoke(app, ["password", "generate", "p2"])
    assert (
        gen.exit_code == 0 and memory_keyring.get_password("sopacket", "p2") == gen.stdout.strip()
    )
    listed = runner.invoke(app, ["password", "list", "--json"])
    assert json.loads(listed.stdout) == {"ids": ["p1", "p2"]}
    assert runner.invoke(app, ["password", "forget", "p1"]).exit_code == 0
    gone = runner.invoke(app, ["password", "show", "p1"])
    assert gone.exit_code == ExitCode.KEYRING_ERROR and "no password" in gone.stderr
    again = runner.invoke(app, ["password", "forget", "p1"])  # idempotent: nothing to do
    assert again.exit_code == ExitCode.OK and "nothing was stored" in again.stderr.lower()
    assert memory_keyring.get_password("sopacket", "p2") is not None  # the others stay
    weak = runner.invoke(app, ["password", "set", "p3", "--stdin"], input="abc\n")
    assert weak.exit_code == ExitCode.PASSWORD_ERROR and "abc" not in weak.output


@pytest.mark.parametrize(
    "args",
    [
        ["password", "show", "x"],
        ["password", "set", "x", "--stdin"],
        ["password", "list"],
        ["password", "forget", "x"],
        ["password", "generate", "x"],
    ],
)
def test_no_keyring_backend_is_one_clear_error(
    runner: CliRunner, no_keyring: None, args: list[str]
) -> None:
    result = runner.invoke(app, args, input=STRONG + "\n")
    assert result.exit_code == ExitCode.KEYRING_ERROR
    assert "no OS keyring is available" in result.stderr
    assert "--password-stdin" in result.stderr and "--password-file" in result.stderr


def test_build_with_keyring_but_no_backend(
    runner: CliRunner, example: Path, no_keyring: None
) -> None:
    result, out = build(runner, example, "--keyring")
    assert result.exit_code == ExitCode.KEYRING_ERROR and not out.exists()


@pytest.fixture
def plaintext_keyring(tmp_path: Path) -> Iterator[Path]:
    """keyrings.alt's PlaintextKeyring (what keyring picks on a server with keyrings.alt
    installed), writing to a file in tmp_path; yields that file."""
    from keyrings.alt.file import PlaintextKeyring

    previous = keyring.get_keyring()
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring_pass.cfg")
    keyring.set_keyring(backend)
    yield Path(backend.file_path)
    keyring.set_keyring(previous)


@pytest.mark.parametrize(
    "args",
    [
        ["password", "set", "p1", "--stdin"],
        ["password", "generate", "p1"],
        ["build", "{packet}", "--keyring", "--generate-password", "-o", "{out}.pdf"],
        ["batch", "{packet}", "-o", "{out}", "--generate-password"],
    ],
)
def test_a_keyring_that_does_not_encrypt_is_refused(
    runner: CliRunner, example: Path, plaintext_keyring: Path, args: list[str]
) -> None:
    out = example.parent / "out"
    args = [a.format(packet=example, out=out) for a in args]
    result = runner.invoke(app, args, input=STRONG + "\n")
    assert result.exit_code == ExitCode.KEYRING_ERROR, result.output
    assert "keyrings.alt.file.PlaintextKeyring" in result.stderr
    assert "without encrypting" in result.stderr and "keyrings.alt package" not in result.stderr
    assert "stored" not in result.stderr.lower()
    assert not plaintext_keyring.exists()  # no password was written to it
    assert not list(example.parent.glob("*.pdf")) and not out.exists()


def test_a_plaintext_member_of_a_keyring_chain_is_never_read_or_written(
    runner: CliRunner, memory_keyring: MemoryKeyring, plaintext_keyring: Path
) -> None:
    from keyring.backends.chainer import ChainerBackend
    from keyrings.alt.file import PlaintextKeyring

    planted = PlaintextKeyring()
    planted.file_path = str(plaintext_keyring)
    planted.set_password("sopacket", "old", STRONG)  # left there by an earlier tool

    class Chain(ChainerBackend):
        backends = (memory_keyring, planted)  # type: ignore[assignment]

    keyring.set_keyring(Chain())
    shown = runner.invoke(app, ["password", "show", "old"])
    assert shown.exit_code == ExitCode.KEYRING_ERROR and STRONG not in shown.output
    stored = runner.invoke(app, ["password", "set", "new", "--stdin"], input=OTHER + "\n")
    assert stored.exit_code == 0
    assert memory_keyring.get_password("sopacket", "new") == OTHER
    assert planted.get_password("sopacket", "new") is None


def test_a_keyring_backend_below_keyrings_recommended_priority_is_refused(
    runner: CliRunner, memory_keyring: MemoryKeyring
) -> None:
    memory_keyring.priority = 0.4  # type: ignore[misc]
    result = runner.invoke(app, ["password", "set", "p1", "--stdin"], input=STRONG + "\n")
    assert result.exit_code == ExitCode.KEYRING_ERROR
    assert "not recommended (keyring priority 0.4, below 1)" in result.stderr
    assert memory_keyring.store == {}


# --- leaks ------------------------------------------------------------------------------


def test_password_never_leaks_into_output_or_tracebacks(
    runner: CliRunner, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok, out = build(runner, example, "--password-stdin", "--json", stdin=STRONG + "\n")
    assert ok.exit_code == 0 and STRONG not in ok.output
    assert STRONG.encode() not in out.read_bytes()
    assert not [
        p
        for p in example.parent.rglob("*")
        if p.is_file() and p.suffix != ".pdf" and STRONG.encode() in p.read_bytes()
    ]
    import sopacket.packaging.encrypt

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(sopacket.packaging.encrypt, "encrypt_to", boom)
    failed = runner.invoke(
        app,
        ["-v", "build", str(example), "--password-stdin", "-o", str(example.parent / "x.pdf")],
        input=STRONG + "\n",
    )
    assert failed.exit_code == ExitCode.INTERNAL_ERROR and "Traceback" in failed.stderr
    assert STRONG not in failed.output
    assert repr(passwords.Password(STRONG, "stdin")) == "Password(source='stdin')"


def test_generate_with_keyring_but_no_backend_fails_before_writing(
    runner: CliRunner, example: Path, no_keyring: None
) -> None:
    result, out = build(runner, example, "--generate-password", "--keyring")
    assert result.exit_code == ExitCode.KEYRING_ERROR and not out.exists()


def test_replacing_a_stored_password_is_said(
    runner: CliRunner, memory_keyring: MemoryKeyring
) -> None:
    runner.invoke(app, ["password", "set", "p", "--stdin"], input=STRONG + "\n")
    again = runner.invoke(app, ["password", "set", "p", "--stdin"], input=OTHER + " x\n")
    assert again.exit_code == 0 and "Replaced the password" in again.stderr


def test_ctrl_d_at_the_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    def eof(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr("getpass.getpass", eof)
    with pytest.raises(PasswordError, match="no password was typed"):
        passwords.obtain(passwords.PasswordOptions(), "x", interactive=True)


def test_ignored_keyring_option_is_noted(
    example: Path, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(STRONG + "\n"))
    pw = passwords.obtain(passwords.PasswordOptions(stdin=True, keyring=True), "p")
    assert pw.source == "stdin" and any("--keyring ignored" in w for w in pw.warnings)
