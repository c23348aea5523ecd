"""Test fixtures that ship with the trainer (tiny random models of real families, built offline)."""
