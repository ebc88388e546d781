"""Alerts: rules, cooldown and Do-Not-Disturb state, the alert log, and notifiers."""
