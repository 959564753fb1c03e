"""The one domain error: a message tied to a file, line and column."""

from __future__ import annotations


class ProblemError(Exception):
    """A problem file is wrong, or its numbers make a step undefined."""

    def __init__(self, message: str, file: str = "<input>", line: int = 1, col: int = 1):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.col = col

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"
