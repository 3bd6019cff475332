"""tesler: create and maintain ML repositories from one Copier template."""

__version__ = "0.1.0"
