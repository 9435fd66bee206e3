"""`atendimento privacy anonymize <cpf>`: completes a customer's erasure request (LGPD art. 16 and 18) in one line.

Personal fields become anonymous tokens, the customer's texts "[removido]", attachment files are deleted from the
store; numbers, statuses, dates and ratings stay for statistics. Running it again finds nobody and says so.
"""
from __future__ import annotations

import argparse

from bot.settings import Settings


def add_parser(sub) -> None:
    privacy = sub.add_parser("privacy", help="LGPD: anonimiza os dados de um cliente")
    actions = privacy.add_subparsers(dest="privacy_command", required=True, metavar="AÇÃO")
    anonymize = actions.add_parser("anonymize", help="anonimiza o cliente deste CPF/CNPJ (irreversível)")
    anonymize.add_argument("document", metavar="cpf", help="CPF ou CNPJ do cliente")


async def privacy(args: argparse.Namespace, settings: Settings) -> int:
    from bot.texts import operator as texts
    from domain.audit import ActorKind, AuditAction, AuditEntry
    from domain.brazil import normalise_document
    from domain.clock import SystemClock
    from storage.database import connect
    from storage.file_store import LocalFileStore
    from storage.privacy import SqlPrivacy
    from storage.repositories.audit import SqlAuditLog

    document = normalise_document(args.document)
    if document is None:
        print(texts.privacy_invalid_document(args.document))
        return 2
    database = connect(settings.database_url)
    try:
        async with database.sessions() as session:
            privacy = SqlPrivacy(session)
            customer_id = await privacy.customer_by_document(document)
            if customer_id is None:
                print(texts.PRIVACY_NOBODY)
                return 0
            outcome = await privacy.anonymize(customer_id)
            await SqlAuditLog(session).append(AuditEntry(
                SystemClock().now(), ActorKind.OPERATOR, "operador", AuditAction.ANONYMIZE,
                details={"cliente": customer_id, "atendimentos": outcome.tickets, "mensagens": outcome.messages,
                         "arquivos": len(outcome.digests_to_delete)}))
            await session.commit()
    finally:
        await database.dispose()
    # After the commit: a failure here leaves unreferenced bytes, never a reference to deleted bytes.
    store = LocalFileStore(settings.attachments_dir)
    deleted = sum([await store.delete(digest) for digest in outcome.digests_to_delete])
    print(texts.privacy_anonymized(outcome.customer_id, outcome.tickets, outcome.messages, deleted))
    return 0
