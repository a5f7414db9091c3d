"""Errors of the discovery package."""

from __future__ import annotations

from mamori.errors import MamoriError, NotFound

__all__ = ["RecognizerError", "RecognizerFileError", "RecognizerNotFound"]


class RecognizerError(MamoriError):
    """A recognizer cannot be built or registered as declared."""

    code = "recognizer_invalid"
    exit_code = 2


class RecognizerFileError(RecognizerError):
    """A YAML file declaring pattern recognizers is wrong; the message names file, line, field."""

    code = "recognizer_file_invalid"

    def __init__(self, file: str, line: int | None, field: str, problem: str) -> None:
        where = file if line is None else f"{file}:{line}"
        super().__init__(f"{where} {field}: {problem}" if field else f"{where}: {problem}")
        self.file = file
        self.line = line
        self.field = field
        self.problem = problem

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "field": self.field,
        }


class RecognizerNotFound(NotFound):
    """No recognizer of this name is registered."""

    code = "recognizer_not_found"
