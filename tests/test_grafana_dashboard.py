"""The Grafana dashboard in contrib/ queries only metrics and labels aiusage serves."""

from __future__ import annotations

import json
import re
from pathlib import Path

from aiusage.dashboard.metrics import METRICS

DASHBOARD = Path(__file__).resolve().parent.parent / "contrib" / "grafana" / "aiusage.json"
BUILTIN = {"sum", "by", "increase", "topk", "max", "count", "or", "vector", "le", "label_values"}


def test_every_query_names_a_served_metric_and_its_labels() -> None:
    board = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    specs = {m.name: m for m in METRICS}
    queries = [t["expr"] for p in board["panels"] for t in p["targets"]]
    queries.append(board["templating"]["list"][1]["definition"])
    used = set()
    for expr in queries:
        names = set(re.findall(r"\baiusage_[a-z_]+", expr))
        assert names, expr
        for name in names:
            assert name in specs, f"{name} is not in the metrics table"
            used.add(name)
        for label in re.findall(r"(?:by \(|\{)([a-z_]+)", expr):
            if label not in BUILTIN:
                assert any(label in specs[n].labels for n in names), (label, expr)
        for legend_label in re.findall(r"\{\{(\w+)\}\}", json.dumps(board)):
            assert any(legend_label in m.labels for m in METRICS), legend_label
    assert used == set(specs)  # every metric has a panel
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
