"""``yaml``: one YAML document per plan (``---`` between documents)."""

from __future__ import annotations

import yaml

from needleplan.results import Plan
from needleplan.writers.base import Writer


class YamlWriter(Writer):
    name = "yaml"
    extension = ".yaml"

    def item(self, plan: Plan, many: bool) -> str:
        body = yaml.safe_dump(plan.to_dict(), sort_keys=False, allow_unicode=True, width=100)
        return "---\n" + body
