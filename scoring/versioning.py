"""Version labels derived from content, so changed rules can never ship under an old label."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

SCORING_DIR = Path(__file__).resolve().parent
# The project's root: a label covering files of several packages names them from here.
PROJECT_DIR = SCORING_DIR.parent
# The package of vocabularies scoring shares with offers (the V2 taxonomy, its data, folding).
SHARED_VOCABULARY_DIR = PROJECT_DIR / "vocabulary"
# Data files the rule layer and the heuristic read (vocabularies, taxonomies, signal lists).
VOCABULARY_DIR = SCORING_DIR / "vocabularies"
# Short enough for a results column, long enough that two contents never share a label.
VERSION_CHARS = 12


def content_version(paths: Iterable[Path], *, root: Path = SCORING_DIR) -> str:
    """Return a short hex digest of the files' names (relative to `root`) and bytes.

    The order of `paths` does not matter, and line endings are normalised so that a checkout
    on Windows derives the same label.
    """
    digest = hashlib.sha256()
    for path in sorted(set(paths)):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes().replace(b"\r\n", b"\n"))
        digest.update(b"\0")
    return digest.hexdigest()[:VERSION_CHARS]


def vocabulary_files(*subdirs: str) -> list[Path]:
    """Return every file under VOCABULARY_DIR/<subdir> (all of it when no subdir is named)."""
    roots = [VOCABULARY_DIR / subdir for subdir in subdirs] or [VOCABULARY_DIR]
    return [path for root in roots if root.is_dir() for path in root.rglob("*") if path.is_file()]


def package_files(directory: Path) -> list[Path]:
    """Return every file under `directory` (code and data), compiled bytecode excepted."""
    return [
        path
        for path in directory.rglob("*")
        if path.is_file() and "__pycache__" not in path.relative_to(directory).parts
    ]
