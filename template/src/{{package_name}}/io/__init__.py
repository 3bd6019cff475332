"""The boundary with the outside world: data files, model files and settings."""
