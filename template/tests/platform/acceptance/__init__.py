"""Acceptance tests: the team's rules about data and models, in Gherkin (features/*.feature)."""
