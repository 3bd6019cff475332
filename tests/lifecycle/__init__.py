"""The model lifecycle of a generated project, end to end."""
