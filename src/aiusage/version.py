"""The installed version of aiusage, asked of the package metadata once."""

from __future__ import annotations

from functools import cache


@cache
def package_version() -> str:
    """``0.1.0``; ``0+unknown`` in a source tree that was never installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("aiusage")
    except PackageNotFoundError:
        return "0+unknown"
