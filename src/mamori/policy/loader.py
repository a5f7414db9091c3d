"""Reading a policy file: bytes -> YAML nodes -> plain data -> :class:`Policy`.

Every problem becomes an :class:`~mamori.errors.Issue` that names the file, the line and
the path (``policy.yaml:42 purposes.sales.items[2]: unknown item 'phon' (did you mean
'phone'?)``). Nothing here writes anything; a policy that fails to load leaves no trace.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from mamori.errors import Issue, PolicyError, PolicyFileError
from mamori.policy.checks import Finding, check
from mamori.policy.model import Policy

__all__ = ["DEFAULT_MAX_BYTES", "LoadedPolicy", "format_path", "load_policy", "parse_policy"]

DEFAULT_MAX_BYTES = 1024 * 1024
MAX_NODES = 200_000

Loc = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class LoadedPolicy:
    """A validated policy with where it came from and the warnings it raised."""

    policy: Policy
    source: str
    file: str
    warnings: tuple[Issue, ...] = ()
    lines: dict[Loc, int] = field(default_factory=dict, repr=False, compare=False)


def format_path(loc: Loc) -> str:
    """``('purposes', 'sales', 'items', 2)`` -> ``purposes.sales.items[2]``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def load_policy(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedPolicy:
    """Read and validate the policy file at ``path``; raise :class:`PolicyError` if invalid."""
    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            what = "is a directory, not a policy file" if path.is_dir() else "is not a regular file"
            raise _file_error(name, what)
        if size > max_bytes:
            raise _file_error(
                name, f"is {size:,} bytes; a policy file may be at most {max_bytes:,}"
            )
        with path.open("rb") as fh:
            raw = fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise _file_error(name, "does not exist") from None
    except PermissionError:
        raise _file_error(name, "cannot be read (permission denied)") from None
    if len(raw) > max_bytes:
        raise _file_error(name, f"is larger than {max_bytes:,} bytes")
    return parse_policy(_decode(raw, name), file=name)


def parse_policy(text: str, *, file: str = "<policy>") -> LoadedPolicy:
    """Validate a policy given as YAML text."""
    try:
        node = yaml.compose(text, Loader=_SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or str(exc)
        raise PolicyError(
            [Issue("error", "yaml_syntax", "", f"malformed YAML: {problem}", file, line)]
        ) from None
    except yaml.YAMLError as exc:
        raise PolicyError(
            [Issue("error", "yaml_syntax", "", f"malformed YAML: {exc}", file)]
        ) from None
    if node is None:
        raise PolicyError([Issue("error", "policy_empty", "", "the policy file is empty", file, 1)])
    lines: dict[Loc, int] = {}
    data = _Builder(file, lines).build(node)
    if not isinstance(data, dict):
        raise PolicyError(
            [Issue("error", "not_a_mapping", "", "a policy is a YAML mapping of keys", file, 1)]
        )
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(_validation_issues(exc, file, lines)) from None
    findings = check(policy)
    issues = [_issue(f, file, lines) for f in findings]
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        raise PolicyError(errors)
    warnings = tuple(i for i in issues if i.severity == "warning")
    return LoadedPolicy(policy=policy, source=text, file=file, warnings=warnings, lines=lines)


def _file_error(name: str, what: str, line: int | None = None) -> PolicyFileError:
    issue = Issue("error", "policy_file_unreadable", "", f"the file {what}", name, line)
    return PolicyFileError([issue])


def _decode(raw: bytes, name: str) -> str:
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        raise _file_error(name, f"is binary (a NUL byte at offset {nul}), not YAML text", line)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise _file_error(
            name, f"is not UTF-8 text (invalid byte at offset {exc.start})", line
        ) from None
    return text


class _Builder:
    """Turns a composed YAML node tree into plain data, recording each path's line.

    Aliases are followed (bounded, so an alias bomb cannot blow up), recursive aliases
    are refused, duplicate keys and merge keys are errors.
    """

    def __init__(self, file: str, lines: dict[Loc, int]) -> None:
        self.file = file
        self.lines = lines
        self.nodes = 0
        self.issues: list[Issue] = []
        self.constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node) -> Any:
        data = self._build(node, (), set())
        if self.issues:
            raise PolicyError(self.issues)
        return data

    def _fail(self, code: str, loc: Loc, node: yaml.Node, message: str) -> None:
        line = self.lines.get(loc, node.start_mark.line + 1)
        self.issues.append(Issue("error", code, format_path(loc), message, self.file, line))

    def _build(self, node: yaml.Node, loc: Loc, active: set[int]) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self._fail("too_many_nodes", loc, node, f"more than {MAX_NODES:,} values (alias bomb?)")
            raise PolicyError(self.issues)
        self.lines.setdefault(loc, node.start_mark.line + 1)
        if id(node) in active:
            self._fail("recursive_alias", loc, node, "an alias refers to a value that contains it")
            return None
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR:  # the common case, without the constructor's overhead
                return node.value
            try:
                return self.constructor.construct_object(node, deep=True)
            except yaml.YAMLError as exc:
                self._fail("yaml_value", loc, node, f"cannot read this value: {_problem(exc)}")
            except (ValueError, TypeError, OverflowError):
                # e.g. an impossible date (2026-02-30) or !!int on a word
                self._fail("yaml_value", loc, node, f"not a valid {node.tag.rsplit(':', 1)[-1]}")
            return None
        active = active | {id(node)}
        if isinstance(node, yaml.SequenceNode):
            return [self._build(child, (*loc, i), active) for i, child in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, loc, active)
        self._fail("yaml_value", loc, node, "unsupported YAML node")  # pragma: no cover
        return None

    def _mapping(self, node: yaml.MappingNode, loc: Loc, active: set[int]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._fail(
                    "bad_key", loc, key_node, "a key must be a plain word, not a list or map"
                )
                continue
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._fail("merge_key", (*loc, key), key_node, "merge keys (<<) are not supported")
                continue
            if key in first_line:
                self._fail(
                    "duplicate_key",
                    (*loc, key),
                    key_node,
                    f"duplicate key '{key}' (first at line {first_line[key]})",
                )
                continue
            first_line[key] = line
            self.lines[(*loc, key)] = line
            out[key] = self._build(value_node, (*loc, key), active)
        return out


def _problem(exc: yaml.YAMLError) -> str:
    return getattr(exc, "problem", None) or str(exc).splitlines()[0]


def _line_for(loc: Loc, lines: dict[Loc, int]) -> int | None:
    for end in range(len(loc), -1, -1):
        line = lines.get(loc[:end])
        if line is not None:
            return line
    return None


def _issue(finding: Finding, file: str, lines: dict[Loc, int]) -> Issue:
    return Issue(
        finding.severity,
        finding.code,
        format_path(finding.loc),
        finding.message,
        file,
        _line_for(finding.loc, lines),
    )


def _validation_issues(exc: ValidationError, file: str, lines: dict[Loc, int]) -> list[Issue]:
    issues: list[Issue] = []
    for err in exc.errors(include_url=False):
        loc: Loc = tuple(p for p in err["loc"] if p != "[key]")
        kind = err["type"]
        if kind == "extra_forbidden":
            key = str(loc[-1])
            message = f"unknown key '{key}'" + _suggest(key, _allowed_keys(loc[:-1]))
            code = "unknown_key"
        elif kind == "missing":
            message = f"missing required key '{loc[-1]}'"
            code = "missing_key"
        elif "[key]" in err["loc"] and kind == "literal_error":
            message = f"unknown key '{loc[-1]}': {err['msg'].replace('Input', 'it')}"
            code = "bad_id"
        elif "[key]" in err["loc"]:
            message = (
                f"id '{loc[-1]}' must be lower-case letters, digits and _, starting with a letter"
            )
            code = "bad_id"
        else:
            message = err["msg"]
            if "input" in err and not isinstance(err["input"], dict | list):
                message += f" (got {type(err['input']).__name__})"
            code = "bad_value"
        issues.append(Issue("error", code, format_path(loc), message, file, _line_for(loc, lines)))
    return issues


def _suggest(word: str, choices: list[str]) -> str:
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _allowed_keys(loc: Loc) -> list[str]:
    """The keys a model accepts at ``loc``, found by walking the type annotations."""
    tp: Any = Policy
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            fields = {f.alias or name: f for name, f in tp.model_fields.items()}
            if not isinstance(part, str) or part not in fields:
                return []
            tp = fields[part].annotation
        elif typing.get_origin(tp) in (dict, tuple, list):
            args = typing.get_args(tp)
            tp = args[-1] if typing.get_origin(tp) is dict else args[0]
        else:
            return []
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [f.alias or name for name, f in tp.model_fields.items()]
    return []


def _unwrap(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = args[0]
        else:
            return tp
