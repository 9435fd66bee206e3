"""The report's renderings: the PNG chart and the CSV/JSON exports (nothing here talks to Telegram)."""
