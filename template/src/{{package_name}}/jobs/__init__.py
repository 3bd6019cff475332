"""One entry point per pipeline stage, each wiring io to core and returning an exit code."""
