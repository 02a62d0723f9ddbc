"""``table``: the therapist's screen, read top-down in the order a clinician decides.

A plan: the decision and its urgency on the first line; then what was not
checked, the flags and the avoided or cautioned sites (each wrapped whole,
never cut: a red flag's whole message, the first sentence of the others); the
warnings; the course (initial block, expected range to the ceiling, cadence,
reassessment point, dates); the companions (one line each); one line pointing
to the patient's handout. A review: the verdict first, the change, what comes
next, the progress-note prompt, and the pain trajectory as a small text chart
with the baseline and the line of a meaningful fall.

Every line is laid out here as plain text fitted to the width (labels are
never broken; long text is wrapped with a hanging indent, and only text that
is not safety text is cut at a word with '…'), then coloured, if colour is
wanted, without changing a character.
The rationale and the safety text in full come only with ``explain``. Text
from a profile (patient id, file name) goes through :func:`inert` and is never
read as markup.

The screen's own words (the course and "Next" lines, the rule names of the
rationale, the pointers to the handout and to ``--explain``) are the rule set's
``screen.*`` texts (:func:`~needleplan.writers.base.given_rules`).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence

from rich.console import Console
from rich.text import Text

from needleplan.errors import inert
from needleplan.results import Plan, Point, Review, ReviewStep, Step, Warning
from needleplan.rules import RuleSet
from needleplan.textfit import cell_len, fit, glue, hang, short, unaside, wrap
from needleplan.vocab import FLAG_LEVELS, NEEDLING, RED_FLAG_PROMPTS, spoken
from needleplan.wording import counted, one_or_many, say, worded
from needleplan.writers.base import Writer, broke_off

#: One piece of a line and its Rich style ('' for none).
Seg = tuple[str, str]
Line = list[Seg]

#: Width of the tag column ("RED FLAG", "AVOID", "Course" ...).
TAG = 12
DEFAULT_WIDTH = 80
MIN_WIDTH = 40

HEAD = "bold"
DIM = "dim"


def _tagged(
    tag: str,
    text: str,
    width: int,
    *,
    tag_style: str = HEAD,
    style: str = "",
    lines: int | None = 1,
) -> list[Line]:
    """``tag`` in the tag column, ``text`` beside it: one fitted line, up to ``lines``
    wrapped, or (``None``) all of it wrapped."""
    room = width - TAG
    if lines == 1:
        return [[(tag.ljust(TAG), tag_style), (fit(text, room), style)]]
    body = wrap(text, room)
    if lines is not None and len(body) > lines:
        body = [*body[: lines - 1], fit(" ".join(body[lines - 1 :]), room)]
    out: list[Line] = [[(tag.ljust(TAG), tag_style), (body[0], style)]]
    out += [[(" " * TAG, ""), (b, style)] for b in body[1:]]
    return out


def _item(label: str, message: str) -> str:
    """'Label: message' with the label glued, so it is never broken."""
    label = glue(inert(label))
    return f"{label}: {inert(message)}" if message else label


def _block(prefix: str, text: str, width: int, indent: int = 4, style: str = "") -> list[Line]:
    """``text`` wrapped after ``prefix`` (a number, or spaces), later lines at ``indent``."""
    return [[(x, style)] for x in hang(prefix, text, width, indent)]


def _date(d: dt.date, year: int) -> str:
    text = f"{d:%a} {d.day} {d:%b}"
    return text if d.year == year else f"{text} {d.year}"


class TableWriter(Writer):
    name = "table"
    extension = ".txt"
    worded = True
    #: whether the last identity line held the file name (else the footer does)
    _source_shown = True

    def _say(self, key: str, /, **values: object) -> str:
        return say(self.rules, key, "patient", **values)

    def _count(self, key: str, n: int) -> str:
        """'1 week', '3 weeks': the texts ``<key>.one`` and ``<key>.many``."""
        return self._say(one_or_many(key, n), n=n)

    # -- the stream --------------------------------------------------------
    def separator(self, many: bool) -> str:
        return "\n" + "─" * min(self._width(), 40) + "\n\n" if many else "\n"

    def item(self, plan: Plan | Review, many: bool) -> str:
        lines = self.review_lines(plan) if isinstance(plan, Review) else self.plan_lines(plan)
        return self.paint(lines)

    # -- options -----------------------------------------------------------
    def _width(self) -> int:
        return max(MIN_WIDTH, int(self.options.get("width") or DEFAULT_WIDTH))

    def paint(self, lines: list[Line]) -> str:
        """The lines as text; coloured with Rich styles when colour is on (same characters)."""
        if not self.options.get("color", False):
            return "".join("".join(t for t, _ in line).rstrip() + "\n" for line in lines)
        buf = io.StringIO()
        console = Console(
            file=buf,
            force_terminal=True,
            markup=False,
            highlight=False,
            emoji=False,
            width=max(cell_len("".join(t for t, _ in x)) for x in lines) + 1,
            soft_wrap=True,
        )
        for line in lines:
            console.print(Text.assemble(*line), no_wrap=True, overflow="ignore", crop=False)
        return buf.getvalue()

    # -- shared pieces -------------------------------------------------------
    def _identity(self, d: Plan | Review, extra: str = "") -> Line:
        parts = [inert(x) for x in (d.patient, d.condition_label) if x]
        if extra:
            parts.append(extra)
        text = " · ".join(parts)
        source = inert(d.source or "")
        self._source_shown = not source
        if source and cell_len(text) + 3 + cell_len(source) <= self._width():
            text = f"{text} · {source}" if text else source
            self._source_shown = True
        return [(fit(text, self._width()), HEAD)]

    def _banner(self, marker: str, name: str, urgency: str, detail: str, style: str) -> Line:
        head = f"{marker} {name}" + (f" — {urgency}" if urgency else "")
        room = self._width() - cell_len(head) - 4
        tail = f": {fit(detail, room)}" if detail and room > 12 else ""
        return [(f" {head}{tail} ", style)]

    def _footer(self, d: Plan | Review) -> list[Line]:
        """The handout's pointer, the reasons (with ``explain``, else a pointer to them), the
        file name when it did not fit above, and the rule set."""
        w = self._width()
        lines = _tagged(self._say("table.tag.handout"), self._say("screen.handout"), w)
        if not self.options.get("explain"):
            more = "screen.more.review" if isinstance(d, Review) else "screen.more.plan"
            lines += _tagged(self._say("table.tag.more"), self._say(more), w)
        else:
            lines += self._safety_in_full(d) if isinstance(d, Plan) else []
            lines += self._rationale(d.rationale)
        r = d.rules
        text = self._say(
            "table.footer", name=inert(r.name), version=inert(r.version), sha=r.sha256[:12]
        )
        source = inert(d.source or "")
        if source and not self._source_shown:
            # the file name did not fit beside the patient: it stays whole, on its own line
            lines += [[(x, DIM)] for x in wrap(self._say("table.file", source=source), w, indent=5)]
        return [*lines, [(fit(text, w), DIM)]]

    # -- a plan --------------------------------------------------------------
    def plan_lines(self, d: Plan) -> list[Line]:
        w = self._width()
        decision = d.decision
        term = self.rules.terms.decisions[decision]
        marker, name, style = term.marker, term.tag, term.style
        urgency, detail, n = "", term.screen, d.course.initial_block
        if decision == "refer":
            how_soon = self.rules.terms.urgencies[d.urgency]
            urgency, detail = how_soon.tag, how_soon.screen
        elif decision == "needle":
            detail = self._count("table.first_block", n)
        elif decision in NEEDLING:
            detail = term.screen or self._say("table.first_block_below", n=n)
        lines: list[Line] = [self._banner(marker, name, urgency, detail, style)]
        lines.append(self._identity(d, f"{d.bands.severity}, {d.bands.duration}"))
        if decision == "check_first":  # each open red-flag question, whole, never cut
            for c in d.checks:
                tag = self._say("table.tag.ask" if c.kind == "screening" else "table.tag.check")
                lines += _tagged(tag, inert(c.message), w, lines=None)
        elif d.checks and (
            d.urgency != "emergency" or any(x.kind == "notes_raise" for x in d.warnings)
        ):  # an answer may change the urgency (or the notes alone made it an emergency)
            # what the notes suggest, whole: each says what its yes would mean (an
            # emergency beside a same-day referral); the questions not yet asked by name
            for c in d.checks:
                if c.kind == "notes":
                    tag = self._say("table.tag.check")
                    lines += _tagged(tag, inert(c.message), w, lines=None)
            asked = [c for c in d.checks if c.kind != "notes"]
            if asked:
                ids = ", ".join(spoken(c.id) for c in asked)
                text = self._say("table.open_questions", ids=inert(ids))
                ask = self._say("table.tag.ask")
                lines += _tagged(ask, text, w, lines=None)
        if d.unchecked:
            unchecked = ", ".join(spoken(u.check) for u in d.unchecked)
            text = self._say("table.unchecked", checks=unchecked)
            tag = self._say("table.tag.not_checked")
            lines += _tagged(tag, text, w, tag_style="bold yellow", lines=None)
        # the warnings that may point to a red flag, then (after the safety lines) the others;
        # sites not given are said on the NOT CHECKED line
        said = [x for x in d.warnings if not (x.kind == "sites_not_given" and d.unchecked)]
        lines += self._warned(x for x in said if x.kind in RED_FLAG_PROMPTS)
        safety = self._safety(d)
        if safety:
            lines += [[], *safety]
        lines += self._warned(x for x in said if x.kind not in RED_FLAG_PROMPTS)
        lines += self._course(d)
        if d.companions:
            lines += [[], [(self._say("table.heading.companions"), HEAD)]]
            for comp in d.companions:
                text = f"{glue(inert(comp.label))} — {inert(comp.reason)}"
                lines.append([("  " + fit(text, w - 2), "")])
        lines.append([])
        lines += self._footer(d)
        return lines

    def _safety(self, d: Plan) -> list[Line]:
        """Flags, then avoided, then cautioned sites, each wrapped whole, never cut: a red
        flag's whole message (what to do, how soon, when to escalate), every other
        finding's first sentence."""
        w = self._width()
        items: list[tuple[str, str, str]] = []
        for f in sorted(d.flags, key=lambda f: FLAG_LEVELS.index(f.level)):
            look = self.rules.terms.levels[f.level]
            hf = self.rules.health_factors.get(f.id)
            if f.level == "precaution" and hf is not None and hf.place and hf.level != f.level:
                # a contraindication at its place (a precaution for the plan as a whole):
                # the sites there are avoided, and its tag says so
                look = self.rules.terms.sites["avoid"]
            said = unaside(f.message) if f.level == "red_flag" else short(f.message)
            items.append((look.tag, look.style, _item(f.label, said)))
        for verdict in ("avoid", "caution"):
            look = self.rules.terms.sites[verdict]
            for s in d.sites:
                if s.verdict != verdict:
                    continue
                why = "; ".join(dict.fromkeys(short(r.message) for r in s.reasons))
                items.append((look.tag, look.style, _item(f"{s.label} ({s.side})", why)))
        out: list[Line] = []
        for tag, style, text in items:
            out += _tagged(tag, text, w, tag_style=style, lines=None)
        return out

    def _warned(self, warnings: Iterable[Warning]) -> list[Line]:
        """Each warning whole: a prompt cut short may hide the very words it is about."""
        out: list[Line] = []
        for x in warnings:
            tag, style = self._say("table.tag.check"), HEAD
            if x.kind in ("combination", "notes_raise"):  # red flags together: said as one
                look = self.rules.terms.levels["red_flag"]
                tag, style = look.tag, look.style
            out += _tagged(tag, inert(x.message), self._width(), tag_style=style, lines=None)
        return out

    def _course(self, d: Plan) -> list[Line]:
        w = self._width()
        out: list[Line] = [[]]
        course, sessions, cadence = d.course, d.sessions, d.cadence
        if d.decision not in NEEDLING:
            key: str = d.decision
            if key == "check_first" and not course.initial_block:
                key = "check_first_no_needling"  # a plan that needles no one, held for checks
            why = self._say(f"screen.course.{key}", initial_block=course.initial_block)
            return [*out, *_tagged(self._say("table.tag.course"), why, w)]
        text = self._say(
            "table.course",
            block=course.initial_block,
            per_week=cadence.per_week,
            weeks=worded(self.rules, counted("week", cadence.weeks)),
            reassess_after=d.reassess_after,
        )
        out += _tagged(self._say("table.tag.course"), text, w, lines=2)
        low, ceiling = sessions.low, course.ceiling
        if low != ceiling:
            span = self._say("table.span.range", low=low, ceiling=ceiling)
        else:
            span = self._say("table.span.ceiling")
        in_all = worded(self.rules, counted("session", sessions.suggested))
        text = self._say("table.expected", in_all=in_all, span=span)
        out += _tagged(self._say("table.tag.expected"), text, w, lines=2)
        if d.schedule:
            year = d.schedule[0].date.year
            tag = self._say("table.tag.dates", year=year)
            reassess = " " + self._say("table.reassess")
            shown = []
            for s in d.schedule:
                shown.append(glue(_date(s.date, year) + (reassess if s.reassess else "")))
                year = s.date.year
            out += _tagged(tag, ", ".join(shown), w, lines=3)
        return out

    def _safety_in_full(self, d: Plan) -> list[Line]:
        w = self._width()
        out: list[Line] = []
        items = [(f.label, f.message, f.source) for f in d.flags]
        for s in d.sites:
            items += [(f"{s.label} ({s.side})", r.message, r.source) for r in s.reasons]
        items += [
            (self._say("table.not_checked", check=spoken(u.check)), u.message, "")
            for u in d.unchecked
        ]
        if not items:
            return out
        out += [[], [(self._say("table.heading.safety"), HEAD)]]
        for i, (label, message, source) in enumerate(items, 1):
            out += _block(f"{i:>2}. ", _item(label, message), w)
            if source:
                out += _block("    ", self._say("table.source", source=inert(source)), w, style=DIM)
        return out

    def _rationale(self, steps: Sequence[Step | ReviewStep]) -> list[Line]:
        w = self._width()
        if not steps:
            return []
        plan = isinstance(steps[0], Step)
        heading = self._say("table.heading.why_plan" if plan else "table.heading.why_review")
        out: list[Line] = [[], [(heading, HEAD)]]
        for i, s in enumerate(steps, 1):
            head = glue(rule_words(s.rule, self.rules))
            if isinstance(s, Step):
                effect = self._say(f"screen.effect.{s.effect}")
                head = f"{head}: {inert(s.change)} — {effect}" if s.change else f"{head} — {effect}"
            out += _block(f"{i:>2}. ", head, w, style=HEAD)
            out += _block("    ", inert(s.reason), w)
            if s.source:
                out += _block(
                    "    ", self._say("table.source", source=inert(s.source)), w, style=DIM
                )
        return out

    # -- a review ------------------------------------------------------------
    def review_lines(self, d: Review) -> list[Line]:
        w = self._width()
        verdict = d.verdict
        term = self.rules.terms.verdict(verdict, d.hold, d.deciding)
        marker, name, style = term.marker, term.tag, term.style
        urgency = ""
        if verdict == "refer" or (
            verdict != "emergency" and d.urgency in ("same_day", "emergency")
        ):
            urgency = self.rules.terms.urgencies[d.urgency].tag
        detail = term.screen
        if verdict in ("stop_needling", "refer") and urgency:  # as the plan's banner says it
            detail = self.rules.terms.urgencies[d.urgency].screen
        lines: list[Line] = [self._banner(marker, name, urgency, detail, style)]
        done = d.sessions_done
        lines.append(self._identity(d, self._count("table.done", done)))
        if d.rationale and d.rationale[0].reason:
            why = self._say("table.tag.why")
            lines += _tagged(why, inert(d.rationale[0].reason), w, lines=None)
        lines += self._warned(d.warnings)
        lines.append([])
        change, b, latest = d.change, d.baseline_nrs, d.latest_nrs
        if change is not None and b is not None:
            if change.points:
                moved = self._count("table.points", change.points)
                moved += f", {change.percent:+g}%" if change.percent else ""
            else:
                moved = self._say("table.change.none")
            mean = "meaningful" if change.meaningful else "not_meaningful"
            if change.worse:
                mean = "worse"
            if broke_off(d):  # no change is judged across a long break
                mean = "not_judged"
            limit = self.rules.review.stale_after_days
            text = self._say(
                "table.change_line",
                baseline=b,
                latest=latest,
                moved=moved,
                meaning=self._say(f"table.change.{mean}", limit=limit),
            )
            lines += _tagged(self._say("table.tag.change"), text, w)
        nxt = d.next
        if nxt.sessions:
            text = self._say(
                "screen.next.one_session" if nxt.sessions == 1 else "screen.next.sessions",
                sessions=nxt.sessions,
                reassess_after=nxt.reassess_after,
                ceiling=d.ceiling,
            )
        elif verdict == "discharge":
            text = self._say("screen.next.discharge")
        elif verdict in ("refer", "emergency"):
            text = self._say("screen.next.until_cleared")
        elif d.hold:
            text = self._say("screen.next.hold")
        else:
            text = self._say("screen.next.none")
        lines += _tagged(self._say("table.tag.next"), text, w, lines=2)
        if nxt.avoid_sites:
            avoid = ", ".join(glue(spoken(inert(a))) for a in nxt.avoid_sites)
            lines += _tagged(self._say("table.tag.avoid"), avoid, w, lines=None)
        action_tag = self._say("table.tag.action")
        for i, action in enumerate(nxt.actions):
            lines += _tagged(action_tag if i == 0 else "", inert(action), w, lines=None)
        if d.progress_note_due:
            every = self.rules.course.progress_note_every
            note = self._say("screen.progress_note", done=done, every=every)
            lines += _tagged(self._say("table.tag.note_due"), note, w, tag_style="bold yellow")
        lines.append([])
        lines += chart(self.rules, d.trajectory, b, d.mcid_line, w, gap=broke_off(d))
        lines.append([])
        lines += self._footer(d)
        return lines


# -- the rationale in plain words ------------------------------------------------


def rule_words(rule: str, rules: RuleSet) -> str:
    """A rule id (``conditions.neck_pain.initial_block``) in plain words: the rule set's
    ``screen.rule.<id>`` text, else its ``screen.rule_of.<kind>`` text with the rule's
    last part (``Health factor: poor sleep``), else the id's own words."""
    if f"screen.rule.{rule}" in rules.texts:
        return say(rules, f"screen.rule.{rule}")
    parts = rule.split(".")
    if parts[0] == "conditions" and len(parts) >= 3:
        if parts[-1] == "initial_block":
            return say(rules, "screen.initial_block_rule")
        return say(rules, "screen.condition_rule", name=spoken(parts[-1]))
    if parts[0] == "review" and len(parts) >= 3 and parts[1] == "events":
        return say(rules, "screen.event_rule", name=spoken(parts[2]))
    if f"screen.rule_of.{parts[0]}" in rules.texts and len(parts) >= 2:
        return say(rules, f"screen.rule_of.{parts[0]}", name=spoken(parts[-1]))
    return inert(" ".join(spoken(p) for p in parts)).capitalize()


# -- the pain trajectory ------------------------------------------------------------


def chart(
    rules: RuleSet,
    trajectory: Sequence[Point],
    baseline: int | None,
    mcid: float | None,
    width: int,
    *,
    gap: bool = False,
) -> list[Line]:
    """Pain (NRS) by session as a small text chart; the baseline and the MCID line drawn
    (none after a ``gap``, a break in the course no change is judged across).

    One column per session (the latest sessions when there are more than fit),
    rows for the NRS values in view (the range the scores, the baseline and the
    MCID line need, one row of margin). ``-`` marks the baseline row, ``.`` the
    MCID row (the highest NRS that counts as a meaningful fall), ``*`` a score,
    ``!`` a score at a session with an adverse event. Its words are the rule set's
    ``table.chart.*`` texts.
    """
    if not trajectory:
        return []
    points = [(p.session, p.nrs, bool(p.events)) for p in trajectory]
    label_w = 14  # right-hand labels ("baseline 7", "MCID <= 4.2")
    gutter = 5  # "10 | "
    room = max(width - gutter - label_w, 8)
    step = 3 if len(points) * 3 <= room else 2 if len(points) * 2 <= room else 1
    shown = points[-(room // step) :]
    mcid_row = int(mcid) if mcid is not None else None
    values = [v for _, v, _ in shown]
    marks = [v for v in (baseline, mcid_row) if v is not None]
    top = min(10, max(values + marks) + 1)
    bottom = max(0, min(values + marks) - 1)
    out: list[Line] = []
    title = say(rules, "table.chart.title")
    if len(shown) < len(points):
        title += ", " + say(rules, "table.chart.last", shown=len(shown), all=len(points))
    out.append([(title, HEAD)])
    for row in range(top, bottom - 1, -1):
        fill = "-" if row == baseline else "." if row == mcid_row else " "
        cells = [("!" if event else "*") if v == row else fill for _, v, event in shown]
        body = "".join(cell.center(step).replace(" ", fill) for cell in cells)
        label = ""
        if row == baseline:
            label = say(rules, "table.chart.baseline", baseline=baseline)
        elif row == mcid_row and mcid is not None:
            label = say(rules, "table.chart.mcid", mcid=mcid)
        seg: Line = [(f"{row:>2} | ", DIM), (body, "")]
        if label:
            seg.append((f"  {label}", DIM))
        out.append(seg)
    axis = "".join(str(s)[-step:].center(step) for s, _, _ in shown)
    out.append([("     " + axis.rstrip(), DIM)])
    legend = say(rules, "table.chart.legend" if mcid is not None else "table.chart.legend_no_line")
    if gap:
        legend = say(rules, "table.chart.legend_gap", limit=rules.review.stale_after_days)
    if any(e for _, _, e in shown):
        legend += "   " + say(rules, "table.chart.event")
    out.append([(fit(legend, width), DIM)])
    return out
