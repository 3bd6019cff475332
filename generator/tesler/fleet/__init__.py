"""Reconcile a fleet of repositories against a declarative manifest (plan, apply, status)."""
