"""Reading a policy file: every bad input gets a clear error naming file, line and path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from mamori.errors import PolicyError, PolicyFileError
from mamori.policy.loader import load_policy, parse_policy


def _line_of(text: str, needle: str) -> int:
    index = text.index(needle)
    return text.count("\n", 0, index) + 1


def _errors(text: str, file: str = "policy.yaml") -> list[str]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, file=file)
    return [str(i) for i in caught.value.issues]


def _one(text: str, code: str) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, file="policy.yaml")
    codes = [i.code for i in caught.value.issues]
    assert code in codes, codes
    return caught.value


def _mutate(example_text: str, change: dict[str, object]) -> str:
    """The example with some top-level parts replaced (line numbers are not kept)."""
    data = yaml.safe_load(example_text)
    data.update(change)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def test_the_example_policy_is_valid_without_warnings(example_path: Path) -> None:
    loaded = load_policy(example_path)
    assert len(loaded.policy.purposes) == 8
    assert set(loaded.policy.items) >= {"name", "birth_date", "phone", "device_token", "email"}
    assert loaded.warnings == ()


def test_unknown_item_names_file_line_path_and_a_suggestion(example_text: str) -> None:
    needle = "items: [name, email, phone, device_token]\n    marketing: true"
    bad = example_text.replace(needle, needle.replace("phone", "phon"), 1)
    [message] = _errors(bad)
    line = _line_of(example_text, needle)
    assert message == (
        f"policy.yaml:{line} purposes.sales.items[2]: unknown item 'phon' (did you mean 'phone'?)"
    )


def test_malformed_yaml_names_the_line() -> None:
    text = "format: 1\ncontroller:\n  name: {ja: x\nitems: [\n"
    [issue] = _one(text, "yaml_syntax").issues
    assert issue.line is not None and issue.line >= 3
    assert "malformed YAML" in issue.message


def test_wrong_type_names_the_field(example_text: str) -> None:
    bad = example_text.replace("target_days: 14", "target_days: fourteen", 1)
    error = _one(bad, "bad_value")
    [issue] = error.issues
    assert issue.path == "requests.target_days"
    assert issue.line == _line_of(example_text, "target_days: 14")


def test_unknown_key_is_refused_with_a_suggestion(example_text: str) -> None:
    bad = example_text.replace("    profiling: true", "    profilng: true", 1)
    [issue] = _one(bad, "unknown_key").issues
    assert issue.path == "purposes.research.profilng"
    assert "did you mean 'profiling'?" in issue.message
    assert issue.line == _line_of(example_text, "    profiling: true")


def test_duplicate_ids_are_refused(example_text: str) -> None:
    bad = example_text.replace("  marketing:\n", "  support:\n", 1)
    [issue] = _one(bad, "duplicate_key").issues
    assert issue.path == "roles.support"
    assert f"first at line {_line_of(example_text, '  support:')}" in issue.message


def test_a_missing_required_section_is_named(example_text: str) -> None:
    data = yaml.safe_load(example_text)
    del data["requests"]
    error = _one(yaml.safe_dump(data, allow_unicode=True), "missing_key")
    assert "missing required key 'requests'" in str(error)


def test_bad_ids_are_refused(example_text: str) -> None:
    bad = example_text.replace("  sales:\n", "  Sales-Team:\n", 1)
    issues = _one(bad, "bad_id").issues
    assert any(i.path == "purposes.Sales-Team" for i in issues)


def test_fee_on_a_kind_that_may_not_carry_one(example_text: str) -> None:
    bad = example_text.replace(
        "    - kind: correction", "    - kind: correction\n      fee: {amount: 500}"
    )
    [issue] = _one(bad, "fee_not_allowed").issues
    assert issue.path == "requests.kinds[3].fee"
    assert "Art. 38" in issue.message


def test_special_care_item_needs_a_consent_purpose(example_text: str) -> None:
    bad = example_text.replace(
        "    label: {ja: 生年月日, en: Date of birth}",
        "    label: {ja: 生年月日, en: Date of birth}\n    class: special_care",
        1,
    )
    issues = _one(bad, "special_care_without_consent").issues
    assert {i.path for i in issues} >= {
        "purposes.account_admin.items[1]",
        "purposes.research.items[0]",
    }


def test_joint_user_without_responsible_party(example_text: str) -> None:
    data = yaml.safe_load(example_text)
    del data["recipients"]["group_companies"]["joint_use"]
    error = _one(yaml.safe_dump(data, allow_unicode=True), "joint_use_incomplete")
    assert error.issues[0].path == "recipients.group_companies"
    assert "responsible_party" in error.issues[0].message


def test_joint_use_details_must_be_complete(example_text: str) -> None:
    data = yaml.safe_load(example_text)
    del data["recipients"]["group_companies"]["joint_use"]["responsible_party"]["address"]
    error = _one(yaml.safe_dump(data, allow_unicode=True), "missing_key")
    assert error.issues[0].path == "recipients.group_companies.joint_use.responsible_party.address"


def _foreign(example_text: str, **extra: object) -> str:
    data = yaml.safe_load(example_text)
    data["purposes"]["research"]["provision"] = True
    data["recipients"]["analytics_us"] = {
        "name": {"ja": "Example Analytics Inc.", "en": "Example Analytics Inc."},
        "kind": "third_party",
        "country": "US",
        "address": {"ja": "米国カリフォルニア州", "en": "California, USA"},
        "representative": {"ja": "CEO", "en": "CEO"},
        "items": ["cookie_id"],
        "purposes": ["research"],
        **extra,
    }
    return yaml.safe_dump(data, allow_unicode=True)


def test_foreign_third_party_needs_rule17_information(example_text: str) -> None:
    error = _one(_foreign(example_text), "rule17_missing")
    assert error.issues[0].path == "recipients.analytics_us"
    rule17 = {
        "country_system": {"ja": "米国には包括的な連邦法がない", "en": "No federal law"},
        "recipient_measures": {"ja": "契約で保護", "en": "Contractual protection"},
    }
    loaded = parse_policy(_foreign(example_text, rule17=rule17))
    assert loaded.policy.recipients["analytics_us"].foreign


def test_third_party_for_a_purpose_that_never_announced_provision(example_text: str) -> None:
    text = _foreign(example_text).replace("provision: true", "provision: false")
    assert "provision_not_declared" in str([i.code for i in _one(text, "rule17_missing").issues])


def test_no_officer_and_two_officers(example_text: str) -> None:
    none = example_text.replace("    officer: true\n", "")
    assert _one(none, "officer_missing").issues[0].path == "roles"
    two = example_text.replace(
        "    purposes: [inquiries, account_admin]\n",
        "    purposes: [inquiries, account_admin]\n    officer: true\n",
        1,
    )
    issue = _one(two, "officer_multiple").issues[0]
    assert issue.path == "roles.officer.officer"


def test_roles_inheriting_in_a_circle(example_text: str) -> None:
    bad = example_text.replace(
        "    purposes: [inquiries, account_admin]\n",
        "    purposes: [inquiries, account_admin]\n    inherits: [marketing]\n",
        1,
    ).replace(
        "    purposes: [sales, service_info]\n",
        "    purposes: [sales, service_info]\n    inherits: [support]\n",
        1,
    )
    [issue] = _one(bad, "role_inherits_cycle").issues
    assert "support -> marketing -> support" in issue.message


def test_a_yaml_alias_that_contains_itself() -> None:
    text = "format: 1\ncontroller: &loop\n  self: *loop\n"
    issue = _one(text, "recursive_alias").issues[0]
    assert issue.line == 3
    assert issue.path == "controller.self"


def test_an_alias_bomb_is_stopped() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    error = _one("\n".join(lines) + "\n", "too_many_nodes")
    assert "alias" in str(error)


def test_merge_keys_are_refused() -> None:
    text = "base: &b {ja: x}\nother:\n  <<: *b\n"
    assert _one(text, "merge_key").issues[0].line == 3


def test_a_file_that_is_too_large(tmp_path: Path) -> None:
    big = tmp_path / "policy.yaml"
    with big.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    with pytest.raises(PolicyFileError) as caught:
        load_policy(big)
    assert "52,428,800 bytes" in str(caught.value)


def test_a_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_bytes(b"format: 1\n" + os.urandom(64) + b"\x00\x01")
    with pytest.raises(PolicyFileError) as caught:
        load_policy(path)
    assert "binary" in str(caught.value) or "not UTF-8" in str(caught.value)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_bytes("format: 1\nname: 氏名\n".encode("shift_jis"))
    with pytest.raises(PolicyFileError) as caught:
        load_policy(path)
    assert caught.value.issues[0].line == 2


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "policy_empty"),
        ("- a\n- b\n", "not_a_mapping"),
        ("a: !!python/name:os.system\n", "yaml_value"),
    ],
)
def test_empty_list_and_unsafe_documents(text: str, code: str) -> None:
    _one(text, code)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError, match="does not exist"):
        load_policy(tmp_path / "nope.yaml")
    with pytest.raises(PolicyFileError, match=r"not a regular file|directory"):
        load_policy(tmp_path)


def test_vague_purposes_warn_but_load(example_text: str) -> None:
    text = example_text.replace(
        "ja: その他、利用者間での取引を適切かつ円滑に履行するため", "ja: 「事業活動のため」", 1
    )
    loaded = parse_policy(text, file="policy.yaml")
    [warning] = [w for w in loaded.warnings if w.code == "purpose_vague"]
    assert warning.path == "purposes.user_transactions.label.ja"
    assert warning.line == _line_of(example_text, "ja: その他、利用者間での取引")
    assert "Art. 17" in warning.message


def test_every_error_is_reported_at_once(example_text: str) -> None:
    bad = example_text.replace(
        "items: [birth_date, device_info, cookie_id]", "items: [birthdate, cookie]"
    )
    issues = _one(bad, "unknown_item").issues
    assert [i.path for i in issues] == ["purposes.research.items[0]", "purposes.research.items[1]"]


def test_an_unknown_reference_in_a_role_or_recipient(example_text: str) -> None:
    bad = example_text.replace(
        "    purposes: [sales, service_info]\n", "    purposes: [sale, service_info]\n", 1
    )
    [issue] = _one(bad, "unknown_purpose").issues
    assert issue.path == "roles.marketing.purposes[0]"
    assert "did you mean 'sales'?" in issue.message


def test_an_impossible_date_is_a_located_error_not_a_crash(example_text: str) -> None:
    bad = example_text.replace("established: 2022-03-22", "established: 2022-02-30", 1)
    [issue] = _one(bad, "yaml_value").issues
    assert issue.path == "controller.established"
    assert issue.line == _line_of(example_text, "established: 2022-03-22")


def test_an_unknown_section_names_the_allowed_ones(example_text: str) -> None:
    [issue] = _one(example_text + "sections:\n  foo: {ja: [x]}\n", "bad_id").issues
    assert issue.path == "sections.foo"
    assert "'preamble'" in issue.message and "lower-case" not in issue.message


def test_a_my_number_item_needs_a_lawful_use(example_text: str) -> None:
    data = yaml.safe_load(example_text)
    data["items"]["my_number"] = {
        "label": {"ja": "個人番号"},
        "class": "identification_code",
        "normaliser": "my_number",
    }
    data["purposes"]["contract_and_law"]["items"].append("my_number")
    text = yaml.safe_dump(data, allow_unicode=True)
    [issue] = _one(text, "my_number_without_legal_basis").issues
    assert issue.path == "purposes.contract_and_law.items[4]"
    data["purposes"]["contract_and_law"]["my_number_use"] = "tax"
    assert parse_policy(yaml.safe_dump(data, allow_unicode=True)).policy


def test_a_missing_file_is_named_once(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError) as caught:
        load_policy(tmp_path / "nope.yaml")
    assert str(caught.value.issues[0]) == f"{tmp_path / 'nope.yaml'}: the file does not exist"
