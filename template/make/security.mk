# Security gates. `make security` runs every one that works offline, with the project's locked
# tools; `make audit` needs the network (the security workflow runs it).
# zizmor goes online when it finds a GitHub token in the environment: keep it offline here.
ZIZMOR := env -u GH_TOKEN -u GITHUB_TOKEN uv run --frozen zizmor --offline

.PHONY: security workflows-check dockerfile-check audit

security: secrets workflows-check dockerfile-check infra-check ## Offline security gates: secrets, workflows, Dockerfiles, Terraform

workflows-check: ## Check .github/ with GitHub's schemas (check-jsonschema) and zizmor (offline)
	uv run --frozen check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	uv run --frozen check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
	$(ZIZMOR) .github

dockerfile-check: ## Lint the Dockerfiles with hadolint
	uv run --frozen hadolint Dockerfile .devcontainer/Dockerfile

audit: ## Audit the locked dependencies for known vulnerabilities (pip-audit; needs the network)
	@requirements=$$(mktemp) && trap 'rm -f "$$requirements"' EXIT && \
	uv export --frozen --all-groups --no-emit-project --format requirements-txt \
		--output-file "$$requirements" >/dev/null && \
	uv run --frozen pip-audit --strict --disable-pip --require-hashes -r "$$requirements"
