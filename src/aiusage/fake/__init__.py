"""Fake provider servers on loopback that speak the real formats (for tests and demos).

Each one is a context manager returning its base URL; a test scripts its next replies.
They import nothing else of aiusage, so they can fake a provider without knowing our code.
"""
