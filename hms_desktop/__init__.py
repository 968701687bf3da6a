"""HMS Desktop: a hospital and clinic front-desk application."""

__version__ = "0.1.0"
