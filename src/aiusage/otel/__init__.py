"""OpenTelemetry export (extra: otel)."""
