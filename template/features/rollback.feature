Feature: Rollback
  One command puts the previous model back in prod, recorded as GTO tags in git, and
  scoring uses it at once.

  Scenario: Rollback restores the previous champion
    Given a weak model was promoted as v0.0.1
    And a strong model was promoted as v0.0.2
    When the team rolls back
    Then v0.0.1 is the model in prod
    And scoring a batch uses v0.0.1
    And git records the rollback as GTO tags

  Scenario: Rolling forward again names the version
    Given a weak model was promoted as v0.0.1
    And a strong model was promoted as v0.0.2
    When the team rolls back
    And the team rolls back to v0.0.2
    Then v0.0.2 is the model in prod
    And scoring a batch uses v0.0.2
