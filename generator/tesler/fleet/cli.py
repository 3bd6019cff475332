"""`tesler fleet ...` commands: parsing and printing only."""

import typer

fleet_app = typer.Typer(
    help="Plan, apply and report template updates across a fleet of repositories.",
    no_args_is_help=True,
)
