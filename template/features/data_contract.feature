Feature: Data contract
  Every batch, for training or for scoring, must pass the same contract (core/schema.py).
  A batch that breaks it is rejected whole, with a report a person can act on, and its
  failing rows are quarantined with their reasons: nothing is dropped silently.

  Scenario: A training batch breaking the contract is rejected and quarantined
    Given the bundled dataset with a negative value in row 3 and row 7 repeated
    When the validate stage checks it
    Then the stage fails with exit code 1
    And the report names the column, the check, the number of failures and examples
    And the report is printed and written to the report file
    And rows 3 and 7 and the repeat are in the quarantine file with their reasons
    And no validated batch is written

  Scenario: A batch to score breaking the contract is rejected and quarantined
    Given a batch to score with a missing value in row 2
    When the batch is scored
    Then scoring fails with exit code 1 and writes no predictions
    And row 2 is in the quarantine file with the reason "not_nullable"
