"""Helpers the tests share: a git smart-HTTP server."""
