"""Finding the lines worth parsing in a buffer, without splitting it into lines.

Most bytes of an agent log are message content that carries no usage. Searching for a
marker with ``bytes.find`` (memchr speed) and decoding only the lines that contain it
through a ``memoryview`` avoids copying the other 60–70% of the data line by line.
"""

from __future__ import annotations

from collections.abc import Iterator

Buffer = bytes | bytearray


def marked_lines(buf: Buffer, end: int, markers: tuple[bytes, ...]) -> Iterator[tuple[int, int]]:
    """(start, stop) of each line in ``buf[:end]`` containing any marker, in file order."""
    if len(markers) == 1:
        yield from _marked(buf, end, markers[0])
        return
    spans = sorted({span for m in markers for span in _marked(buf, end, m)})
    yield from spans


def _marked(buf: Buffer, end: int, marker: bytes) -> Iterator[tuple[int, int]]:
    find, rfind = buf.find, buf.rfind
    pos = 0
    while True:
        i = find(marker, pos, end)
        if i < 0:
            return
        start = rfind(b"\n", 0, i) + 1
        stop = find(b"\n", i, end)
        if stop < 0:
            stop = end
        yield start, stop
        pos = stop + 1


def broken_unmarked_lines(buf: Buffer, end: int, markers: tuple[bytes, ...]) -> int:
    """Lines of ``buf[:end]`` without a marker that cannot be whole JSON objects.

    Hops from newline to newline with ``bytes.find`` (memchr speed; log lines are long)
    and looks only at the bytes either side of each one: a line that starts with ``{``
    and ends with ``}`` passes at once, anything else is looked at whole. Counting
    ``}\n`` pairs over the buffer instead cost three times the whole parse.
    """
    find = buf.find
    broken = 0
    start = 0
    while start < end:
        stop = find(b"\n", start, end)
        if stop < 0:
            stop = end
        if stop > start and not (buf[start] == 0x7B and buf[stop - 1] == 0x7D):
            broken += _broken(bytes(buf[start:stop]), markers)
        start = stop + 1
    return broken


def _broken(line: bytes, markers: tuple[bytes, ...]) -> int:
    if any(m in line for m in markers):
        return 0  # parsed (and counted if bad) by the reader itself
    stripped = line.strip()
    return int(bool(stripped) and not (stripped[:1] == b"{" and stripped[-1:] == b"}"))
