"""Readers of AI coding agents' local logs. Each one turns complete lines into records."""
