"""Trying Atendimento without Telegram: an embedded Telegram Bot API emulator (`sandbox.emulator`, shared with the
tests), the real bot running against it, and a web page showing a customer's chat and the staff group side by side
(`atendimento sandbox`, or `make run` without a token)."""
