"""`make run` asks this whether a bot token is set (environment or .env, read exactly as the bot reads them): exit
status 0 when it is (run the bot), 1 when not (open the sandbox instead)."""
import sys

from bot.settings import SettingsError, load_settings


def main() -> int:
    try:
        token = load_settings().telegram_bot_token
    except SettingsError:
        return 0  # some other setting is wrong: `atendimento run` says which
    return 0 if token is not None and token.get_secret_value().strip() else 1


if __name__ == "__main__":
    sys.exit(main())
