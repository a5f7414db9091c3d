"""Pattern recognizers declared in YAML.

::

    recognizers:
      - name: employee_id            # unique; may replace a built-in of the same name
        entity: employee_id
        patterns:
          - {name: emp, regex: 'EMP-[0-9]{6}', score: 0.6}
        context: [社員番号, employee id]    # optional
        negative_context: [見本]           # optional
        requires_context: false            # optional

Every problem is reported with the file, the line and the field it is about.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from mamori.discovery.errors import RecognizerError, RecognizerFileError
from mamori.discovery.recognizer import Pattern, PatternRecognizer

__all__ = ["load_recognizers"]

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_KEYS = {"name", "entity", "patterns", "context", "negative_context", "requires_context"}
_PATTERN_KEYS = {"name", "regex", "score"}


class _File:
    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def error(self, node: yaml.Node | None, field: str, problem: str) -> RecognizerFileError:
        line = node.start_mark.line + 1 if node is not None else None
        return RecognizerFileError(self.path, line, field, problem)

    def mapping(self, node: yaml.Node, field: str, allowed: set[str]) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, field, "must be a mapping")
        out: dict[str, yaml.Node] = {}
        for k, v in node.value:
            key = k.value if isinstance(k, yaml.ScalarNode) else None
            if not isinstance(key, str) or key not in allowed:
                raise self.error(k, f"{field}.{key}", f"unknown field; allowed: {sorted(allowed)}")
            if key in out:
                raise self.error(k, f"{field}.{key}", "given twice")
            out[key] = v
        return out

    def text(self, node: yaml.Node | None, field: str, owner: yaml.Node) -> str:
        if node is None:
            raise self.error(owner, field, "is required")
        if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
            raise self.error(node, field, "must be a non-empty string")
        return str(node.value)

    def words(self, node: yaml.Node | None, field: str) -> tuple[str, ...]:
        if node is None:
            return ()
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(node, field, "must be a list of words")
        out = []
        for i, item in enumerate(node.value):
            out.append(self.text(item, f"{field}[{i}]", node))
        return tuple(out)


def load_recognizers(path: Path) -> list[PatternRecognizer]:
    """Read and check every recognizer in the file; raise on the first problem."""
    f = _File(path)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RecognizerFileError(
            f.path, None, "", f"cannot be read ({exc.__class__.__name__})"
        ) from None
    try:
        root = yaml.compose(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or "is not valid YAML"
        raise RecognizerFileError(f.path, line, "", f"not valid YAML: {problem}") from None
    if root is None:
        raise RecognizerFileError(f.path, None, "recognizers", "the file is empty")
    top = f.mapping(root, "", {"recognizers"})
    items = top.get("recognizers")
    if not isinstance(items, yaml.SequenceNode) or not items.value:
        raise f.error(items or root, "recognizers", "must be a non-empty list")
    out: list[PatternRecognizer] = []
    seen: set[str] = set()
    for i, node in enumerate(items.value):
        where = f"recognizers[{i}]"
        fields = f.mapping(node, where, _KEYS)
        name = f.text(fields.get("name"), f"{where}.name", node)
        if not _NAME.match(name):
            raise f.error(fields["name"], f"{where}.name", "must be lower_snake_case")
        if name in seen:
            raise f.error(fields["name"], f"{where}.name", "is declared twice in this file")
        seen.add(name)
        entity = f.text(fields.get("entity"), f"{where}.entity", node)
        if not _NAME.match(entity):
            raise f.error(fields["entity"], f"{where}.entity", "must be lower_snake_case")
        patterns = _patterns(f, fields.get("patterns"), f"{where}.patterns", node)
        requires = fields.get("requires_context")
        required = False
        if requires is not None:
            if not isinstance(requires, yaml.ScalarNode) or requires.value not in ("true", "false"):
                raise f.error(requires, f"{where}.requires_context", "must be true or false")
            required = requires.value == "true"
        context = f.words(fields.get("context"), f"{where}.context")
        if required and not context:
            raise f.error(node, f"{where}.context", "is required when requires_context is true")
        try:
            out.append(
                PatternRecognizer(
                    name=name,
                    entity=entity,
                    patterns=patterns,
                    context=context,
                    negative_context=f.words(
                        fields.get("negative_context"), f"{where}.negative_context"
                    ),
                    requires_context=required,
                )
            )
        except RecognizerError as exc:
            raise f.error(node, where, exc.message) from None
    return out


def _patterns(f: _File, node: yaml.Node | None, field: str, owner: yaml.Node) -> list[Pattern]:
    if node is None:
        raise f.error(owner, field, "is required")
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise f.error(node, field, "must be a non-empty list")
    out = []
    for j, pnode in enumerate(node.value):
        pf = f"{field}[{j}]"
        p = f.mapping(pnode, pf, _PATTERN_KEYS)
        regex = f.text(p.get("regex"), f"{pf}.regex", pnode)
        try:
            re.compile(regex)
        except re.error as exc:
            raise f.error(p["regex"], f"{pf}.regex", f"does not compile: {exc.msg}") from None
        score_node = p.get("score")
        score = 0.5
        if score_node is not None:
            try:
                score = float(score_node.value)
            except (TypeError, ValueError):
                score = -1.0
            if not isinstance(score_node, yaml.ScalarNode) or not 0.0 <= score <= 1.0:
                raise f.error(score_node, f"{pf}.score", "must be a number from 0 to 1")
        pname = f.text(p["name"], f"{pf}.name", pnode) if "name" in p else f"pattern_{j}"
        out.append(Pattern(pname, regex, score))
    return out
