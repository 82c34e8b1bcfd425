"""Imports every architecture family so their registrations run. One line per family file."""

# isort: off
