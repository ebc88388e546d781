"""Opt-in fetchers of official subscription limits (Claude and ChatGPT/Codex plans).

They read the sign-in the agents keep on disk, read-only, and ask the provider's own
usage endpoint; nothing here runs unless the user turns it on.
"""
