"""The Bot API methods the fake server answers; importing this package registers them all."""
from sandbox.emulator.methods import (  # noqa: F401 - imported to register the methods
    bot_profile,
    callbacks,
    chats,
    commands,
    forum,
    messages,
    updates,
)
from sandbox.emulator.methods.registry import METHODS

__all__ = ["METHODS"]
