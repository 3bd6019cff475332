"""Steps shared by several features."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_bdd import given, parsers, then

if TYPE_CHECKING:
    from tests.platform.support import ProjectRepo


@given("no model is in prod")
def no_model_in_prod(project_repo: ProjectRepo) -> None:
    assert project_repo.prod() == "none"


@given(parsers.parse("a {strength} model is in prod as {version}"))
@given(parsers.parse("a {strength} model was promoted as {version}"))
def model_promoted(project_repo: ProjectRepo, strength: str, version: str) -> None:
    assert project_repo.release(strength) == version


@then(parsers.parse("{version} is the model in prod"))
@then(parsers.parse("{version} is still the model in prod"))
def model_in_prod(project_repo: ProjectRepo, version: str) -> None:
    assert project_repo.prod() == version
