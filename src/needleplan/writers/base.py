"""What every writer is: a stream of plans as ``begin + item (+ separator + item)... + end``,
and the renderer that makes one plan's text as it is planned."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from needleplan.results import Plan, Review


class Writer:
    """Base writer. ``many`` says whether the output holds several plans."""

    name = ""
    extension = ".txt"
    #: False when the whole document must be built at once (FHIR Bundle, calendar)
    streaming = True
    #: True when the output is bytes (PDF): never written to a terminal
    binary = False

    def __init__(self, **options: Any) -> None:
        self.options = options
        #: messages for stderr gathered while rendering (e.g. an empty calendar)
        self.notes: list[str] = []

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

    def file_text(self, plan: Plan) -> str:
        """The content of one output file (``--output-dir``) for one plan."""
        return self.document([plan], many=False)


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


def plan_keys(results: Iterable[Plan | Review]) -> list[str]:
    """The keys of the plans and reviews of one document, in order: a review's is marked
    as a review's, and one that is repeated gets a distinct key each time."""
    seen: dict[str, int] = {}
    keys = []
    for result in results:
        extra = ("review",) if isinstance(result, Review) else ()
        key = plan_key(result, *extra)
        n = seen.get(key, 0)
        seen[key] = n + 1
        keys.append(key if n == 0 else plan_key(result, *extra, str(n)))
    return keys


class Render:
    """Renders one plan as a stream item or as a whole file, and hands on the writer's notes.

    Made once, before any worker is forked (workers inherit it), so every note
    a writer makes while rendering leaves with the outcome it belongs to,
    wherever it was rendered.
    """

    def __init__(self, writer: Writer, *, as_file: bool, many: bool) -> None:
        self.writer = writer
        self.as_file = as_file
        self.many = many

    def __call__(self, plan: Plan) -> str:
        if self.as_file:
            return self.writer.file_text(plan)
        return self.writer.item(plan, self.many)

    def take_notes(self) -> tuple[str, ...]:
        notes = tuple(self.writer.notes)
        self.writer.notes.clear()
        return notes


def renderer(writer: Writer, *, as_file: bool, many: bool) -> Render | None:
    """What renders each plan as it is made: whole files, stream items, or (None) nothing."""
    if not as_file and not writer.streaming:
        return None  # a whole document: the caller renders it from the collected plans
    return Render(writer, as_file=as_file, many=many)
