"""Data group 4 panel (see layouts/screens/_group.py)."""

from layouts.screens._group import group_panel

PANEL = group_panel(4)
