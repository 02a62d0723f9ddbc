"""Output files: atomic writes, no overwrite without ``--force``, stable names."""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from .batch import Input
from .errors import UsageError


def write_atomic(target: Path, text: str, *, force: bool) -> None:
    """Write ``text`` to ``target`` via a temporary file in the same folder.

    Without ``force`` an existing file is never replaced (the final step is a
    hard link, which fails if the name exists); an interrupted write leaves no
    partial file.
    """
    if target.exists() and not force:
        raise UsageError(
            f"'{target}' exists; not overwriting it", hint="pass --force to replace it"
        )
    parent = target.parent if str(target.parent) else Path()
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise UsageError(f"cannot write to '{parent}': {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if force:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)
            except FileExistsError:
                raise UsageError(
                    f"'{target}' appeared while writing; not overwriting it",
                    hint="pass --force to replace it",
                ) from None
            except OSError:  # file systems without hard links
                if target.exists():
                    raise UsageError(f"'{target}' exists; not overwriting it") from None
                os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def output_names(inputs: Sequence[Input], extension: str) -> list[str]:
    """One file name per input, named after the profile; collisions get their folder."""
    stems = [Path(i.path).stem if i.path is not None else "stdin" for i in inputs]
    counts = Counter(stems)
    names: list[str] = []
    for inp, stem in zip(inputs, stems, strict=True):
        if counts[stem] > 1 and inp.path is not None:
            path = Path(inp.path)
            if inp.root is not None:
                root = Path(inp.root)
                rel = path.relative_to(root)
                parts = [root.resolve().name, *rel.parent.parts, rel.stem]
            else:
                parts = [path.resolve().parent.name, stem]
            stem = "__".join(p for p in parts if p)
        names.append(_UNSAFE.sub("_", stem).lstrip(".") or "profile")
    seen: Counter[str] = Counter()
    unique: list[str] = []
    for name in names:
        seen[name] += 1
        unique.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return [n + extension for n in unique]
