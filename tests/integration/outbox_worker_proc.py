"""A notification worker in its own process, for the outbox kill and two-worker tests.

    python -m tests.integration.outbox_worker_proc DATABASE_URL --smtp-port P | --record FILE
        [--claim-seconds S] [--batch N] [--pause-after-send S] [--exit-when-idle]

``--pause-after-send`` widens the window between a message leaving and being marked sent, so
that random kills land in it often. ``--record`` replaces SMTP with a transport that appends
each message id to FILE (the two-worker test is about claiming, not delivery).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile

import msgspec

from server import db
from server.clock import Clock
from server.notify.outbox import Channel, Message
from server.notify.tables import OutboxMessage
from server.notify.transports import SENT, Outcome, SmtpTransport, Transport
from server.notify.worker import NotificationWorker
from server.settings import load_settings

IDLE_POLL_SECONDS = 0.05


class Recording:
    def __init__(self, path: str) -> None:
        self.handle = open(path, "a", buffering=1)  # noqa: SIM115 - lives as long as the process

    async def send(self, message: Message) -> Outcome:
        self.handle.write(f"{message.id}\n")
        return SENT


class PauseAfterSend:
    def __init__(self, inner: Transport, seconds: float) -> None:
        self.inner, self.seconds = inner, seconds

    async def send(self, message: Message) -> Outcome:
        outcome = await self.inner.send(message)
        await asyncio.sleep(self.seconds)
        return outcome


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("--smtp-port", type=int)
    parser.add_argument("--record")
    parser.add_argument("--claim-seconds", type=float, default=0.5)
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--pause-after-send", type=float, default=0.0)
    parser.add_argument("--exit-when-idle", action="store_true")
    args = parser.parse_args()
    settings = load_settings(
        environ={},
        database_url=args.database_url,
        data_dir=tempfile.mkdtemp(),
        secret_key="worker-process-secret-" + "0" * 40,
    )
    transport: Transport
    if args.record:
        transport = Recording(args.record)
    else:
        transport = SmtpTransport(
            msgspec.structs.replace(
                settings,
                smtp_host="127.0.0.1",
                smtp_port=args.smtp_port,
                smtp_starttls=False,
                mail_from="Lockwork <lockwork@kommun.example.se>",
            )
        )
    if args.pause_after_send:
        transport = PauseAfterSend(transport, args.pause_after_send)
    async with db.connected(args.database_url) as engine:
        worker = NotificationWorker(
            engine,
            Clock(),
            {Channel.EMAIL: transport},
            owner=f"test-worker-{os.getpid()}",
            batch_size=args.batch,
            claim_seconds=args.claim_seconds,
        )
        print("ready", flush=True)
        while True:
            if await worker.run_once():
                continue
            if args.exit_when_idle and not await OutboxMessage.exists().where(
                OutboxMessage.state == "pending"
            ):
                return
            await asyncio.sleep(IDLE_POLL_SECONDS)


if __name__ == "__main__":
    asyncio.run(main())
