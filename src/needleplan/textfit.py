"""Plain text fitted to a terminal's width: words never split, labels never broken.

The therapist's screens (``table``, ``needleplan explain``, ``needleplan rules``)
are laid out here as lines of plain text, so a line is exactly as wide as it
looks, whatever Rich or the terminal would have done with it. Widths are
counted in terminal cells (East Asian wide characters take two).
"""

from __future__ import annotations

import re
import unicodedata

#: What ends a line that had to be cut.
ELLIPSIS = "…"
#: A space that wrapping never breaks at: labels are glued with it, then printed as spaces.
GLUE = "\x00"


def cell_len(text: str) -> int:
    """Terminal cells taken by ``text``.

    Not ``rich.cells.cell_len``: that counts GLUE (NUL) as no cell, and GLUE is printed
    as a space; and a table run would import Rich for this alone.
    """
    if text.isascii():
        return len(text)
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1
        for c in text
    )


def _cut_cells(text: str, width: int) -> str:
    """The longest prefix of ``text`` that takes at most ``width`` cells."""
    if cell_len(text) <= width:
        return text
    out, used = [], 0
    for c in text:
        w = cell_len(c)
        if used + w > width:
            break
        out.append(c)
        used += w
    return "".join(out)


def glue(label: str) -> str:
    """``label`` with its spaces made unbreakable for :func:`wrap` and :func:`fit`."""
    return label.replace(" ", GLUE)


def unglue(text: str) -> str:
    return text.replace(GLUE, " ")


def fit(text: str, width: int) -> str:
    """``text`` on one line of at most ``width`` cells, cut at a word boundary with '…'."""
    if cell_len(text) <= width:
        return unglue(text)
    if width <= 1:
        return ELLIPSIS[:width]
    room = _cut_cells(text, width - 1)
    cut = room.rfind(" ")
    if cut > 0 and cut >= len(room) // 3:
        room = room[:cut]
    return unglue(room.rstrip(" ,;:-—") + ELLIPSIS)


def wrap(text: str, width: int, indent: int = 0, first: int | None = None) -> list[str]:
    """``text`` wrapped at spaces to ``width`` cells; later lines indented by ``indent``.

    ``first`` is the room on the first line (default ``width``). A word longer
    than a whole line is the only thing ever split.
    """
    width = max(width, indent + 8)
    room = width if first is None else max(first, 1)
    lines: list[str] = []
    line = ""
    for word in text.split():
        while True:
            candidate = f"{line} {word}" if line else word
            if cell_len(candidate) <= room:
                line = candidate
                break
            if line:
                lines.append(line)
                line, room = "", width - indent
                continue
            # one word longer than the line: split it, the only break inside a word
            head = _cut_cells(word, room)
            lines.append(head)
            word = word[len(head) :]
            room = width - indent
            if not word:
                break
    if line or not lines:
        lines.append(line)
    return [unglue((" " * indent if i else "") + x) for i, x in enumerate(lines)]


def hang(prefix: str, text: str, width: int, indent: int) -> list[str]:
    """``text`` wrapped after ``prefix`` (a number, a field's name, spaces), later lines
    at ``indent``."""
    lines = wrap(text, width, indent=indent, first=width - cell_len(prefix))
    return [prefix + lines[0], *lines[1:]]


_SENTENCE_END = re.compile(r"(?<=[a-z0-9)\]])[.;]\s+(?=[A-Z])")
_PAREN = re.compile(r"\s*\([^()]*\)")


def unaside(message: str) -> str:
    """``message`` without its parenthetical asides."""
    return _PAREN.sub("", message.strip()).strip()


def short(message: str) -> str:
    """The first sentence of ``message``, without its parenthetical asides."""
    first = _SENTENCE_END.split(message.strip(), maxsplit=1)[0]
    text = unaside(first)
    return text.rstrip(".") if text else message.strip()
