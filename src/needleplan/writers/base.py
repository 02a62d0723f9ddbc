"""What every writer is: a stream of plans as ``begin + item (+ separator + item)... + end``."""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from needleplan.results import Plan, Review
from needleplan.rules import RuleSet
from needleplan.rulesload import load_rules
from needleplan.vocab import REVIEW_BASELINE_GAP


class Writer:
    """Base writer. ``many`` says whether the output holds several plans."""

    name = ""
    extension = ".txt"
    #: False when the whole document must be built at once (FHIR Bundle, calendar)
    streaming = True
    #: True when the output is bytes (PDF): never written to a terminal
    binary = False
    #: True when it says the rule set's words: ``rules`` is then :func:`given_rules`
    worded = False
    rules: RuleSet

    def __init__(self, **options: Any) -> None:
        self.options = options
        #: messages for stderr gathered while rendering (e.g. an empty calendar)
        self.notes: list[str] = []
        if self.worded:
            self.rules = given_rules(options)

    def begin(self, many: bool) -> str:
        return ""

    def separator(self, many: bool) -> str:
        return ""

    def item(self, plan: Plan, many: bool) -> str:
        raise NotImplementedError

    def end(self, many: bool) -> str:
        return ""

    def document(self, plans: list[Plan], many: bool) -> str:
        parts = [self.item(p, many) for p in plans]
        return self.begin(many) + self.separator(many).join(parts) + self.end(many)

    def whole(self, many: bool) -> Whole:
        """A whole document (``streaming = False``) to fill as the plans are made."""
        return Kept(self, many)

    def file_text(self, plan: Plan) -> str:
        """The content of one output file (``--output-dir``) for one plan."""
        return self.document([plan], many=False)


def given_rules(options: Mapping[str, Any]) -> RuleSet:
    """The rule set a writer says its words from: its ``rules`` option (the run passes the
    one it planned with), else the shipped rules (a writer made from a script)."""
    rules = options.get("rules")
    return rules if isinstance(rules, RuleSet) else load_rules()


def broke_off(review: Review) -> bool:
    """Whether the review judged no change across a break in the course longer than a
    score stays current (its rationale's ``review.baseline_gap`` line): its writers then
    draw no real-change line and call the change neither meaningful nor not."""
    return any(step.rule == REVIEW_BASELINE_GAP for step in review.rationale)


def plan_key(result: Plan | Review, *extra: str) -> str:
    """A stable hex key for a plan or review: the ids and UIDs that FHIR and
    iCalendar give it, unique to the patient and the same on every run.

    From the patient reference and condition when there is a reference (a rule-set
    update, a renamed file or a new start date keeps the ids), else from the
    profile's content (``profile_sha256``: two profiles read from stdin never share
    ids).
    """
    if result.patient:
        basis = ["patient", result.patient, result.condition]
    else:
        basis = ["profile", result.profile_sha256, result.condition]
    text = json.dumps([*basis, *extra], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Keys:
    """The keys of the plans and reviews of one document, one at a time, in order: a review's
    is marked as a review's, and one that is repeated gets a distinct key each time."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def __call__(self, result: Plan | Review) -> str:
        extra = ("review",) if isinstance(result, Review) else ()
        key = plan_key(result, *extra)
        n = self.seen.get(key, 0)
        self.seen[key] = n + 1
        return key if n == 0 else plan_key(result, *extra, str(n))


class Whole:
    """A whole document filled one plan or review at a time: ``add`` each, then ``parts``."""

    def add(self, result: Plan | Review) -> None:
        raise NotImplementedError

    def parts(self) -> Iterator[str | bytes]:
        """The document's text in order, in pieces (raises before the first piece on a
        failure, so a failed document writes nothing)."""
        raise NotImplementedError


class Kept(Whole):
    """A whole document made at the end from every result kept until then (the PDF)."""

    def __init__(self, writer: Writer, many: bool) -> None:
        self.writer = writer
        self.many = many
        self.kept: list[Plan | Review] = []

    def add(self, result: Plan | Review) -> None:
        self.kept.append(result)

    def parts(self) -> Iterator[str | bytes]:
        return iter([self.writer.document(self.kept, self.many)])  # type: ignore[arg-type]


class Spooled(Whole):
    """A whole document whose head needs every item first (a FHIR Bundle's id, a calendar's
    time zone): each item's text goes to a temporary file as it is made, and only what the
    head needs is kept, so a document of thousands of plans takes no more memory than one.

    A subclass gives ``item`` (the text of one plan or review, "" for none), ``head`` and
    ``end``; ``separator`` goes between two items.
    """

    separator = ""

    def __init__(self) -> None:
        self.items = 0
        self._spool: IO[str] | None = None  # made with the first item

    def item(self, result: Plan | Review) -> str:
        raise NotImplementedError

    def head(self) -> str:
        return ""

    def end(self) -> str:
        return ""

    def add(self, result: Plan | Review) -> None:
        text = self.item(result)
        if not text:
            return
        if self._spool is None:
            # lone surrogates (from undecodable input) are kept as they are, as in a string
            self._spool = tempfile.TemporaryFile(  # noqa: SIM115 (closed by parts())
                "w+", encoding="utf-8", errors="surrogatepass", newline=""
            )
        self._spool.write(self.separator + text if self.items else text)
        self.items += 1

    def parts(self) -> Iterator[str]:
        spool, self._spool = self._spool, None
        try:
            head, end = self.head(), self.end()
        except BaseException:
            if spool is not None:
                spool.close()
            raise
        return _pieces(head, spool, end)

    def text(self, results: Iterable[Plan | Review] = ()) -> str:
        """The whole text, once ``results`` (and anything added before) are in."""
        for result in results:
            self.add(result)
        return "".join(self.parts())


#: Characters read back from a spool at a time.
_PIECE = 1 << 16


def _pieces(head: str, spool: IO[str] | None, end: str) -> Iterator[str]:
    yield head
    if spool is not None:
        with spool:
            spool.seek(0)
            while piece := spool.read(_PIECE):
                yield piece
    yield end
