"""What a new user sees at a real terminal 80 columns wide (issue 14, tried again).

Each command runs in a pseudo-terminal of 80 columns, as in a terminal window: what it
prints is what the person reads. A line longer than 80 columns would be cut by the
terminal in the middle of a word (``--allo`` / ``w-weak-password``).
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "jane-doe"
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals: POSIX")


def _at_terminal(args: list[str], cwd: Path, answers: dict[str, str] | None = None) -> str:
    """Run ``sopacket ARGS`` in an 80-column pseudo-terminal; type each answer when its
    prompt appears (once each); the text the terminal received, as lines."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: its terminal is 80 columns wide
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        os.chdir(cwd)
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        env |= {"TERM": "dumb", "NO_COLOR": "1"}
        code = "from sopacket.cli.root import main; main()"
        os.execve(sys.executable, [sys.executable, "-c", code, *args], env)
    pending = dict(answers or {})
    seen = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child ended: the terminal is closed
            break
        if not chunk:
            break
        seen += chunk
        for prompt, answer in list(pending.items()):
            if seen.count(prompt.encode()) == 1:
                os.write(fd, answer.encode() + b"\n")
                del pending[prompt]
        if not pending and answers and seen.count(b"Password for the packet") >= 2:
            os.kill(pid, signal.SIGKILL)  # asked again: that is all this test needs
    os.close(fd)
    os.waitpid(pid, 0)
    return seen.decode("utf-8", "replace").replace("\r\n", "\n")


def _too_long(text: str) -> list[str]:
    return [line for line in text.splitlines() if len(line) > 80]


def test_an_error_message_is_folded_at_words_at_an_80_column_terminal(tmp_path: Path) -> None:
    """An HEIC photo's refusal (two long sentences) fits the window, whole words on each
    line, instead of one 170-character line the terminal cuts mid-word."""
    shutil.copytree(EXAMPLE, tmp_path / "p")
    (tmp_path / "IMG_0001.HEIC").write_bytes(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic")
    seen = _at_terminal(["add", "record", "p", "IMG_0001.HEIC", "--title", "Photo"], tmp_path)
    assert "HEIC photo" in seen
    assert _too_long(seen) == []
    words = " ".join(seen.split())
    assert "Settings → Camera → Formats → Most Compatible" in words


def test_a_weak_password_is_explained_in_whole_words_then_asked_again(tmp_path: Path) -> None:
    """The reason a typed password is refused is a sentence starting with a capital,
    folded at words, with the option to name whole."""
    shutil.copytree(EXAMPLE, tmp_path / "p")
    seen = _at_terminal(["build", "p"], tmp_path, {"Password for the packet": "password1"})
    assert seen.count("Password for the packet") == 2, seen
    assert "The password is too weak" in seen
    assert _too_long(seen) == []
    assert "--allow-weak-password" in seen  # folded before it, not inside it


def _sopacket(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    code = "from sopacket.cli.root import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def packet(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "p")
    return tmp_path / "p"


def test_a_date_written_the_american_way_is_told_once_with_its_rewrite(packet: Path) -> None:
    """`add condition --since 12/25/2026` (and a medication's, and in the file): one
    sentence with the rewrite, not the rule, the sentence and "(found ...)" again."""
    added = _sopacket(["add", "condition", "Asthma", "--since", "12/25/2026"], packet)
    assert added.returncode == 2
    assert "since (--since): 12/25/2026 is not written YYYY-MM-DD. Write it as 2026-12-25." in (
        added.stderr
    )
    assert "(found" not in added.stderr and added.stderr.count("12/25/2026") == 1
    text = (packet / "packet.yaml").read_text()
    (packet / "packet.yaml").write_text(
        text.replace(
            "medications:\n", "medications:\n  - name: Metformin\n    since: 13/01/2026\n", 1
        )
    )
    checked = _sopacket(["check"], packet)
    assert checked.returncode == 2
    assert "13/01/2026 is not written YYYY-MM-DD. Write it as 2026-01-13." in checked.stderr
    assert "(found" not in checked.stderr


def test_a_kind_typed_as_one_word_of_a_choice_suggests_that_choice(packet: Path) -> None:
    """`--kind note` suggests visit_note (not "other", the closest in spelling)."""
    record = str(next((packet / "records").glob("*.pdf")))
    added = _sopacket(["add", "record", record, "--title", "A", "--kind", "note"], packet)
    assert added.returncode == 2
    assert 'did you mean "visit_note"?' in added.stderr
    assert 'did you mean "other"' not in added.stderr


def test_a_missing_name_in_the_packet_folder_shows_the_command_to_type(packet: Path) -> None:
    """`sopacket add condition` alone, in the packet's folder (where no packet file is
    given): the fix shows the whole command, not "after the packet file"."""
    added = _sopacket(["add", "condition"], packet)
    assert added.returncode == 2
    assert 'sopacket add condition "Type 2 diabetes"' in added.stderr


def test_verify_of_the_packet_file_names_the_pdf_built_beside_it(packet: Path) -> None:
    """`sopacket verify packet.yaml` (the file a patient has been working on): exit 2,
    saying it is the packet file, and naming the PDF that build wrote beside it."""
    (packet / "second-opinion-packet-2026-12-01.pdf").write_bytes(b"%PDF-1.7\n")
    result = _sopacket(["verify", "packet.yaml"], packet)
    assert result.returncode == 2
    assert "packet.yaml is the packet file (YAML), not the PDF" in result.stderr
    assert "`sopacket verify second-opinion-packet-2026-12-01.pdf`" in result.stderr


_SIGNAL_WHILE_PARSING = """
import os, signal, sys
from sopacket.cli import env, root

real = env.Environment.detect.__func__
stop = getattr(signal, sys.argv[1])

def detect(cls, **kwargs):  # typer is still calling the app's callback: no command yet
    os.kill(os.getpid(), stop)
    return real(cls, **kwargs)

env.Environment.detect = classmethod(detect)
sys.argv = ["sopacket", "check", "-"] + sys.argv[2:]
root.main()
"""


@pytest.mark.parametrize(
    ("name", "code", "json_output"),
    [("SIGTERM", 143, False), ("SIGHUP", 129, False), ("SIGTERM", 143, True)],
)
def test_a_signal_before_the_command_runs_still_exits_128_plus_its_number(
    tmp_path: Path, name: str, code: int, json_output: bool
) -> None:
    """A kill that lands while typer is still reading the command line (it turns any
    stop into its own exit 130) exits 143 for SIGTERM, 129 for SIGHUP, saying so."""
    args = [name, "--json"] if json_output else [name]
    done = subprocess.run(
        [sys.executable, "-c", _SIGNAL_WHILE_PARSING, *args],
        cwd=tmp_path,
        input="",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == code, done.stderr
    assert "Stopped." in done.stderr and "Traceback" not in done.stderr
