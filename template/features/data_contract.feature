Feature: Data contract
  Every batch, for training or for scoring, must pass the same contract (contract.yaml).
  A batch that breaks it is rejected whole, with a report a person can act on, and its
  failing rows are quarantined with their reasons: nothing is dropped silently. A batch
  that keeps it is scored, even as the source file spells it.

  Scenario: A training batch breaking the contract is rejected and quarantined
    Given a training batch with a value the contract forbids in row 3 and row 7 repeated
    When the validate stage checks it
    Then the stage fails with exit code 1
    And the report names the column, the check, the number of failures and examples
    And the report is printed and written to the report file
    And rows 3 and 7 and the repeat are in the quarantine file with their reasons
    And no validated batch is written

  Scenario: A batch to score breaking the contract is rejected and quarantined
    Given a batch to score with a value the contract forbids in row 2
    When the batch is scored
    Then scoring fails with exit code 1 and writes no predictions
    And row 2 is in the quarantine file with the check it broke

  Scenario: A batch to score as the source file spells it is scored
    Given a batch to score with the headers spelt another way, no row ids and no target
    When the batch is scored
    Then every row gets one prediction of the model
