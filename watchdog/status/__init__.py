"""The status page's data: each section as a view built from the daemon's live parts,
and their JSON twins."""
