"""The web dashboard and HTTP API (extra ``web``): ``aiusage serve``.

A front end: it reaches the core only through ``aiusage.app`` (``App.dashboard``).
FastAPI and uvicorn are imported here and only here, never on the CLI's start-up path.
"""
