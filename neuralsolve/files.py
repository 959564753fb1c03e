"""Writing outputs so that a failure never leaves a half-written file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import ProblemError


MAX_FILE_BYTES = 1_000_000  # a problem, exam or answers file; a larger one is refused before it is read


def read_text(path: str | Path) -> str:
    """A file's text, or a located error (no such file, unreadable, too large, not UTF-8)."""
    path = Path(path)
    try:
        with open(path, "rb") as f:  # read at most the limit: /dev/zero or a huge file is refused at once
            data = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ProblemError("no such file", str(path)) from None
    except IsADirectoryError:
        raise ProblemError("this is a folder, not a file", str(path)) from None
    except OSError as exc:
        raise ProblemError(f"cannot read the file: {exc.strerror or exc}", str(path)) from None
    if len(data) > MAX_FILE_BYTES:
        raise ProblemError(f"the file is larger than {MAX_FILE_BYTES:,} bytes; a problem file is a few kilobytes",
                           str(path))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ProblemError("the file is not UTF-8 text", str(path), line, col) from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write to path so that a reader sees the old file or the new one, never half (mode 0666 less the umask).

    A failure (a read-only folder, a full disk, a path under a regular file) is a ProblemError naming the path.
    """
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8") if isinstance(text, str) else text)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise ProblemError(f"cannot write the file: {exc.strerror or exc}", str(path)) from None
    except BaseException:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise
