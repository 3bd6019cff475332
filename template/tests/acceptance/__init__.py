"""Acceptance tests: the team's rules about models, written in Gherkin (features/*.feature)."""
