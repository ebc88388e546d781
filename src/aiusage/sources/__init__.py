"""Sources produce records: local agent logs (``logs``) and, later, provider APIs."""
