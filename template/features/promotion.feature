Feature: Champion/challenger promotion
  A model replaces the one in prod (the champion) only if it beats it by the margin set in
  params.yaml, both scored on the same test split. The first model needs only the floor.
  A model that is not promoted is never registered, and CI sees it in the exit code.
  A strong model learns from the training data as it is, a weak one from noisy labels, a
  useless one from wrong labels.

  Scenario: The first model is promoted when it reaches the floor
    Given no model is in prod
    When the pipeline trains a strong model
    Then the promotion is accepted
    And registering it makes v0.0.1 the model in prod

  Scenario: A first model below the floor is rejected
    Given no model is in prod
    When the pipeline trains a useless model
    Then the promotion is rejected because it "misses the"
    And registering it exits with code 3 and registers nothing

  Scenario: A better challenger is promoted
    Given a weak model is in prod as v0.0.1
    When the pipeline trains a strong model
    Then the promotion is accepted
    And registering it makes v0.0.2 the model in prod

  Scenario: A worse challenger is rejected and the champion stays
    Given a strong model is in prod as v0.0.1
    When the pipeline trains a weak model
    Then the promotion is rejected because it "does not beat champion v0.0.1"
    And registering it exits with code 3 and registers nothing
    And v0.0.1 is still the model in prod
