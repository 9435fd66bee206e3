"""The one error an `atendimento` command (bot/commands.py) raises for the operator, caught by bot/cli.py: its own
module, so that the command line and the commands it runs do not import each other."""
from __future__ import annotations


class CommandError(Exception):
    """One line for the operator; the program exits non-zero."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
