"""Delivery: Terraform option matrix and the runner-free workflow run."""
