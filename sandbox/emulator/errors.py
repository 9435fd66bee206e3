"""Telegram's error answers, with the exact descriptions the Bot API sends.

python-telegram-bot turns the HTTP status and `parameters` into its exception classes (400 → BadRequest,
403 → Forbidden, 404 → InvalidToken, 409 → Conflict, `retry_after` → RetryAfter, `migrate_to_chat_id` → ChatMigrated),
and strips the "Bad Request: " prefix from the message, so the descriptions must be the real ones.
"""
from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An answer `{"ok": false, ...}` with its HTTP status."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str, parameters: dict[str, Any] | None = None) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}", parameters)


def forbidden(detail: str) -> ApiError:
    return ApiError(403, f"Forbidden: {detail}")


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def conflict(detail: str) -> ApiError:
    return ApiError(409, f"Conflict: {detail}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


def internal_server_error() -> ApiError:
    return ApiError(500, "Internal Server Error")


# --- the answers bots meet most -------------------------------------------------------------------------------------
def chat_not_found() -> ApiError:
    return bad_request("chat not found")


def chat_id_empty() -> ApiError:
    return bad_request("chat_id is empty")


def message_text_empty() -> ApiError:
    return bad_request("message text is empty")


def message_too_long() -> ApiError:
    return bad_request("message is too long")


def caption_too_long() -> ApiError:
    return bad_request("message caption is too long")


def cant_parse_entities(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


def unsupported_parse_mode() -> ApiError:
    return bad_request("unsupported parse_mode")


def button_data_invalid() -> ApiError:
    return bad_request("BUTTON_DATA_INVALID")


def message_not_modified() -> ApiError:
    return bad_request(
        "message is not modified: specified new message content and reply markup are exactly the same as a current "
        "content and reply markup of the message"
    )


def message_to_edit_not_found() -> ApiError:
    return bad_request("message to edit not found")


def query_too_old() -> ApiError:
    return bad_request("query is too old and response timeout expired or query ID is invalid")


def bot_blocked() -> ApiError:
    return forbidden("bot was blocked by the user")


def user_deactivated() -> ApiError:
    return forbidden("user is deactivated")


def cant_initiate_conversation() -> ApiError:
    return forbidden("bot can't initiate conversation with a user")


def bot_kicked(chat_type: str) -> ApiError:
    kind = "supergroup chat" if chat_type == "supergroup" else "group chat" if chat_type == "group" else "channel chat"
    return forbidden(f"bot was kicked from the {kind}")


def bot_not_member(chat_type: str) -> ApiError:
    kind = "supergroup chat" if chat_type == "supergroup" else "group chat" if chat_type == "group" else "channel chat"
    return forbidden(f"bot is not a member of the {kind}")


def group_upgraded(new_chat_id: int) -> ApiError:
    return bad_request("group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": new_chat_id})


def getupdates_while_webhook() -> ApiError:
    return conflict(
        "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
    )


def terminated_by_other_getupdates() -> ApiError:
    return conflict("terminated by other getUpdates request; make sure that only one bot instance is running")
