"""Data group 1 panel (see layouts/screens/_group.py)."""

from layouts.screens._group import group_panel

PANEL = group_panel(1)
