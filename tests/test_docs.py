"""The README tells the truth: every command is documented and its examples run."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sopacket.batch import BatchResult, Row
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
PASSWORD_COMMANDS = ["set", "generate", "show", "forget", "list"]


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
    assert "SOPACKET_REQUIRE_ALL=1 pytest'" in ci
    assert "\n  SOPACKET_REQUIRE_ALL=1 pytest\n" in ci
    assert "pip install -e '.[test]' && pytest" in README


def json_example(marker: str) -> dict:
    """The first JSON example after ``marker`` in the README, parsed."""
    block = re.search(r"```json\n(.*?)```", README[README.index(marker) :], flags=re.S)
    assert block, marker
    return json.loads(block.group(1))


def same_shape(documented: dict, written: dict, where: str) -> None:
    """The documented keys are the keys the code writes, here and one list level down."""
    assert set(documented) == set(written), where
    for key, value in documented.items():
        if isinstance(value, list) and value and isinstance(value[0], dict) and written[key]:
            assert set(value[0]) == set(written[key][0]), f"{where}.{key}[0]"


def test_json_examples_have_the_shape_the_code_writes(
    runner: CliRunner, example: Path, memory_keyring: MemoryKeyring
) -> None:
    checked = json.loads(runner.invoke(app, ["check", str(example), "--json"]).stdout)
    same_shape(json_example("With `--json`, stdout carries"), checked, "check")
    out = example.parent / "packet.pdf"
    built = runner.invoke(
        app,
        ["build", str(example), "-o", str(out), "--password-stdin", "--json"],
        input=PASSWORD + "\n",
    )
    assert built.exit_code == 0, built.output
    documented = json_example("The `build --json` document:")
    same_shape(documented, json.loads(built.stdout), "build")
    assert (documented["pages"], len(documented["records"][0])) == (18, 11)
    records = str(example.parent / "records")
    verified = runner.invoke(
        app,
        ["verify", str(out), "--records", records, "--password-stdin", "--json"],
        input=PASSWORD + "\n",
    )
    assert verified.exit_code == 0, verified.output
    same_shape(json_example("\nWith `--json`:\n"), json.loads(verified.stdout), "verify")


def test_batch_json_example_is_what_batch_writes() -> None:
    documented = json_example("The `batch --json` document")
    written = BatchResult([Row(source="x")], Path("packets")).to_json()
    same_shape(documented, written, "batch")
    packets = [p.read_text(encoding="utf-8") for p in (ROOT / "examples").rglob("packet.yaml")]
    for row in documented["packets"]:  # rows name packets by id only (no paths)
        assert "source" not in row
        assert any(f"id: {row['id']}\n" in text for text in packets), row["id"]


@pytest.mark.parametrize("command", [*COMMANDS, *(f"password {c}" for c in PASSWORD_COMMANDS)])
def test_every_option_is_in_the_readme(command: str) -> None:
    """An option added to a command is documented (the `add record` table once lacked
    `--password-from`)."""
    shown = CliRunner().invoke(app, [*command.split(), "--help"], env={"COLUMNS": "200"})
    options = set(re.findall(r"│ +(?:\* +)?(--[a-z][a-z-]+)(?: +(-[a-zA-Z])\b)?", shown.stdout))
    assert options or command == "password forget"
    missing = [
        long
        for long, short in sorted(options)
        if not any(re.search(rf"`[^`]*{o}\b", README) for o in (long, short) if o)
    ]
    assert not missing, f"sopacket {command}: {missing} not in the README"


def test_system_packages_agree_across_readme_ci_and_tests() -> None:
    """The packages the tests name in their skips are the ones CI installs and the README
    lists for the full run."""
    from .tools import FONT_PACKAGES, TOOLS

    ci = (ROOT / ".ci" / "run").read_text()
    apt = re.search(r"apt-get install -y -qq (.*?)>/dev/null", ci, flags=re.S)
    assert apt
    installed = set(apt.group(1).replace("\\", " ").split())
    (readme_apt,) = re.findall(r"^sudo apt-get install (.*)$", README, flags=re.M)
    needed = {debian for debian, _ in TOOLS.values()}
    needed |= {package.split()[0] for _, package in FONT_PACKAGES}
    assert needed <= installed, needed - installed
    assert needed <= set(readme_apt.split()), needed - set(readme_apt.split())
    for package in needed:  # a row of the table in Dependencies
        assert re.search(rf"^\| [^|]*\b{package}\b[^|]*\|", README, flags=re.M), package
    assert "SOPACKET_REQUIRE_ALL=1" in ci and "SOPACKET_REQUIRE_ALL" in README


def test_examples_named_in_the_readme_exist() -> None:
    for path in set(re.findall(r"\bexamples/[\w./-]+", README)):
        path = path.rstrip(".")
        if "scanned/records" in path or path.endswith("DATE.pdf"):
            continue
        assert (ROOT / path).exists(), path
