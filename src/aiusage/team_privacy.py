"""Small groups folded away for those who may not see one person's figures.

Why: a viewer sees no per-person figure and a member only their own, but a department
of one, or a project only one person worked on, is that person's spend under another
name. For members and viewers a breakdown row must cover at least ``MIN_GROUP`` people
who spent in the period; smaller rows are folded into "(other)" at the coarsest level
needed (a project first, then its department, …), and what is still too small is left
to the totals. Admins see everything as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MIN_GROUP = 3  # the smallest number of people a non-admin's breakdown row may show
OTHER = "(other)"
FIGURES = ("cost_usd", "tokens", "requests")


@dataclass
class Group:
    """A breakdown row's sums and the people in them."""

    figures: dict[str, Any] = field(default_factory=lambda: dict.fromkeys(FIGURES, 0))
    members: set[str] = field(default_factory=set)

    def add(self, member: str, figures: Mapping[str, Any]) -> None:
        self.members.add(member)
        for key in FIGURES:
            self.figures[key] += figures[key]

    def merge(self, other: Group) -> None:
        self.members |= other.members
        for key in FIGURES:
            self.figures[key] += other.figures[key]


def fold_small(
    groups: Mapping[tuple[str, ...], Group], min_group: int = MIN_GROUP
) -> dict[tuple[str, ...], Group]:
    """Rows of fewer than ``min_group`` people folded into OTHER from the last part of
    their key to the first; a row still too small after the coarsest fold is dropped."""
    current = dict(groups)
    width = max((len(k) for k in current), default=0)
    for level in range(width - 1, -1, -1):
        folded: dict[tuple[str, ...], Group] = {}
        for key, group in current.items():
            if len(group.members) < min_group:
                key = (*key[:level], *(OTHER,) * (len(key) - level))
            folded.setdefault(key, Group()).merge(group)
        current = folded
    return {k: g for k, g in current.items() if len(g.members) >= min_group}
