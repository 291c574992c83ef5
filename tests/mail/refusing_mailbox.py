"""An aiosmtpd Maildir handler that refuses recipients whose local part starts with "nobody"
(550), so tests can see a refused mail marked failed while the others go on."""
from aiosmtpd.handlers import Mailbox


class RefusingMailbox(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"
