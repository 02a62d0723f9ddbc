"""The flat reader gives PyYAML's answer whenever it answers, and answers for real profiles."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from needleplan import InputError, _pyyaml
from needleplan._flat import parse_flat

from .conftest import CASES, PLANS

FILES = sorted(PLANS.glob("*.yaml")) + sorted(CASES.glob("*/*.yaml"))


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (True is not 1 here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and a != a:
        return b != b
    return bool(a == b)


def check(text: str) -> None:
    flat = parse_flat(text)
    if flat is None:
        return
    try:
        full = _pyyaml.parse(text, "t.yaml").data
    except InputError as exc:  # pragma: no cover - a failure names the disagreement
        raise AssertionError(f"flat read {flat!r} but PyYAML refused: {exc}") from None
    assert same(flat, full), (flat, full)


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_files_agree(path) -> None:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return
    check(text.removeprefix("\ufeff"))


def test_real_profiles_take_the_flat_path() -> None:
    for path in sorted(PLANS.glob("*.yaml")):
        assert parse_flat(path.read_text(encoding="utf-8")) is not None, path.name


def test_block_lists_take_the_flat_path() -> None:
    text = (
        "condition: neck_pain   # required\nseverity: 6\nduration: 10 weeks\n"
        "health_factors:\n  - poor_sleep\n  - smoker  # since 2010\n"
        "underlying_factors:\n- poor_posture\n"
    )
    data = parse_flat(text)
    assert data is not None
    assert data["health_factors"] == ["poor_sleep", "smoker"]
    assert data["underlying_factors"] == ["poor_posture"]
    check(text)


TRICKY = "abcxyz ABC019_-.:#'\"[]{},?!&*|>%@~/()+;\\\t\r\u00e9\u2028\x85"
SAFE = "abcxyz ABC019_-.,;()'%!?&~/+\u00e9"  # what the flat reader accepts in plain text
keys = st.sampled_from(["condition", "notes", "a", "b_2", "true", "null", "yes", "x-y", "key"])
unique_keys = st.sampled_from(["condition", "notes", "region", "severity", "duration", "age"])
safe = st.text(alphabet=SAFE, max_size=14)
plain = st.one_of(safe, safe, safe, st.text(alphabet=TRICKY, max_size=14))
# Scalars both readers must type alike, and scalars only the full reader may take.
WORDS = [
    "7",
    "-3",
    "+2",
    "0123",
    "1.5",
    ".5",
    "-.5",
    "1e5",
    "~",
    "null",
    "True",
    "no",
    "on",
    ".nan",
    "2026-12-01",
    "[]",
    "[ ]",
]
AWKWARD = [
    "1:30",
    "- x",
    "-",
    "&a x",
    "*a",
    "!!str 5",
    "|",
    ">",
    "'it''s'",
    '"a\\"b"',
    "[a, [b]]",
    "[a,]",
]


def scalars(text: st.SearchStrategy[str], words: list[str]) -> st.SearchStrategy[str]:
    """Values as written after 'key: ': plain, quoted, a flow list, or a chosen word."""
    return st.one_of(
        text,
        text.map(lambda s: f'"{s}"'),
        text.map(lambda s: f"'{s}'"),
        st.lists(text, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
        st.sampled_from(words),
    )


scalar = scalars(plain, WORDS + AWKWARD)
line = st.one_of(
    st.tuples(
        keys,
        st.sampled_from([": ", ":", ":  ", ": "]),
        scalar,
        st.sampled_from(["", " ", "  # note", "# x", " #"]),
    ).map("".join),
    st.sampled_from(
        [
            "",
            "   ",
            "# comment",
            "  indented: 1",
            "---",
            "...",
            "- item",
            "  - item",
            "  - 7  # c",
            "    - x",
            " - 'q r'",
            "  -",
            "  -x",
            "  - [a]",
            "  - a: b",
            "  - - a",
            "\t",
            "key",
            "%YAML 1.1",
            "? complex",
        ]
    ),
)
safe_scalar = scalars(safe, [*WORDS, "P-0042", "right side"])
comment = st.sampled_from(["", " ", "  # note", "   "])
# a value on the key's line, or a block list under a bare 'key:' (one indentation per list)
block_list = st.tuples(
    comment,
    st.sampled_from(["", "  ", "    "]),
    st.lists(st.tuples(safe_scalar, comment), min_size=1, max_size=4),
    st.lists(st.sampled_from(["", "# between"]), max_size=1),
).map(lambda t: [f":{t[0]}", *t[3], *(f"{t[1]}- {v}{c}" for v, c in t[2])])
value_lines = st.one_of(
    st.tuples(safe_scalar, comment).map(lambda t: [f": {t[0]}{t[1]}"]), block_list
)
flat_documents = st.tuples(
    st.dictionaries(
        st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True),
        value_lines,
        min_size=1,
        max_size=8,
    ),
    st.lists(st.sampled_from(["", "# comment", "   "]), max_size=3),
    st.sampled_from(["\n", "\r\n"]),
).map(
    lambda t: t[2].join(
        [*t[1], *(line for k, lines in t[0].items() for line in [k + lines[0], *lines[1:]])]
    )
)
documents = st.one_of(
    st.tuples(st.lists(line, max_size=8), st.sampled_from(["\n", "\r\n", "\r"])).map(
        lambda t: t[1].join(t[0])
    ),
    flat_documents,
    flat_documents,
)


@settings(max_examples=1500, deadline=None)
@given(documents)
@example("notes: a - b, c; d (e) 'f' 50% ok?! & more ~\ncondition: neck_pain\n")
@example("a: \"x # not a comment\"\nb: 'y: z'\nc: [p, q r, 3, -4.5]  # c\n")
@example("a: -\n")
@example("a: b\rc: d\n")
@example('a: "b\rc"\n')
@example("a:\n  - x\n  - 7  # c\n# between\n\n  - 'q r'\nb:\n- [y]\n")
@example('a: # c\n- x\n- "y z"\nb: 2\n')
def test_flat_agrees_with_pyyaml(text: str) -> None:
    check(text)
