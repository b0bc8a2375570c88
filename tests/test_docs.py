"""The README tells the truth: every command is documented and its examples run."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sopacket.cli import app
from sopacket.errors import ExitCode

from .conftest import ROOT
from .test_passwords import MemoryKeyring
from .test_passwords import memory_keyring as memory_keyring  # a fixture

README = (ROOT / "README.md").read_text(encoding="utf-8")
PASSWORD = "readme example password"
COMMANDS = [
    "init",
    "check",
    "build",
    "schema",
    "verify",
    "batch",
    "config show",
    "add record",
    "add medication",
    "add question",
    "add allergy",
    "add symptom",
    "add condition",
]


def sh_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, flags=re.S)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_a_readme_section(command: str) -> None:
    result = CliRunner().invoke(app, [*command.split(), "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout or command == "add"
    assert f"sopacket {command}" in README


def test_every_exit_code_is_documented() -> None:
    for code in ExitCode:
        assert re.search(rf"^\| {int(code)} \| {code.name} \|", README, flags=re.M), code


def test_readme_examples_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring
) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no real user config
    runner = CliRunner()
    ran = 0
    for block in sh_blocks():
        for line in block.splitlines():
            line = line.strip()
            if not line.startswith("sopacket "):
                continue
            command, _, comment = line.partition("  #")
            expected = int(m.group(1)) if (m := re.search(r"exit (\d+)", comment)) else 0
            args = shlex.split(command)[1:]
            stdin = None
            if args[0] in ("build", "verify"):  # at a terminal it asks; here: stdin
                args.append("--password-stdin")
                stdin = PASSWORD + "\n"
            result = runner.invoke(app, args, input=stdin)
            assert result.exit_code == expected, f"{command}\n{result.output}"
            ran += 1
    assert ran >= 8


def test_readme_python_api_example_runs(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(ROOT)
    (code,) = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "True Ready to build" in out and "Jane Doe ['Tamoxifen'" in out
    assert "18 pages, 7 records" in out and "intact: True" in out


def test_quick_start_commands_are_the_ci_commands() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install --quiet -e '.[test]'" in ci
    assert "SOPACKET_REQUIRE_REALWORLD=1 pytest'" in ci
    assert "\n  SOPACKET_REQUIRE_REALWORLD=1 pytest\n" in ci
    assert "pip install -e '.[test]' && pytest" in README
