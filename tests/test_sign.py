"""`build --sign KEY.p12`: a packet signed with a clinic's certificate (PAdES, by pyHanko)
verifies with its signer named; a change made afterwards, even by someone holding the
password, breaks the signature; a bad key, passphrase or certificate stops the build
before anything is written. Certificates are made here with `cryptography`."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pikepdf
import pytest
from typer.testing import CliRunner

from sopacket.cli import app

from .conftest import EXAMPLE
from .test_passwords import memory_keyring as memory_keyring
from .tools import unavailable

try:
    import pyhanko  # noqa: F401
except ImportError:
    unavailable("signing needs pyHanko: pip install 'sopacket[sign]'")

PW = "correct horse battery staple"
PASSPHRASE = "clinic key passphrase"


class Key(NamedTuple):
    p12: Path
    cert_pem: Path


def make_key(
    folder: Path,
    name: str,
    *,
    days: int = 365,
    issuer: tuple[object, object] | None = None,
    ca: bool = False,
) -> tuple[Key, object, object]:
    """A key and certificate for ``name`` (Test Clinic), self-signed or issued by
    ``issuer`` (its key and certificate), as a PKCS#12 file and a PEM certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Clinic"),
        ]
    )
    signing_key, issuer_name = (key, subject) if issuer is None else (issuer[0], issuer[1].subject)  # type: ignore[attr-defined]
    now = dt.datetime.now(dt.UTC)
    start = now - dt.timedelta(days=2) if days > 0 else now - dt.timedelta(days=30)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(signing_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    chain = [issuer[1]] if issuer is not None else None
    slug = name.replace(" ", "-").lower()
    p12 = folder / f"{slug}.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"clinic",
            key,
            cert,
            chain,  # type: ignore[arg-type]
            serialization.BestAvailableEncryption(PASSPHRASE.encode()),
        )
    )
    pem = folder / f"{slug}.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return Key(p12, pem), key, cert


class Keys(NamedTuple):
    clinic: Key
    """Issued by ``ca``."""
    ca: Key
    other_ca: Key
    expired: Key
    passphrase_file: Path
    folder: Path


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    folder = tmp_path_factory.mktemp("keys")
    ca, ca_key, ca_cert = make_key(folder, "Test Clinic CA", ca=True)
    clinic, _, _ = make_key(folder, "Dr Ada Test", issuer=(ca_key, ca_cert))
    other, _, _ = make_key(folder, "Another CA", ca=True)
    expired, _, _ = make_key(folder, "Dr Expired", days=-1)
    secret = folder / "passphrase.txt"
    secret.write_text(PASSPHRASE + "\n")
    secret.chmod(0o600)
    return Keys(clinic, ca, other, expired, secret, folder)


def build(folder: Path, out: Path, keys: Keys, *extra: str, key: Path | None = None):
    return CliRunner().invoke(
        app,
        [
            "build",
            str(folder / "packet.yaml"),
            "--password-stdin",
            "-o",
            str(out),
            "--sign",
            str(key or keys.clinic.p12),
            "--sign-password-file",
            str(keys.passphrase_file),
            *extra,
        ],
        input=PW + "\n",
    )


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Path:
    folder = tmp_path_factory.mktemp("signed") / "jane-doe"
    shutil.copytree(EXAMPLE, folder)
    out = folder / "packet.pdf"
    result = build(folder, out, keys)
    assert result.exit_code == 0, result.output
    return out


def verify(*pdfs: Path, extra: tuple[str, ...] = ()):
    return CliRunner().invoke(
        app,
        ["verify", *map(str, pdfs), "--password-stdin", "--json", *extra],
        input=PW + "\n",
    )


def checks(result) -> dict[str, dict]:
    return {c["check"]: c for c in json.loads(result.stdout)["checks"]}


def test_a_signed_packet_verifies_with_its_signer_named(signed: Path) -> None:
    result = verify(signed)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["intact"] is True
    assert data["signed"] == {"by": "Dr Ada Test (Test Clinic)", "valid": True, "trusted": False}
    found = checks(result)
    assert "signed by Dr Ada Test (Test Clinic)" in found["signature"]["detail"]
    assert "not checked against an authority you trust" in found["signature"]["detail"]
    assert found["signed revision"]["ok"] and found["page content"]["ok"]
    text = CliRunner().invoke(app, ["verify", str(signed), "--password-stdin"], input=PW + "\n")
    assert text.exit_code == 0 and "signed by Dr Ada Test" in text.stdout
    assert "The packet is intact." in text.stdout


def test_poppler_validates_the_signature_of_the_encrypted_packet(signed: Path) -> None:
    """An independent tool: poppler's pdfsig opens the encrypted file with its password."""
    out = subprocess.run(
        ["pdfsig", "-upw", PW, str(signed)], capture_output=True, text=True, check=True
    ).stdout
    assert "Signer Certificate Common Name: Dr Ada Test" in out
    assert "Signature is Valid." in out and "Total document signed" in out
    listed = subprocess.run(
        ["qpdf", f"--password={PW}", "--show-encryption", str(signed)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "AESv3" in listed  # still AES-256 once signed


def test_the_signer_is_trusted_only_through_an_authority_given(signed: Path, keys: Keys) -> None:
    trusted = verify(signed, extra=("--trust", str(keys.ca.cert_pem)))
    assert trusted.exit_code == 0, trusted.output
    assert json.loads(trusted.stdout)["signed"]["trusted"] is True
    other = verify(signed, extra=("--trust", str(keys.other_ca.cert_pem)))
    assert other.exit_code == 1
    assert "NOT issued by an authority given with --trust" in checks(other)["signature"]["detail"]
    not_a_cert = verify(signed, extra=("--trust", str(keys.passphrase_file)))
    assert not_a_cert.exit_code == 2 and "is not a certificate file" in not_a_cert.output


def test_rewritten_with_the_password_the_signature_breaks(signed: Path, tmp_path: Path) -> None:
    """Someone with the password changes a page and saves the whole file again."""
    forged = tmp_path / "forged.pdf"
    with pikepdf.open(signed, password=PW) as pdf:
        page = pdf.pages[8]
        page.contents_add(pdf.make_stream(b"0 0 1 rg 100 100 200 200 re f"), prepend=False)
        pdf.save(forged, encryption=pikepdf.Encryption(user=PW, owner="x" * 20, R=6))
    result = verify(forged)
    assert result.exit_code == 1
    found = checks(result)
    assert not found["signature"]["ok"]
    assert "changed after signing" in found["signature"]["detail"]


def test_a_change_appended_after_the_signature_is_refused(signed: Path, tmp_path: Path) -> None:
    """Someone with the password appends a revision drawing on a page (as pyHanko can)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    changed = tmp_path / "appended.pdf"
    shutil.copy(signed, changed)
    with changed.open("r+b") as fh:
        writer = IncrementalPdfFileWriter(fh)
        writer.encrypt(PW)
        stream = generic.StreamObject(stream_data=b"0 0 1 rg 100 100 200 200 re f")
        writer.add_stream_to_page(8, writer.add_object(stream))
        writer.write_in_place()
    assert changed.stat().st_size > signed.stat().st_size
    result = verify(changed)
    assert result.exit_code == 1
    found = checks(result)
    assert not found["signature"]["ok"]
    assert "added to the file after it was signed" in found["signature"]["detail"]
    assert not found["one revision"]["ok"]


def test_every_part_of_a_packet_cut_to_fit_is_signed(tmp_path: Path, keys: Keys) -> None:
    import yaml

    from .fit_records import scan_pdf

    folder = tmp_path / "jane-doe"
    shutil.copytree(EXAMPLE, folder)
    data = yaml.safe_load((folder / "packet.yaml").read_text())
    for n in range(2):  # two scans of about 0.9 MB each: two files of 1.5 MB at most
        scan_pdf(folder / "records" / f"scan-{n}.pdf", pages=1, dpi=200, marker=f"SCAN{n}")
        data["records"].append(
            {"title": f"Scan {n}", "kind": "imaging", "file": f"records/scan-{n}.pdf"}
        )
    (folder / "packet.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    result = build(folder, folder / "packet.pdf", keys, "--max-size", "1.5MB", "--no-recompress")
    assert result.exit_code == 0, result.output
    parts = sorted(folder.glob("packet-part-*.pdf"))
    assert len(parts) >= 2
    checked = verify(*parts)
    assert checked.exit_code == 0, checked.output
    data = json.loads(checked.stdout)
    assert data["intact"] is True
    assert [f["signed"]["by"] for f in data["files"]] == ["Dr Ada Test (Test Clinic)"] * len(parts)


def test_batch_signs_each_packet(tmp_path: Path, keys: Keys, memory_keyring) -> None:
    """The passphrase from $SOPACKET_SIGN_PASSWORD; each packet's password generated."""
    for n in range(2):
        folder = tmp_path / "in" / f"patient-{n}"
        shutil.copytree(EXAMPLE, folder)
        text = (folder / "packet.yaml").read_text()
        (folder / "packet.yaml").write_text(text.replace("id: example-jd-2026", f"id: sg-{n}"))
    out = tmp_path / "out"
    result = CliRunner(env={"SOPACKET_SIGN_PASSWORD": PASSPHRASE}).invoke(
        app,
        [
            "batch",
            str(tmp_path / "in"),
            "-o",
            str(out),
            "--generate-password",
            "--sign",
            str(keys.clinic.p12),
            "--jobs",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    stored = {user: pw for (_, user), pw in memory_keyring.store.items()}
    for n in range(2):
        checked = CliRunner().invoke(
            app,
            ["verify", str(out / f"sg-{n}.pdf"), "--password-stdin", "--json"],
            input=stored[f"sg-{n}"] + "\n",
        )
        assert checked.exit_code == 0, checked.output
        assert json.loads(checked.stdout)["signed"]["by"] == "Dr Ada Test (Test Clinic)"


@pytest.mark.parametrize(
    "case, code, words",
    [
        ("wrong passphrase", 4, "the passphrase does not open the signing key"),
        ("not pkcs12", 2, "is not a PKCS#12 file"),
        ("expired", 2, "expired on"),
    ],
)
def test_a_bad_signing_key_stops_the_build_before_anything_is_written(
    tmp_path: Path, keys: Keys, case: str, code: int, words: str
) -> None:
    folder = tmp_path / "jane-doe"
    shutil.copytree(EXAMPLE, folder)
    out = folder / "packet.pdf"
    key = keys.clinic.p12
    if case == "wrong passphrase":
        wrong = tmp_path / "wrong.txt"
        wrong.write_text("not the passphrase\n")
        wrong.chmod(0o600)
        args = ["--sign", str(key), "--sign-password-file", str(wrong)]
    elif case == "not pkcs12":
        args = [
            "--sign",
            str(keys.clinic.cert_pem),
            "--sign-password-file",
            str(keys.passphrase_file),
        ]
    else:
        args = ["--sign", str(keys.expired.p12), "--sign-password-file", str(keys.passphrase_file)]
    result = CliRunner().invoke(
        app,
        ["build", str(folder / "packet.yaml"), "--password-stdin", "-o", str(out), *args],
        input=PW + "\n",
    )
    assert result.exit_code == code, result.output
    assert words in result.output
    assert "Traceback" not in result.output and PASSPHRASE not in result.output
    assert not out.exists() and not list(folder.glob("*.pdf")) and not list(folder.glob(".sop*"))


def test_without_pyhanko_sign_says_what_to_install(tmp_path: Path, keys: Keys) -> None:
    """pyHanko made unimportable in a fresh interpreter (as when it is not installed)."""
    folder = tmp_path / "jane-doe"
    shutil.copytree(EXAMPLE, folder)
    out = folder / "packet.pdf"
    code = (
        "import sys; sys.modules['pyhanko'] = None; sys.modules['pyhanko.sign'] = None\n"
        "from sopacket.cli import main\n"
        "sys.argv = ['sopacket', *sys.argv[1:]]\n"
        "main()\n"
    )
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "build",
            str(folder / "packet.yaml"),
            "--password-stdin",
            "-o",
            str(out),
            "--sign",
            str(keys.clinic.p12),
            "--sign-password-file",
            str(keys.passphrase_file),
        ],
        input=PW + "\n",
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2, run.stderr
    assert "pip install 'sopacket[sign]'" in run.stderr
    assert not out.exists()
