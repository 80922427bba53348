"""The one table `make bench` prints, and the same figures as JSON."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESULTS_FILE = Path(__file__).resolve().parent / "results.json"


@dataclass
class Row:
    metric: str
    value: float | str
    target: str = ""
    met: bool | None = None  # None: no target, shown for context
    unit: str = ""

    @property
    def shown(self) -> str:
        value = self.value
        if isinstance(value, float):
            if math.isnan(value):
                return "n/a"
            value = f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
        elif isinstance(value, int):
            value = f"{value:,}"
        return f"{value} {self.unit}".strip()


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def add(
        self, metric: str, value: Any, target: str = "", met: bool | None = None, unit: str = ""
    ):
        self.rows.append(Row(metric, value, target, met, unit))
        print(f"  {metric}: {self.rows[-1].shown}" + (f"  (target {target})" if target else ""))

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}")

    def table(self) -> str:
        head = ("Metric", "Value", "Target", "Met?")
        cells = [
            (r.metric, r.shown, r.target or "-", {True: "yes", False: "NO", None: "-"}[r.met])
            for r in self.rows
        ]
        widths = [max(len(row[i]) for row in [head, *cells]) for i in range(4)]
        line = "| " + " | ".join(f"{{:<{w}}}" for w in widths) + " |"
        out = [line.format(*head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        out += [line.format(*row) for row in cells]
        return "\n".join(out)

    def write(self) -> None:
        data = {
            "meta": self.meta,
            "results": [asdict(r) for r in self.rows],
            "notes": self.notes,
        }
        RESULTS_FILE.write_text(json.dumps(data, indent=2, default=str) + "\n")
