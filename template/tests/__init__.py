"""Tests of the project: they read as its specification."""
