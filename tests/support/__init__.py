"""Shared test support: ports, processes stopped by PID, polling with deadlines, real components."""
