"""``markdown``: a plain-language handout for the patient.

No ids and no jargon; short sentences (the tests hold its prose at or below
US grade 8 on the Flesch-Kincaid scale). Text from the profile is inert.
"""

from __future__ import annotations

from needleplan.errors import inert
from needleplan.plan import Plan
from needleplan.writers import Writer

WHAT_IT_IS = (
    "Your therapist puts very thin needles into tight or sore muscles. "
    "This can ease pain and help you move. It works best with exercise, so it is "
    "not used on its own."
)
GET_HELP = [
    "You feel short of breath, or have chest pain or a dry cough in the first 2 days.",
    "The skin where a needle went in gets red, hot or swollen, or you get a fever.",
    "Your pain gets much worse, or you get new weakness or numbness.",
]
CLOSING = (
    "This plan helps your therapist. It does not replace their advice, and it does not "
    "diagnose. Ask your therapist if you have any questions."
)


def _md(text: str) -> str:
    """Inert text that cannot open Markdown or HTML structure."""
    text = inert(text)
    for ch in "\\`*_[]<>#|":
        text = text.replace(ch, "\\" + ch)
    return text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


class MarkdownWriter(Writer):
    name = "markdown"
    extension = ".md"

    def separator(self, many: bool) -> str:
        return "\n---\n\n"

    def item(self, plan: Plan, many: bool) -> str:
        out = ["# Your dry needling plan\n"]
        if plan.patient:
            out.append(f"Plan for: {_md(plan.patient)}\n")
        out += ["## What is dry needling?\n", WHAT_IT_IS + "\n"]
        out.append("## Your plan\n")
        s, c = plan.sessions, plan.cadence
        if plan.decision == "refer":
            out.append(
                "Your therapist wants a doctor to check you before any needling. "
                "No needling is planned for now.\n"
            )
        elif plan.decision == "do_not_needle":
            out.append(
                "Needling is not the right choice for you right now. "
                "The other steps below can still help.\n"
            )
        else:
            out.append(
                f"You will have about {_plural(s.suggested, 'session')}: "
                f"{_plural(c.per_week, 'session')} each week, "
                f"for about {_plural(c.weeks, 'week')}. "
                f"Some people need as few as {s.low} or as many as {s.high}. "
                f"After session {plan.reassess_after}, your therapist will check how "
                "you are doing. The plan may change then.\n"
            )
            if plan.schedule:
                out.append("Your session dates:\n")
                out += [
                    f"- Session {x.session}: {x.date.strftime('%A %d %B %Y')}"
                    + (" (check-in)" if x.reassess else "")
                    for x in plan.schedule
                ]
                out.append("")
        messages = [f.patient_message for f in plan.flags if f.patient_message]
        if messages:
            if plan.decision == "needle_with_caution":
                out.append("To keep you safe:\n")
            out += [f"- {_md(m)}" for m in dict.fromkeys(messages)]
            out.append("")
        if plan.companions:
            out.append("## Things that help\n")
            out += [f"- {_md(x.patient_text or x.label)}" for x in plan.companions]
            out.append("")
        out.append("## What to expect\n")
        out += [f"- {_md(e)}" for e in plan.expectations]
        out.append("")
        out.append("## When to get help\n")
        out.append("Call your therapist or get medical help at once if:\n")
        out += [f"- {line}" for line in GET_HELP]
        out += ["", CLOSING, ""]
        return "\n".join(out)
