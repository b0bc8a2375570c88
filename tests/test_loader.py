"""The packet loader: safe YAML, positions in every error, YAML 1.2 scalars, limits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sopacket.errors import PacketFileError
from sopacket.packetfile.loader import parse
from sopacket.packetfile.validation import load_packet

from .conftest import MINIMAL, write


def problems(tmp_path: Path, text: str) -> list[str]:
    path = write(tmp_path / "p.yaml", text)
    with pytest.raises(PacketFileError) as info:
        load_packet(path)
    return [str(p) for p in info.value.problems]


def test_minimal_packet_loads_with_real_dates(minimal: Path) -> None:
    lp = load_packet(minimal)
    assert lp.packet.patient.name == "Ana Test"
    assert lp.packet.patient.date_of_birth == dt.date(1970, 1, 31)
    assert lp.id == "packet"  # the file's stem


def test_id_from_file_overrides_stem(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", MINIMAL + "id: clinic-0042\n")
    assert load_packet(path).id == "clinic-0042"


def test_duplicate_key_names_both_positions(tmp_path: Path) -> None:
    text = MINIMAL.replace("  name: Ana Test\n", "  name: Ana Test\n  phone: 1\n  name: Ana B\n")
    (msg,) = problems(tmp_path, text)
    assert "p.yaml:5:3: patient.name:" in msg
    assert "first at line 3, column 3" in msg and "again at line 5, column 3" in msg


def test_impossible_date_is_located(tmp_path: Path) -> None:
    text = MINIMAL.replace("1970-01-31", "1970-02-30")
    (msg,) = problems(tmp_path, text)
    assert msg.startswith(f"{tmp_path / 'p.yaml'}:4:18: patient.date_of_birth: 1970-02-30")
    assert "not a real date" in msg and "YYYY-MM-DD" in msg


def test_date_written_as_text_is_refused(tmp_path: Path) -> None:
    (msg,) = problems(tmp_path, MINIMAL.replace("1970-01-31", "31/01/1970"))
    assert ":4:" in msg and "must be a date" in msg and "YYYY-MM-DD" in msg


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    text = MINIMAL + "medicatons: []\n"
    (msg,) = problems(tmp_path, text)
    assert ":7:1: medicatons:" in msg
    assert "Did you mean `medications`?" in msg


def test_unknown_nested_key_lists_the_fields_when_no_close_match(tmp_path: Path) -> None:
    text = MINIMAL + "companion:\n  zzz: 1\n"
    (msg,) = problems(tmp_path, text)
    assert ":8:3: companion.zzz:" in msg
    assert "name, relationship, phone, email" in msg


def test_wrong_choice_suggests(tmp_path: Path) -> None:
    text = MINIMAL + "records:\n  - {title: CBC, kind: labs, file: a.pdf}\n"
    (msg,) = problems(tmp_path, text)
    assert "records[0].kind" in msg and "Did you mean `lab`?" in msg
    assert ":8:" in msg


def test_missing_required_key_points_at_parent(tmp_path: Path) -> None:
    text = MINIMAL + "records:\n  - title: CBC\n    kind: lab\n"
    (msg,) = problems(tmp_path, text)
    assert ":8:5: records[0].file: is required but missing" in msg
    assert "Add `file:`" in msg


def test_every_problem_is_reported_at_once_in_file_order(tmp_path: Path) -> None:
    text = MINIMAL.replace("1970-01-31", "1970-13-01") + (
        "questions: [{text: Why, priority: urgent}]\npreparation: {private_space: maybe}\n"
    )
    msgs = problems(tmp_path, text)
    assert len(msgs) == 3
    assert [m.split(":")[1] for m in msgs] == ["4", "7", "8"]


def test_yaml_syntax_error_is_located_with_a_hint(tmp_path: Path) -> None:
    text = MINIMAL + "notes: Dose: 20 mg\n"
    (msg,) = problems(tmp_path, text)
    assert ":7:12:" in msg and "not valid YAML" in msg and "quotes" in msg


def test_tabs_get_a_hint(tmp_path: Path) -> None:
    (msg,) = problems(tmp_path, MINIMAL + "companion:\n\tname: X\n")
    assert "not valid YAML" in msg and "spaces, not tabs" in msg


@pytest.mark.parametrize(
    "tagged",
    [
        "notes: !!python/object/apply:os.system ['echo hacked']",
        "notes: !custom value",
        "companion: !!python/object:collections.OrderedDict {}",
        "records: !!set {a, b}",
    ],
)
def test_object_tags_are_refused(tmp_path: Path, tagged: str) -> None:
    (msg,) = problems(tmp_path, MINIMAL + tagged + "\n")
    assert "is not allowed" in msg and ":7:" in msg


def test_billion_laughs_is_refused_before_expansion(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    (msg,) = problems(tmp_path, "\n".join(lines) + "\n")
    assert "refused" in msg and "aliases" in msg


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    (msg,) = problems(tmp_path, MINIMAL + "notes: " + "x" * (6 * 1024 * 1024) + "\n")
    assert "larger than 5 MiB" in msg


def test_not_utf8_is_located(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes(MINIMAL.encode() + b"notes: caf\xe9\n")
    with pytest.raises(PacketFileError) as info:
        load_packet(path)
    assert ":7:11:" in str(info.value) and "UTF-8" in str(info.value)


def test_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_packet(path).packet.patient.name == "Ana Test"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("- a\n- b\n", "set of `key: value` lines"),
        ("patient: {name: X}\n", "should be `sopacket: 1`"),
        ("sopacket: 2\n", "format version 2 is not supported"),
    ],
)
def test_not_a_packet(tmp_path: Path, text: str, message: str) -> None:
    (msg,) = problems(tmp_path, text)
    assert message in msg


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(PacketFileError, match="does not exist"):
        load_packet(tmp_path / "nope.yaml")
    with pytest.raises(PacketFileError, match="is a folder"):
        load_packet(tmp_path)


def test_yaml12_scalars_keep_words_as_text(tmp_path: Path) -> None:
    text = MINIMAL.replace("  name: Ana Test\n", "  name: Ana Test\n  language: no\n") + (
        "insurance: {telemedicine_covered: yes, member_id: 0123}\n"
    )
    lp = load_packet(write(tmp_path / "p.yaml", text))
    assert lp.packet.patient.language == "no"  # Norwegian, not false
    assert lp.packet.insurance is not None
    assert lp.packet.insurance.telemedicine_covered == "yes"
    assert lp.packet.insurance.member_id == "0123"  # as written, leading zero kept


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("0612345678", "0612345678"),
        ("+15550100223", "+15550100223"),
        ("5550100", "5550100"),
        ("1.50", "1.50"),
        ("0x1F", "0x1F"),
    ],
)
def test_numbers_in_text_fields_keep_their_text(tmp_path: Path, written: str, kept: str) -> None:
    text = MINIMAL.replace("  name: Ana Test\n", f"  name: Ana Test\n  phone: {written}\n")
    assert load_packet(write(tmp_path / "p.yaml", text)).packet.patient.phone == kept


def test_duplicate_keys_do_not_hide_other_problems(tmp_path: Path) -> None:
    text = MINIMAL + "notes: a\nnotes: b\nnotez: c\n"
    msgs = problems(tmp_path, text)
    assert len(msgs) == 2 and "appears twice" in msgs[0] and "notez" in msgs[1]


def test_a_record_given_instead_of_the_packet(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.7\n...")
    with pytest.raises(PacketFileError, match=r"a record .* not a packet file"):
        load_packet(path)


@pytest.mark.parametrize(
    "name",
    ["Zoë Ångström-Núñez", "Ελένη Παπαδοπούλου", "Анна Иванова", "山田 花子", "فاطمة الزهراء"],
)
def test_text_in_any_script_is_kept_as_written(tmp_path: Path, name: str) -> None:
    text = MINIMAL.replace("Ana Test", name)
    assert load_packet(write(tmp_path / "p.yaml", text)).packet.patient.name == name


def test_positions_are_recorded_for_flow_and_block(tmp_path: Path) -> None:
    src = parse("a:\n  b: [1, {c: 2}]\n", "x", tmp_path)
    assert src.positions[("a", "b")] == (2, 3)
    assert src.positions[("a", "b", 1, "c")] == (2, 11)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=300))
def test_any_text_gives_a_packet_or_a_located_problem(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_packet(path)
    except PacketFileError as exc:
        assert exc.problems and all(p.message for p in exc.problems)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.dates(),
        lambda kids: (
            st.lists(kids, max_size=4)
            | st.dictionaries(st.text(min_size=1, max_size=10), kids, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_any_yaml_structure_gives_a_packet_or_a_located_problem(
    tmp_path: Path, data: object
) -> None:
    import yaml

    doc = {"sopacket": 1, "patient": {"name": "A", "date_of_birth": None}, "request": data}
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    try:
        load_packet(path)
    except PacketFileError as exc:
        assert exc.problems and all(p.line for p in exc.problems)


def test_a_record_given_as_the_packet_file_is_named_as_one(tmp_path: Path) -> None:
    from sopacket.packetfile.loader import read_text

    for head in (b"%PDF-1.7\n", b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"II*\x00"):
        record = tmp_path / "scan.yaml"
        record.write_bytes(head + b"\x00" * 64)
        with pytest.raises(PacketFileError, match="this is a record"):
            read_text(record)
    # A packet may mention the PDF signature in its text: only a file that starts so is one.
    mention = write(tmp_path / "packet.yaml", "# scans start with %PDF-1.7\n" + MINIMAL)
    assert read_text(mention)[0].startswith("# scans start")
