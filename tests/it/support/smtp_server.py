"""A real SMTP server on 127.0.0.1 for veille's tests (aiosmtpd).

Each accepted message is written to MAILDIR as one JSON file: the envelope,
the raw message, and what Python's email parser reads in it (subject,
Message-ID, content type, the decoded text and HTML parts), so tests check
what a mail client would show. While the file named by --hold exists, the
server holds every client at RCPT TO, and touches HOLD.held to say so:
tests use this to kill veille in the middle of a delivery.
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import time

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, maildir, hold):
        self.maildir = maildir
        self.hold = hold

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.hold:
            while os.path.exists(self.hold):
                open(self.hold + ".held", "w").close()
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        parts = {}
        for part in message.walk():
            if part.get_content_maintype() == "text":
                parts.setdefault(part.get_content_type(), part.get_content())
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(message["subject"]),
            "message_id": str(message["message-id"]),
            "content_type": message.get_content_type(),
            "text": parts.get("text/plain", ""),
            "html": parts.get("text/html", ""),
            "raw": raw.decode("utf-8", "replace"),
        }
        name = "%d" % time.time_ns()
        partial = os.path.join(self.maildir, name + ".partial")
        with open(partial, "w", encoding="utf-8") as out:
            json.dump(record, out)
        os.rename(partial, os.path.join(self.maildir, name + ".json"))
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--hold")
    args = parser.parse_args()
    controller = Controller(
        Handler(args.maildir, args.hold), hostname="127.0.0.1", port=args.port
    )
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
