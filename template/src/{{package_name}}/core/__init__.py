"""Pure code: the data contract, feature pipeline, model factory and metrics. No file I/O."""
