"""Tests of `tesler fleet`: real bare repositories as remotes."""
