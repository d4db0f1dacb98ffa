"""Data group 5 panel (see layouts/screens/_group.py)."""

from functools import partial

from layouts.screens._group import group_panel

panel = partial(group_panel, group=5)
