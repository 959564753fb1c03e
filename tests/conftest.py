"""Shared fixtures: the problems folder and helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = sorted((ROOT / "problems").glob("*.yaml"))


@pytest.fixture
def write(tmp_path):
    """Write a YAML problem into a temporary file and return its path."""

    def _write(text: str, name: str = "p.yaml") -> Path:
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        return p

    return _write


def assert_located(result, path, message: str) -> None:
    """A bad file's one line: exit status 2 and FILE:LINE:COL: message on stderr, nothing else."""
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == f"{path}:{message}"


@pytest.fixture(autouse=True)
def _in_a_scratch_folder(tmp_path, monkeypatch):
    """Every test runs in its own empty folder, so what a command writes beside it (solve's ./figures) never
    lands in the checkout; tests name the project's files from ROOT."""
    monkeypatch.chdir(tmp_path)
