"""The registry: built-ins, add and remove, and pattern recognizers declared in YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from mamori.discovery import (
    Pattern,
    PatternRecognizer,
    RecognizerError,
    RecognizerFileError,
    RecognizerNotFound,
    Registry,
    mask,
    scan_text,
)

EMPLOYEE = PatternRecognizer(
    name="employee_id",
    entity="employee_id",
    patterns=(Pattern("emp", "EMP-[0-9]{6}", 0.7),),
    context=("社員番号",),
)


def test_add_and_remove() -> None:
    reg = Registry.default()
    n = len(reg)
    reg.add(EMPLOYEE)
    assert "employee_id" in reg and len(reg) == n + 1
    fs = scan_text("社員番号EMP-123456", registry=reg)
    assert [(f.entity, f.score) for f in fs] == [("employee_id", 1.0)]
    with pytest.raises(RecognizerError, match="already registered"):
        reg.add(EMPLOYEE)
    reg.add(EMPLOYEE, replace=True)
    assert reg.remove("employee_id") is EMPLOYEE
    assert scan_text("社員番号EMP-123456", registry=reg) == []
    with pytest.raises(RecognizerNotFound):
        reg.remove("employee_id")


def test_removing_a_builtin_stops_its_findings() -> None:
    reg = Registry.default()
    reg.remove("email")
    assert scan_text("a@example.com", registry=reg) == []
    assert scan_text("a@example.com")  # the shared default is untouched


def test_requires_context_needs_context_words() -> None:
    with pytest.raises(RecognizerError, match="requires context"):
        PatternRecognizer(
            name="x", entity="x", patterns=(Pattern("p", "x", 0.5),), requires_context=True
        )
    with pytest.raises(RecognizerError, match="does not compile"):
        PatternRecognizer(name="x", entity="x", patterns=(Pattern("p", "(", 0.5),))


GOOD = """\
recognizers:
  - name: employee_id
    entity: employee_id
    patterns:
      - {name: emp, regex: 'EMP-[0-9]{6}', score: 0.6}
    context: [社員番号, employee]
  - name: member_no
    entity: member_no
    patterns:
      - regex: 'M[0-9]{8}'
    requires_context: true
    context: [会員番号]
"""


def test_yaml_recognizers_load(tmp_path: Path) -> None:
    path = tmp_path / "rec.yaml"
    path.write_text(GOOD, encoding="utf-8")
    reg = Registry.load_yaml(path)  # built-ins plus the file's
    assert "employee_id" in reg and "member_no" in reg and "jp_phone" in reg
    text = "社員番号EMP-123456 会員番号M12345678 / M87654321"
    got = {(f.entity, text[f.start : f.end]) for f in scan_text(text, registry=reg)}
    assert got == {("employee_id", "EMP-123456"), ("member_no", "M12345678")}
    empty = Registry()
    assert empty.load_yaml(path) is empty  # on an instance: extends that registry
    assert empty.names == ("employee_id", "member_no")


@pytest.mark.parametrize(
    ("body", "line", "field"),
    [
        ("recognizers:\n  - name: a\n    entity: b\n", 2, "recognizers[0].patterns"),
        (
            "recognizers:\n  - name: a\n    entity: b\n    patterns:\n      - regex: '('\n",
            5,
            "recognizers[0].patterns[0].regex",
        ),
        (
            "recognizers:\n  - name: a\n    entity: b\n    patterns:\n"
            "      - {regex: 'x', score: 2}\n",
            5,
            "recognizers[0].patterns[0].score",
        ),
        ("recognizers:\n  - name: Bad Name\n    entity: b\n", 2, "recognizers[0].name"),
        (
            "recognizers:\n  - name: a\n    entity: b\n    colour: red\n",
            4,
            "recognizers[0].colour",
        ),
        (
            "recognizers:\n  - name: a\n    entity: b\n    patterns: [{regex: x}]\n"
            "    requires_context: true\n",
            2,
            "recognizers[0].context",
        ),
        ("recognizers: []\n", 1, "recognizers"),
        ("other: 1\n", 1, ".other"),
    ],
)
def test_bad_yaml_names_file_line_and_field(
    tmp_path: Path, body: str, line: int, field: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(body, encoding="utf-8")
    reg = Registry()
    with pytest.raises(RecognizerFileError) as err:
        reg.load_yaml(path)
    e = err.value
    assert e.file == str(path) and e.line == line and e.field == field
    assert f"{path}:{line}" in str(e) and field in str(e)
    assert e.exit_code == 2
    assert len(reg) == 0  # nothing half-added


def test_unparsable_and_missing_yaml(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("recognizers:\n  - name: [a\n", encoding="utf-8")
    with pytest.raises(RecognizerFileError, match="not valid YAML") as err:
        Registry.load_yaml(path)
    assert err.value.line is not None
    with pytest.raises(RecognizerFileError, match="cannot be read"):
        Registry.load_yaml(tmp_path / "missing.yaml")


def test_mask_hides_values_keeps_shape() -> None:
    assert mask("090-1234-5678") == "0**-****-**78"
    assert mask("taro@example.com") == "t***@*******.*om"
    assert mask("山田 太郎") == "山* **"
    assert mask("") == ""
    assert "1234" not in mask("1234-5678-9018")
