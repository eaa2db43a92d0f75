"""The server-rendered status page at ``GET /``: one module per section."""
