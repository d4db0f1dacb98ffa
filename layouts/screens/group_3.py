"""Data group 3 panel, built from the catalogue it is given (see layouts/screens/_group.py)."""

from functools import partial

from layouts.screens._group import group_panel

panel = partial(group_panel, group=3)
