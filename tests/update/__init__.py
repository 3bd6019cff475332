"""Tests of `tesler update`, `check` and `adopt`, and of the template update paths."""
