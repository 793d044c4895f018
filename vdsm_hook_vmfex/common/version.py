"""The one place the release version lives (pyproject, spec and --version read it)."""

__version__ = "1.0.0"
