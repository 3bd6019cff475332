"""Your team's fixtures: tesler never overwrites this file (nor any other tests/*.py).

The template's fixtures come from tests/platform/fixtures.py, loaded as a pytest plugin
(pyproject.toml): `contract` (contract.yaml), `sample` (a synthetic batch that passes it),
`pipeline` (the settings of one run of every stage on that sample), `project_repo` (a git
repository with a model registry) and `webhook`. tests/platform/ is the template's: a template
update replaces it, so put your own tests and fixtures here, next to this file.
"""
