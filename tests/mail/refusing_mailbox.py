"""An aiosmtpd Maildir handler that refuses recipients whose local part starts with "nobody"
(550), so tests can see a refused mail marked failed while the others go on. With
PASAPROD_TEST_SMTP_DELAY_MS set, each message is kept that long before it is accepted (a slow
server, so that a test can kill a sender in the middle of sending)."""
import asyncio
import os

from aiosmtpd.handlers import Mailbox


class RefusingMailbox(Mailbox):
    async def handle_DATA(self, server, session, envelope):
        delay = int(os.environ.get("PASAPROD_TEST_SMTP_DELAY_MS", "0"))
        if delay > 0:
            await asyncio.sleep(delay / 1000)
        return await super().handle_DATA(server, session, envelope)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"
