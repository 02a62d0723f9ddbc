"""``json`` (one object for one file, a list for several) and ``jsonl`` (a plan per line).

``jsonl`` is the batch format, so its lines are assembled from JSON fragments:
the parts of a plan that plans share (flags, companions, rationale steps,
expectations) are encoded once and reused. A line is byte-for-byte
``json.dumps(plan.to_dict(), ensure_ascii=False, separators=(",", ":"))``;
the tests hold it to that.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from typing import Any

from needleplan.plan import CompanionItem, Flag, Plan, Step
from needleplan.writers import Writer

_encode: Callable[[Any], str] = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
#: Fragments kept before the cache is emptied (bounds memory in huge batches).
FRAGMENT_LIMIT = 20_000


class JsonWriter(Writer):
    name = "json"
    extension = ".json"

    def begin(self, many: bool) -> str:
        return "[\n" if many else ""

    def separator(self, many: bool) -> str:
        return ",\n"

    def item(self, plan: Plan, many: bool) -> str:
        text = json.dumps(plan.to_dict(), indent=2, ensure_ascii=False)
        return "\n".join("  " + line for line in text.splitlines()) if many else text

    def end(self, many: bool) -> str:
        return "\n]\n" if many else "\n"

    def document(self, plans: list[Plan], many: bool) -> str:
        if many and not plans:
            return "[]\n"
        return super().document(plans, many)


def _part(part: CompanionItem | Flag | Step) -> str:
    return _encode(part._asdict())


class JsonLinesWriter(Writer):
    name = "jsonl"
    extension = ".jsonl"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._cache: dict[Any, str] = {}

    def _fragment(self, key: Any, build: Callable[[], str]) -> str:
        try:
            return self._cache[key]
        except KeyError:
            if len(self._cache) >= FRAGMENT_LIMIT:
                self._cache.clear()
            text = self._cache[key] = build()
            return text

    def _array(self, items: Iterable[Any], encode: Callable[[Any], str]) -> str:
        cache = self._cache
        parts = []
        for x in items:
            text = cache.get(x)
            if text is None:
                text = self._fragment(x, functools.partial(encode, x))
            parts.append(text)
        return "[" + ",".join(parts) + "]"

    def item(self, plan: Plan, many: bool) -> str:
        s, c, b = plan.sessions, plan.cadence, plan.bands
        parts = [
            '{"source":',
            _encode(plan.source),
            ',"patient":',
            _encode(plan.patient),
            ',"condition":',
            _encode(plan.condition),
            ',"condition_label":',
            _encode(plan.condition_label),
            ',"decision":',
            _encode(plan.decision),
            f',"sessions":{{"suggested":{s.suggested},"low":{s.low},"high":{s.high}}}',
            f',"cadence":{{"per_week":{c.per_week},"weeks":{c.weeks}}}',
            f',"reassess_after":{plan.reassess_after}',
            ',"companions":',
            self._fragment(
                ("companions", plan.companions), lambda: self._array(plan.companions, _part)
            ),
            ',"flags":',
            self._array(plan.flags, _part),
            ',"expectations":',
            self._fragment(
                ("expectations", plan.expectations), lambda: _encode(list(plan.expectations))
            ),
            ',"rationale":',
            self._array(plan.rationale, _part),
        ]
        if plan.schedule is not None:
            parts += [
                ',"schedule":[',
                ",".join(
                    f'{{"session":{x.session},"date":"{x.date.isoformat()}",'
                    f'"reassess":{"true" if x.reassess else "false"}}}'
                    for x in plan.schedule
                ),
                "]",
            ]
        parts += [
            f',"bands":{{"severity":"{b.severity}","duration":"{b.duration}"}}',
            self._fragment(
                ("tail", plan.disclaimer, plan.rules),
                lambda: (
                    ',"disclaimer":'
                    + _encode(plan.disclaimer)
                    + ',"rules":'
                    + _encode(
                        {
                            "name": plan.rules.name,
                            "version": plan.rules.version,
                            "sha256": plan.rules.sha256,
                        }
                    )
                ),
            ),
            "}\n",
        ]
        return "".join(parts)
