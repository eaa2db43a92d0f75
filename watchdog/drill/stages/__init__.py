"""Drill stages, one module (or subpackage) each."""
