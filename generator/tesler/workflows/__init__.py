"""Run a generated project's GitHub Actions workflows locally, without a runner.

`tesler.workflow_runner` is the entry point; these modules parse the workflow files
(`model`), classify the actions they use (`actions`), substitute the few expressions a
laptop can answer (`expressions`), decide what each job will do (`plan`) and run it
(`execute`).
"""
