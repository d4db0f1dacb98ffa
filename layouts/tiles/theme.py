"""Colours and fonts shared by tiles drawn with Plotly (the CSS theme is assets/wall.css)."""

FONT = "Be Vietnam Pro, Noto Sans, DejaVu Sans, sans-serif"
INK = "#e8eef6"
MUTED = "#9fb3c8"
GRID = "rgba(159,179,200,0.18)"
TARGET = "#f2c14e"
NO_DATA = "#2a3a4d"
SERIES_COLOURS = ("#4fc3f7", "#ff8a65", "#aed581", "#ba68c8")
SEA = "#0d1b2a"
BORDER = "#0b1724"
ISLANDS = "#ffffff"
ISLAND_LABEL = "#f2c14e"
