"""Tests of a team bringing its own data: ownership, four shapes of data."""
