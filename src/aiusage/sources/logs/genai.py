"""Token rules for Google-GenAI-shaped usage (``usageMetadata``), shared by the Gemini CLI
and Qwen Code readers.

The Gemini API's ``promptTokenCount`` *includes* ``cachedContentTokenCount``, its
``candidatesTokenCount`` *excludes* ``thoughtsTokenCount``, and ``toolUsePromptTokenCount``
is input on top of the prompt; ``totalTokenCount`` is prompt + candidates + thoughts + tool.
Converters from other APIs (Qwen Code's OpenAI path) put reasoning inside the candidates
instead, and some writers report cached input on top of the prompt. The total tells which:
the first reading whose sum equals it wins, and without a total the Gemini rules hold.
"""

from __future__ import annotations

from typing import NamedTuple


class Split(NamedTuple):
    """Counts in the tool's semantics (see ``UsageEvent``)."""

    input_tokens: int  # uncached input, tool-use prompt included
    cache_read_tokens: int
    output_tokens: int  # reasoning included
    reasoning_tokens: int


def count(value: object) -> int:
    """A token count from JSON: non-negative int (floats truncated, junk is 0)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    if value != value or value in (float("inf"), float("-inf")):
        return 0
    return max(int(value), 0)


def split_usage(
    prompt: int, cached: int, candidates: int, thoughts: int, tool: int, total: int
) -> Split:
    """Uncached input, cache reads, output with reasoning, and reasoning — from the raw counts."""
    cached_apart, thoughts_inside = False, False
    if total:
        for apart, inside in ((False, False), (False, True), (True, False), (True, True)):
            expected = prompt + candidates + tool
            expected += cached if apart else 0
            expected += 0 if inside else thoughts
            if expected == total and (apart <= bool(cached)) and (inside <= bool(thoughts)):
                cached_apart, thoughts_inside = apart, inside
                break
    if cached_apart:
        uncached, read = prompt, cached
    else:
        read = min(cached, prompt)
        uncached = prompt - read
    output = candidates if thoughts_inside else candidates + thoughts
    return Split(uncached + tool, read, output, min(thoughts, output))
