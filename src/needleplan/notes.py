"""Clinical notes read for words that suggest a red flag, each with its context.

The words are the rule set's ``note_words`` (triggers) and the context words are its
``note_context``, after ConText (Harkema 2009, J Biomed Inform 42:839), the successor
of NegEx (Chapman 2001): a trigger that is negated ("no bladder or bowel change",
"B&B NAD"), in the past ("history of DVT 2010"), hypothetical ("if short of breath,
call") or about someone else ("mother had cancer") is not a hit. A hit names the
screening question it raises; it is never an answer and never a decision.

Phrases (for triggers and context words alike) are whole words, lower case, matched
across any whitespace, line break, tab or hyphen, and across commas:

- ``word*`` is a word that starts with ``word`` ("incontinen*");
- ``#`` is a number ("inr #", with ``above``), ``#year`` a year from 1900 to 2099,
  ``#/52`` a number of weeks in the UK shorthand ("6/52");
- ``(a|b|c*)`` is one word of those, ``(a b|c)`` one of those phrases.

A sentence ends at ``.``, ``!``, ``;``, a ``?`` that ends a question, a blank line, a
bulleted or numbered line, or a new line that starts with a capital letter after a
line that does not end with a joining word ("short of" / "breath" is one phrase). A
context word reaches no further than its sentence, never past ``ends`` words ("but",
"however") or its category's ``ends_*`` words, nor past a comma for the categories
in ``comma_ends``; a ``*_before`` word reaches at most ``reach_before`` words ahead.
For the categories in ``presence_ends`` it reaches across a comma only to a finding
listed bare: a finding whose clause (from the comma to the next, or to the sentence's
end) holds a ``presence`` word ("since Friday", "on exertion", "noticed by") is a new
finding, present, and the reach ends there ("No trauma, saddle numbness since
Friday"; "Denies CP, SOB, dizziness" is all negated).
A ``*_after`` word ("NAD", "-ve", "intact") reaches back to the finding just before
it (at most ``reach_after`` words between, no comma) and to one-word findings listed
with it ("fever, chills or sweats: nil").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence, Set
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Literal, NamedTuple

if TYPE_CHECKING:
    from .rules import NoteContext, RuleSet

#: How a mention is read: only ``present`` is a hit.
Reading = Literal["present", "negated", "historical", "hypothetical", "other_person"]
#: Context categories, in the order a mention's reading is named.
CATEGORIES: tuple[Reading, ...] = ("negated", "historical", "hypothetical", "other_person")
_CONTEXT_SHOWN = 160  # at most this many characters of a mention's sentence


@dataclass(frozen=True)
class NoteHit:
    """A trigger found in the notes: which, the question it raises, where, in what words."""

    #: the ``note_words`` entry's id
    trigger: str
    #: the screening question it raises
    question: str
    #: the words matched, lower case, single-spaced ("short of breath")
    words: str
    #: where in the text (character offsets)
    start: int
    end: int
    #: its sentence, whitespace collapsed and bounded
    context: str
    reading: Reading = "present"


def read_notes(
    text: str | None, rules: RuleSet, coded: Set[str] = frozenset(), *, intake: bool = False
) -> tuple[NoteHit, ...]:
    """The triggers in ``text`` read as present now (not negated, past, hypothetical or
    about someone else), in the order they appear; a trigger that is no hit by itself
    (``alone: false``) counts only through a ``together`` group, whose lists a ``coded``
    factor (or yes answer) fills as a hit would (coded giant cell arteritis with "saw
    double"). In a profile's own notes (``intake``) a trigger of a session's notes only
    (``sessions_only``) is no hit, though it still counts in a ``together`` group."""
    present = tuple(m for m in read_mentions(text, rules) if m.reading == "present")
    if not present:  # most notes, and every profile without notes
        return ()
    reader = rules.notes_reader
    left_out = reader.sessions_only if intake else frozenset()
    return tuple(
        h
        for h in _together(present, rules, coded)
        if h.trigger in reader.alone and h.trigger not in left_out
    )


def _together(hits: tuple[NoteHit, ...], rules: RuleSet, coded: Set[str]) -> tuple[NoteHit, ...]:
    """``hits`` with each trigger that other triggers (or coded factors) found together
    raise (``together``): its hit stands for theirs (the words of each), and the hits it
    ``replaces`` go. Each list is filled by words of their own: the same words found by
    two triggers ("blurred vision") are one finding, not two together."""
    found = {h.trigger for h in hits} | set(coded)
    added: list[NoteHit] = []
    gone: set[str] = set()
    # a trigger's own words stand for the words of those it replaces that they hold
    # ("dived into a shallow pool" is the neck injury's, not a second major injury)
    replaces = rules.notes_reader.replaces
    held = [
        k
        for k in hits
        if any(
            k.trigger in replaces.get(h.trigger, ()) and h.start <= k.start and k.end <= h.end
            for h in hits
        )
    ]
    for group in rules.note_words:
        if not group.together or not all(found.intersection(g) for g in group.together):
            continue
        parts = {t for g in group.together for t in g}
        if group.same_sentence:  # only where one sentence holds a hit of each list
            sentences = {h.context for h in hits}
            shared = [
                [h for h in hits if h.context == s]
                for s in sentences
                if all(any(h.context == s and h.trigger in g for h in hits) for g in group.together)
            ]
            ours = [h for sentence in shared for h in sentence if h.trigger in parts]
            if not shared or not _apart(group.together, tuple(ours), coded):
                continue
            for h in ours:
                added.append(NoteHit(group.id, group.question, h.words, h.start, h.end, h.context))
            held += [h for h in ours if h.trigger in group.replaces]  # only those sentences'
            continue
        if not _apart(group.together, hits, coded):
            continue
        for h in hits:
            if h.trigger in parts:
                added.append(NoteHit(group.id, group.question, h.words, h.start, h.end, h.context))
        gone.update(group.replaces)
    if not added and not gone and not held:
        return hits
    kept = [h for h in hits if h.trigger not in gone and h not in held]
    return tuple(added) + tuple(kept)


def _apart(lists: tuple[tuple[str, ...], ...], hits: tuple[NoteHit, ...], coded: Set[str]) -> bool:
    """Whether each of ``lists`` has a hit of its own, at a place no other list's hit
    takes (a coded factor fills its list without words)."""

    def fill(i: int, taken: tuple[tuple[int, int], ...]) -> bool:
        if i == len(lists):
            return True
        if any(t in coded for t in lists[i]):
            return fill(i + 1, taken)
        return any(
            fill(i + 1, (*taken, (h.start, h.end)))
            for h in hits
            if h.trigger in lists[i] and not any(h.start < b and a < h.end for a, b in taken)
        )

    return fill(0, ())


def read_mentions(text: str | None, rules: RuleSet) -> tuple[NoteHit, ...]:
    """Every trigger in ``text`` with its reading, in the order they appear."""
    if not text:
        return ()
    reader: NotesReader = rules.notes_reader
    found: list[NoteHit] = []
    for start, end in sentence_spans(text):
        found += reader.read(text, start, end)
    return tuple(found)


def triggered(text: str | None, rules: RuleSet, coded: Set[str] = frozenset()) -> frozenset[str]:
    """The ids of the triggers read as present in ``text`` (``coded``: see read_notes)."""
    return frozenset(h.trigger for h in read_notes(text, rules, coded))


# -- sentences and tokens -----------------------------------------------------------

_BOUNDARY = re.compile(r"[.!;?]|\r?\n|\r")
_ANSWER = re.compile(r"[ \t]*(?:no|nil|none|neg|negative|yes|y|n)\b", re.IGNORECASE)
_BULLET = re.compile(r"[-*\u2022\u00b7>]|\d+[.)]\s")
#: a line that ends with one of these goes on in the next ("short of" / "breath")
_JOINING = frozenset(
    ("or", "and", "nor", "of", "with", "without", "to", "in", "on", "at", "for", "the", "a")
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The sentences of ``text`` as (start, end) offsets (see the module's text)."""
    spans = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        i = m.start()
        ch = text[i]
        if ch == ".":
            if 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit():
                continue  # a decimal point (INR 3.4)
        elif ch == "?":
            after = text[i + 1 : i + 2]
            if after.isalpha() or _ANSWER.match(text, i + 1):
                continue  # "?CES" (query), "saddle numbness? no"
        elif ch in "\r\n" and not _line_ends_sentence(text, start, i, m.end()):
            continue
        spans.append((start, i))
        start = m.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if e > s]


def _line_ends_sentence(text: str, start: int, at: int, after: int) -> bool:
    before = text[start:at].rstrip()
    rest = text[after:].lstrip(" \t")
    if not before or not rest or rest[0] in "\r\n" or _BULLET.match(rest):
        return True
    if before[-1] in ",&/-+:(":
        return False
    last = _TOKEN.findall(before[-20:])
    if last and _norm_plain(last[-1]) in _JOINING:
        return False
    return rest[0].isupper()


_TOKEN = re.compile(
    r"[-+]ve(?![^\W_])"  # -ve, +ve
    r"|(?<![^\W\d_])[^\W\d_]{1,2}(?:[&/+][^\W\d_]{1,2})+(?![^\W\d_])"  # b&b, s/a, c/o
    r"|\d+(?:\.\d+)?(?:/\d+)?"  # 3.4, 6/52
    r"|[^\W\d_]+(?:['\u2019][^\W\d_]+)*"  # words, can't
)
_SAME = {
    "cannot": "can't",
    "cant": "can't",
    "couldnt": "couldn't",
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "isnt": "isn't",
    "wont": "won't",
    "hasnt": "hasn't",
    "havent": "haven't",
    "wasnt": "wasn't",
}


def _norm_plain(token: str) -> str:
    word = token.lower().replace("\u2019", "'")
    return _SAME.get(word, word)


@dataclass(frozen=True)
class _Token:
    norm: str
    start: int
    end: int
    comma_before: bool  # a comma between this token and the one before
    joined_before: bool = False  # only "/", "&" or "+" between ("bladder/bowel")


def _tokens(text: str, start: int, end: int) -> list[_Token]:
    out: list[_Token] = []
    prev = start
    for m in _TOKEN.finditer(text, start, end):
        gap = text[prev : m.start()]
        joined = bool(out) and gap.strip() in _JOINS
        out.append(_Token(_norm_plain(m.group()), m.start(), m.end(), "," in gap, joined))
        prev = m.end()
    return out


#: a gap of one of these between two words lists them ("bladder/bowel", "B & B")
_JOINS = frozenset(("/", "&", "+"))


# -- phrases --------------------------------------------------------------------------


class _Test(NamedTuple):
    """One word's test: "eq" (the word), "pre" (its start), "num", "year", "weeks", "alt"."""

    kind: str
    value: str = ""
    choices: tuple[_Test, ...] = ()


_YEAR = re.compile(r"(?:19|20)\d\d")
_WEEKS = re.compile(r"\d+/52")
_NUMBERS = {"#": "num", "#year": "year", "#/52": "weeks"}
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:/\d+)?")


_CHOICE = re.compile(r"\(([^()]*)\)")


def expand(phrase: str) -> list[str]:
    """``phrase`` with every choice of several words ``(a b|c)`` spelt out."""
    for m in _CHOICE.finditer(phrase):
        if " " in m.group(1):
            head, tail = phrase[: m.start()], phrase[m.end() :]
            return [x for c in m.group(1).split("|") for x in expand(f"{head}{c}{tail}")]
    return [phrase]


def _spellings(
    phrase: str, known: dict[str, tuple[_Test, ...]]
) -> tuple[list[tuple[_Test, ...]], str]:
    """The tests of each spelling of ``phrase`` (see :func:`expand`), or none and why it
    is not a phrase of the notes reading. ``known`` holds the tests of the pieces already
    compiled (a piece such as ``(no|not|denies)`` is written in many phrases)."""
    spelt = expand(phrase)
    if len(spelt) > 1000:
        return [], f"'{phrase}': too many choices"
    try:
        tests = [_compile(p, known) for p in spelt]
    except ValueError as e:
        return [], f"'{phrase}': {e}"
    if not all(tests):
        return [], f"'{phrase}': no word to match"
    return tests, ""


def _compile(phrase: str, known: dict[str, tuple[_Test, ...]]) -> tuple[_Test, ...]:
    tests: list[_Test] = []
    for piece in phrase.split():
        if piece not in known:
            known[piece] = _piece(piece)
        tests += known[piece]
    return tuple(tests)


def _piece(piece: str) -> tuple[_Test, ...]:
    """The tests of one piece of a phrase (most are one test; "short-of" is two)."""
    if piece.startswith("("):
        if not piece.endswith(")") or len(piece) < 3:
            raise ValueError("a choice is written (a|b) with no space inside")
        return (_Test("alt", choices=tuple(_one(c) for c in piece[1:-1].split("|"))),)
    if piece in _NUMBERS:
        return (_Test(_NUMBERS[piece]),)
    if piece.endswith("*"):
        return (_one(piece),)
    words = [_norm_plain(t) for t in _TOKEN.findall(piece)]
    if _TOKEN.sub("", piece).strip("-"):
        raise ValueError(f"'{piece}' holds a character that is never part of a word")
    return tuple(_Test("eq", w) for w in words)


def _one(piece: str) -> _Test:
    stem = piece[:-1] if piece.endswith("*") else piece
    words = [_norm_plain(t) for t in _TOKEN.findall(stem)]
    if len(words) != 1 or words[0] != _norm_plain(stem):
        raise ValueError(f"'{piece}' is not one word")
    if piece.endswith("*"):
        if len(stem) < 3:
            raise ValueError(f"'{piece}': a word's start needs at least 3 letters")
        return _Test("pre", words[0])
    return _Test("eq", words[0])


def _passes(test: _Test, word: str) -> bool:
    kind = test.kind
    if kind == "eq":
        return word == test.value
    if kind == "pre":
        return word.startswith(test.value)
    if kind == "num":
        return _NUMBER.fullmatch(word) is not None
    if kind == "year":
        return _YEAR.fullmatch(word) is not None
    if kind == "weeks":
        return _WEEKS.fullmatch(word) is not None
    return any(_passes(t, word) for t in test.choices)


@dataclass(frozen=True)
class _Match:
    start: int  # token indexes
    end: int
    key: int  # the payload's index
    number: str  # the first number matched ("" when none)


class _Phrases:
    """Many phrases, each with a payload index, found in a list of tokens."""

    def __init__(self, phrases: Sequence[tuple[tuple[_Test, ...], int]]) -> None:
        self.by_first: dict[str, list[tuple[tuple[_Test, ...], int]]] = {}
        self.loose: list[tuple[tuple[_Test, ...], int]] = []
        for tests, key in phrases:
            first = tests[0]
            firsts = first.choices if first.kind == "alt" else (first,)
            if all(t.kind == "eq" for t in firsts):
                for t in firsts:
                    self.by_first.setdefault(t.value, []).append((tests, key))
            else:
                self.loose.append((tests, key))

    def find(self, words: Sequence[str]) -> Iterator[_Match]:
        """Every match, at every start, each as long as its phrase."""
        n = len(words)
        for i, word in enumerate(words):
            for tests, key in (*self.by_first.get(word, ()), *self.loose):
                end = i + len(tests)
                if end > n:
                    continue
                for k, t in enumerate(tests):
                    w = words[i + k]
                    if not (w == t.value if t.kind == "eq" else _passes(t, w)):
                        break
                else:
                    number = next(
                        (words[i + k] for k, t in enumerate(tests) if t.kind == "num"), ""
                    )
                    yield _Match(i, end, key, number)


def _longest_first(matches: Sequence[_Match]) -> list[_Match]:
    """Of overlapping matches, the leftmost and then longest."""
    kept: list[_Match] = []
    for m in sorted(matches, key=lambda m: (m.start, -m.end)):
        if not kept or m.start >= kept[-1].end:
            kept.append(m)
    return kept


# -- the reader -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Mod:
    start: int
    end: int
    category: str  # a Reading, or "ends"
    where: str  # "before" | "after" | "ends"


class NotesReader:
    """A rule set's triggers and context words, compiled (``RuleSet.notes_reader``).

    Building it is what checks the phrases: one that is not a phrase is left out, and
    why is kept in ``problems`` under its place in the rule set (a rule set with any is
    refused when it is loaded).
    """

    def __init__(self, rules: RuleSet) -> None:
        #: why a phrase is not one, by its place ("note_words", 0, "words", 2)
        self.problems: dict[tuple[str | int, ...], str] = {}
        known: dict[str, tuple[_Test, ...]] = {}  # the pieces compiled so far
        self.groups = rules.note_words
        #: the triggers that are a hit by themselves (``alone``)
        self.alone = frozenset(g.id for g in self.groups if g.alone)
        #: the triggers that are a finding only in a session's notes (``sessions_only``)
        self.sessions_only = frozenset(g.id for g in self.groups if g.sessions_only)
        #: the triggers each trigger replaces (its words stand for theirs)
        self.replaces = {g.id: frozenset(g.replaces) for g in self.groups if g.replaces}
        #: the regions each trigger counts in (``regions``; a trigger not listed: wherever)
        self.regions = {g.id: frozenset(g.regions) for g in self.groups if g.regions}
        triggers = [
            (("note_words", g, "words", j), w, g)
            for g, group in enumerate(self.groups)
            for j, w in enumerate(group.words)
        ]
        self.triggers = _Phrases(self._compiled(triggers, known))
        unless = [
            (("note_words", g, "unless", j), w, g)
            for g, group in enumerate(self.groups)
            for j, w in enumerate(group.unless)
        ]
        self.unless = _Phrases(self._compiled(unless, known))
        self.mod_kinds: list[tuple[str, str]] = []  # (category, where) by payload index
        mods: list[tuple[tuple[_Test, ...], int]] = []
        ctx: NoteContext = rules.note_context
        lists: dict[str, _Phrases] = {}
        for f in fields(ctx):
            value = getattr(ctx, f.name)
            if not isinstance(value, tuple) or f.name in _NOT_WORDS:
                continue
            if f.name in ("presence", "presence_lists", "not_context"):  # read, not mods
                placed = [(("note_context", f.name, j), p, 0) for j, p in enumerate(value)]
                lists[f.name] = _Phrases(self._compiled(placed, known))
                continue
            if f.name == "ends":
                kind = ("ends", "ends")
            elif f.name.startswith("ends_"):
                kind = (f.name[len("ends_") :], "ends")
            else:
                category, _, where = f.name.rpartition("_")
                kind = (category, where)
            self.mod_kinds.append(kind)
            key = len(self.mod_kinds) - 1
            placed = [(("note_context", f.name, j), p, key) for j, p in enumerate(value)]
            mods += self._compiled(placed, known)
        self.mods = _Phrases(mods)
        self.presence, self.presence_lists = lists["presence"], lists["presence_lists"]
        self.not_context = lists["not_context"]
        self.reach_before = ctx.reach_before
        self.reach_after = ctx.reach_after
        self.comma_ends = frozenset(ctx.comma_ends)
        self.presence_ends = frozenset(ctx.presence_ends)

    def _compiled(
        self,
        placed: Sequence[tuple[tuple[str | int, ...], str, int]],
        known: dict[str, tuple[_Test, ...]],
    ) -> list[tuple[tuple[_Test, ...], int]]:
        """The tests of each phrase's spellings, with its payload index; a phrase that is
        not one has none, and why is kept in ``problems`` under its place."""
        compiled: list[tuple[tuple[_Test, ...], int]] = []
        for at, phrase, key in placed:
            spellings, problem = _spellings(phrase, known)
            if problem:
                self.problems[at] = problem
            compiled += [(tests, key) for tests in spellings]
        return compiled

    def read(self, text: str, start: int, end: int) -> list[NoteHit]:
        tokens = _tokens(text, start, end)
        if not tokens:
            return []
        words = [t.norm for t in tokens]
        trig = self._triggers(words)
        if not trig:
            return []
        pseudo = list(self.not_context.find(words))  # words that are never context
        mods = self._mods(words, trig, pseudo)
        presence = self._presence(words, tokens, pseudo)
        sentence = " ".join(text[start:end].split())
        hits = []
        for m in trig:
            group = self.groups[m.key]
            reading: Reading = "present"
            for category in CATEGORIES:
                if category == "historical" and group.history_counts:
                    continue
                if self._in_scope(m, category, mods, trig, tokens, presence):
                    reading = category
                    break
            window = group.window_weeks
            if reading == "present" and window is not None and _weeks_ago(m, tokens) > window:
                reading = "historical"  # "gave birth 8 months ago": not a recent birth
            a, b = tokens[m.start].start, tokens[m.end - 1].end
            hits.append(
                NoteHit(
                    trigger=group.id,
                    question=group.question,
                    words=" ".join(words[m.start : m.end]),
                    start=a,
                    end=b,
                    context=_around(sentence, text[a:b]),
                    reading=reading,
                )
            )
        return hits

    def _triggers(self, words: list[str]) -> list[_Match]:
        by_group: dict[int, list[_Match]] = {}
        for m in self.triggers.find(words):
            above = self.groups[m.key].above
            if above is not None and (not m.number or _value(m.number) <= above):
                continue
            by_group.setdefault(m.key, []).append(m)
        if not by_group:
            return []
        spared: dict[int, list[_Match]] = {}
        for m in self.unless.find(words):
            spared.setdefault(m.key, []).append(m)
        kept = []
        for g, found in by_group.items():
            for m in _longest_first(found):
                if not any(u.start < m.end and m.start < u.end for u in spared.get(g, ())):
                    kept.append(m)
        return sorted(kept, key=lambda m: (m.start, m.end, m.key))

    def _mods(self, words: list[str], trig: list[_Match], pseudo: list[_Match]) -> list[_Mod]:
        mods = []
        for m in self.mods.find(words):
            category, where = self.mod_kinds[m.key]
            # a context word that is part of a finding is the finding's ("no pulses")
            if where != "ends" and any(t.start < m.end and m.start < t.end for t in trig):
                continue
            if any(p.start < m.end and m.start < p.end for p in pseudo):
                continue
            mods.append(_Mod(m.start, m.end, category, where))
        return mods

    def _presence(
        self, words: list[str], tokens: list[_Token], pseudo: list[_Match]
    ) -> list[tuple[int, int]]:
        """Where the words of presence are (token spans, none inside a ``pseudo`` phrase),
        when a comma could need them."""
        if not self.presence_ends or not any(t.comma_before for t in tokens):
            return []
        listed = [(q.start, q.end) for q in self.presence_lists.find(words)]
        return [
            (p.start, p.end)
            for p in self.presence.find(words)
            if not any(q.start < p.end and p.start < q.end for q in pseudo)
            and not any(_same_clause(p.start, a, tokens) for a, _ in listed)
        ]

    def _in_scope(
        self,
        m: _Match,
        category: str,
        mods: list[_Mod],
        trig: list[_Match],
        tokens: list[_Token],
        presence: list[tuple[int, int]],
    ) -> bool:
        def ended(a: int, b: int) -> bool:  # an end word lies within tokens a..b
            return any(
                e.where == "ends"
                and e.category in ("ends", category)
                and a <= e.start <= e.end <= b
                for e in mods
            )

        def until(t: _Match) -> bool:  # "no leg numbness until yesterday": there now
            return any(
                e.where == "until"
                and e.category == category
                and t.end <= e.start <= t.end + self.reach_after
                and _same_clause(t.end, e.start, tokens)
                for e in mods
            )

        for mod in mods:
            if mod.category != category or mod.where in ("ends", "until"):
                continue
            if mod.where == "before":
                reached = m in self._reached_list(
                    mod, category, trig, tokens, ended, presence, until
                )
            elif mod.where == "clause":
                reached = m in _reached_clause(mod, trig, tokens, ended, presence)
            elif mod.where == "next":
                reached = mod.end <= m.start and m in _reached_on(mod, trig, tokens)
            else:  # "after"
                reached = m.end <= mod.start and m in _reached_back(
                    mod, trig, tokens, self.reach_after, ended
                )
            if reached:
                return True
        return False

    def _reached_list(
        self,
        mod: _Mod,
        category: str,
        trig: list[_Match],
        tokens: list[_Token],
        ended: Callable[[int, int], bool],
        presence: list[tuple[int, int]],
        until: Callable[[_Match], bool],
    ) -> list[_Match]:
        """The findings a before-word reaches: each at most ``reach_before`` words after
        it or after the last finding it reached, so that a list of findings is reached to
        its end ("denies saddle anaesthesia, bladder or bowel dysfunction, ..., fever"),
        and for a ``presence_ends`` category not past a comma to a finding whose clause
        says it is there ("no trauma, saddle numbness since Friday"), nor a finding its
        category's ``*_until`` word follows ("no leg numbness until yesterday")."""
        reached: list[_Match] = []
        at = mod.end
        for t in trig:
            if t.start < mod.end:
                continue
            if t.start > at + self.reach_before or ended(at, t.start) or until(t):
                break
            commas = [k for k in range(mod.end, t.start + 1) if tokens[k].comma_before]
            if commas and category in self.comma_ends:
                break
            first = _norms(tokens, mod.end, commas[0]) if commas else ""
            if (
                commas
                and category in self.presence_ends
                and _clause_present(commas[-1], t, tokens, presence, first)
            ):
                break
            reached.append(t)
            at = max(at, t.end)
        return reached


#: weeks in a unit of a stated time ("8 months ago"): calendar facts
_UNIT_WEEKS = {
    **dict.fromkeys(("day", "days"), 1 / 7),
    **dict.fromkeys(("week", "weeks", "wk", "wks"), 1.0),
    **dict.fromkeys(("month", "months", "mo", "mos"), 365.25 / 12 / 7),
    **dict.fromkeys(("year", "years", "yr", "yrs"), 365.25 / 7),
}
_COUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_COUNTS |= {"seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}


def _weeks_ago(m: _Match, tokens: list[_Token]) -> float:
    """How many weeks back the finding's clause, from the finding on, says it was ("gave
    birth 8 months ago", "baby 2 weeks ago"): 0 when it says no such time."""
    end = next((k for k in range(m.end, len(tokens)) if tokens[k].comma_before), len(tokens))
    for k in range(m.start, end - 2):
        count, unit, ago = (t.norm for t in tokens[k : k + 3])
        if ago != "ago" or unit not in _UNIT_WEEKS:
            continue
        n = _COUNTS.get(count) or (_value(count) if _NUMBER.fullmatch(count) else 0)
        return n * _UNIT_WEEKS[unit]
    return 0.0


def _same_clause(a: int, b: int, tokens: list[_Token]) -> bool:
    """Whether tokens ``a`` and ``b`` stand in one clause (no comma between them)."""
    low, high = min(a, b), max(a, b)
    return not any(tokens[k].comma_before for k in range(low + 1, high + 1))


def _norms(tokens: list[_Token], start: int, end: int) -> str:
    """The words of tokens ``start`` to ``end`` (not included), as one spaced string."""
    return " ".join(t.norm for t in tokens[start:end])


def _clause_present(
    start: int,
    t: _Match,
    tokens: list[_Token],
    presence: list[tuple[int, int]],
    first: str = "",
) -> bool:
    """Whether the clause of finding ``t`` (from the comma before token ``start`` to the
    next comma after the finding, or the sentence's end) holds a word of presence that
    the list's ``first`` clause does not also hold: "Denies new numbness, new weakness"
    and "no SOB on exertion, chest pain on exertion" say it of every item."""
    end = next((k for k in range(t.end, len(tokens)) if tokens[k].comma_before), len(tokens))
    return any(
        start <= a and b <= end and f" {_norms(tokens, a, b)} " not in f" {first} "
        for a, b in presence
    )


def _reached_clause(
    mod: _Mod,
    trig: list[_Match],
    tokens: list[_Token],
    ended: Callable[[int, int], bool],
    presence: list[tuple[int, int]],
) -> list[_Match]:
    """The findings a clause-word reaches: when it starts a clause of its own after a
    comma (the clause holds no finding), every finding of the clause just before, unless
    that clause holds a word of presence ("fever last month with flu, fully recovered";
    "saddle numbness since Friday, fine since" stays a finding)."""
    if not tokens[mod.start].comma_before:
        return []
    after = next((k for k in range(mod.end, len(tokens)) if tokens[k].comma_before), len(tokens))
    if any(mod.start <= t.start < after for t in trig):
        return []
    begin = next((k for k in range(mod.start - 1, 0, -1) if tokens[k].comma_before), 0)
    if any(begin <= a and b <= mod.start for a, b in presence):
        return []
    return [
        t for t in trig if begin <= t.start and t.end <= mod.start and not ended(t.end, mod.start)
    ]


def _reached_back(
    mod: _Mod,
    trig: list[_Match],
    tokens: list[_Token],
    reach: int,
    ended: Callable[[int, int], bool],
) -> list[_Match]:
    """The findings an after-word reaches: the one just before it, and one-word findings
    listed with that one ("fever or rigors: nil", "bladder and bowel NAD")."""
    before = [
        t
        for t in trig
        if t.end <= mod.start
        and mod.start - t.end <= reach
        and not any(tokens[k].comma_before for k in range(t.end, mod.start + 1))
        and not ended(t.end, mod.start)
    ]
    if not before:
        return []
    last = max(t.end for t in before)
    reached = [t for t in before if t.end == last]
    first = min(t.start for t in reached)
    while True:
        listed = [
            t
            for t in trig
            if t.end - t.start == 1
            and t.end <= first
            and (
                (t.end == first and (tokens[first].comma_before or tokens[first].joined_before))
                or (
                    first - t.end == 1
                    and tokens[t.end].norm in _LISTING
                    and not tokens[first].comma_before
                )
            )
        ]
        if not listed:
            return reached
        reached += listed
        first = min(t.start for t in listed)


def _reached_on(mod: _Mod, trig: list[_Match], tokens: list[_Token]) -> list[_Match]:
    """The findings a next-word reaches: the one right after it, and one-word findings
    listed with that one ("normal bladder and bowel function")."""
    reached = [t for t in trig if t.start == mod.end and not tokens[t.start].comma_before]
    while reached:
        last = max(t.end for t in reached)
        listed = [
            t
            for t in trig
            if t.end - t.start == 1
            and t not in reached
            and (
                (
                    t.start == last
                    and (tokens[t.start].comma_before or tokens[t.start].joined_before)
                )
                or (
                    t.start - last == 1
                    and tokens[last].norm in _LISTING
                    and not tokens[t.start].comma_before
                    and not tokens[last].comma_before
                )
            )
        ]
        if not listed:
            break
        reached += listed
    return reached


#: the ``note_context`` fields that are no context words
_NOT_WORDS = frozenset(("sources", "comma_ends", "presence_ends"))

_LISTING = frozenset(("and", "or", "nor", "&", "/", "plus"))


def _value(number: str) -> float:
    try:
        return float(number.split("/")[0])
    except ValueError:
        return 0.0


def _around(sentence: str, words: str) -> str:
    """``sentence``, cut to at most _CONTEXT_SHOWN characters around ``words``."""
    if len(sentence) <= _CONTEXT_SHOWN:
        return sentence
    at = max(0, sentence.find(" ".join(words.split())))
    lo = max(0, at - _CONTEXT_SHOWN // 2)
    return sentence[lo : lo + _CONTEXT_SHOWN]
