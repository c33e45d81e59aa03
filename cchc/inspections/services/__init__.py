"""Writes of the inspection cycle, one module per stage (see docs/architecture.md)."""
