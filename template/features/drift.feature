Feature: Drift monitoring
  The monitor compares a batch with the training data, feature by feature. Drift past the
  thresholds in params.yaml fails the monitor and signals retraining: a non-zero exit code, a
  report naming the features, an alert to the team's webhook, and the output the drift
  workflow reads to start the retraining workflow.

  Scenario: Drift past the threshold fails the monitor and signals retraining
    Given the team's webhook is configured
    And a batch whose numeric features drifted by 1.5 standard deviations
    When the monitor compares it with the training data
    Then the monitor exits with code 3
    And the report names the drifted features and recommends retraining
    And the webhook receives a "drift_detected" alert
    And the workflow output says drifted=true

  Scenario: A batch like the training data passes the monitor
    Given the team's webhook is configured
    And a batch whose numeric features drifted by 0 standard deviations
    When the monitor compares it with the training data
    Then the monitor exits with code 0
    And the webhook receives nothing
    And the workflow output says drifted=false

  Scenario: A feature that goes missing drifts even if its values do not move
    Given a batch where a feature is missing in half the rows
    When the monitor compares it with the training data
    Then the monitor exits with code 3
    And the report names that feature
