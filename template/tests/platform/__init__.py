"""The template's tests: generic, driven by contract.yaml; a template update replaces them.

Imported as `tests.platform`, never as a top-level `platform`, so the standard library's module
of that name is not shadowed.
"""
# ruff: noqa: A005
