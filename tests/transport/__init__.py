"""Tests over real git transport: a template served over smart HTTP."""
