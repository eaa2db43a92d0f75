"""The web config file (exporter-toolkit format): TLS and basic authentication for the
daemon's own HTTP server."""
