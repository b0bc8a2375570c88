"""The clinic's config file, `sopacket config show`, and packets read from standard input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sopacket.cli import app

from .conftest import EXAMPLE, MINIMAL, write

PW = "correct horse battery staple"


@pytest.fixture(autouse=True)
def private_config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No real user config leaks in: the platform config folder is a private one."""
    home = tmp_path / "config-home"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.delenv("SOPACKET_CONFIG", raising=False)
    return home


def test_show_defaults_when_there_is_no_file(private_config_home: Path) -> None:
    result = CliRunner().invoke(app, ["config", "show", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["found"] is False
    assert data["file"] == str(private_config_home / "sopacket" / "config.yaml")
    assert data["settings"]["paper"] == {"value": "letter", "source": "default"}
    human = CliRunner().invoke(app, ["config", "show"])
    assert "not found: defaults in effect" in human.stdout


def test_the_platform_config_file_is_used_and_sources_shown(private_config_home: Path) -> None:
    cfg = write(
        private_config_home / "sopacket" / "config.yaml",
        "clinic:\n  name: Riverside Second-Opinion Service\n  contact: +1 555 0100\n"
        "checklist: general\npaper: A4\n",
    )
    data = json.loads(CliRunner().invoke(app, ["config", "show", "--json"]).stdout)
    assert data["found"] is True
    assert data["settings"]["clinic.name"] == {
        "value": "Riverside Second-Opinion Service",
        "source": str(cfg),
    }
    assert data["settings"]["paper"]["value"] == "a4"
    assert data["settings"]["output_dir"]["source"] == "default"


def test_config_feeds_check_and_build(tmp_path: Path, example: Path) -> None:
    cfg = write(
        tmp_path / "clinic" / "config.yaml",
        "clinic:\n  name: Riverside Second-Opinion Service\n  contact: +1 555 0100\n"
        "checklist: riverside.yaml\npaper: a4\n",
    )
    write(
        tmp_path / "clinic" / "riverside.yaml",  # found beside the config file
        "sopacket_checklist: 1\nname: riverside\ntitle: Riverside intake\nextends: general\n",
    )
    runner = CliRunner()
    # A packet whose specialty has a checklist keeps it: the config's is the fallback.
    checked = runner.invoke(app, ["--config", str(cfg), "check", str(example), "--json"])
    assert json.loads(checked.stdout)["checklist"]["name"] == "oncology"
    plain = write(tmp_path / "plain" / "packet.yaml", MINIMAL)
    fallback = runner.invoke(app, ["--config", str(cfg), "check", str(plain), "--json"])
    data = json.loads(fallback.stdout)["checklist"]
    assert data["name"] == "riverside" and "config file" in data["note"]
    # An option still wins over the file.
    chosen = runner.invoke(
        app, ["--config", str(cfg), "check", str(plain), "--checklist", "general", "--json"]
    )
    assert json.loads(chosen.stdout)["checklist"]["name"] == "general"
    out = tmp_path / "p.pdf"
    built = runner.invoke(
        app,
        ["--config", str(cfg), "build", str(example), "--password-stdin", "-o", str(out)],
        input=PW + "\n",
    )
    assert built.exit_code == 0, built.output
    cover = subprocess.run(
        ["pdftotext", "-upw", PW, "-f", "1", "-l", "1", str(out), "-"],
        capture_output=True,
        text=True,
    ).stdout
    assert "Riverside Second-Opinion Service" in cover and "+1 555 0100" in cover
    info = subprocess.run(["pdfinfo", "-upw", PW, str(out)], capture_output=True, text=True)
    assert "595.276 x 841.89" in info.stdout  # A4 from the config, the band inside it


def test_bad_or_missing_config_files_exit_2(tmp_path: Path, example: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(app, ["--config", str(tmp_path / "nope.yaml"), "check", str(example)])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    bad = write(tmp_path / "bad.yaml", "clinic:\n  nmae: X\nmax_size: 25MB\n")
    result = runner.invoke(app, ["--config", str(bad), "config", "show"])
    assert result.exit_code == 2
    assert "bad.yaml:2:3" in result.output and "Did you mean `name`?" in result.output


def test_env_variable_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = write(tmp_path / "c.yaml", "output_dir: ~/packets\n")
    monkeypatch.setenv("SOPACKET_CONFIG", str(cfg))
    data = json.loads(CliRunner().invoke(app, ["config", "show", "--json"]).stdout)
    assert data["settings"]["output_dir"] == {"value": "~/packets", "source": str(cfg)}


# --- packets on standard input -----------------------------------------------------------


def test_build_reads_the_packet_from_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLE)  # record paths are relative to the current folder
    pwfile = tmp_path / "pw"
    pwfile.write_text(PW + "\n")
    pwfile.chmod(0o600)
    out = tmp_path / "stdin.pdf"
    result = CliRunner().invoke(
        app,
        ["build", "-", "--password-file", str(pwfile), "-o", str(out), "--json"],
        input=(EXAMPLE / "packet.yaml").read_text(),
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["pages"] == 18


def test_build_from_stdin_refuses_password_stdin() -> None:
    result = CliRunner().invoke(app, ["build", "-", "--password-stdin"], input=MINIMAL)
    assert result.exit_code == 2
    assert "cannot carry the password too" in result.output
