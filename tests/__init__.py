"""Behaviour tests for tesler: real git, real Copier, real uv and DVC."""
