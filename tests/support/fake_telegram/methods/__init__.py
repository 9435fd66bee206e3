"""The Bot API methods the fake server answers; importing this package registers them all."""
from tests.support.fake_telegram.methods import (  # noqa: F401 - imported to register the methods
    bot_profile,
    callbacks,
    chats,
    commands,
    forum,
    messages,
    updates,
)
from tests.support.fake_telegram.methods.registry import METHODS

__all__ = ["METHODS"]
