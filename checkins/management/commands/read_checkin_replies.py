"""`manage.py read_checkin_replies --maildir PATH`: take the replies to check-in reminders waiting in a Maildir.

For a mail server that delivers the reply domain's mail to a Maildir (Postfix, Dovecot, getmail): each message
in `new/` goes to `checkins.replies.take_reply`, then to `cur/`, seen (`S`); a refused one is flagged (`F`) too,
for someone to look at. Safe to run again, and from cron every minute: what is in `cur/` is never read again,
and a message taken but not yet moved when a run stopped is taken once (its Message-ID). A message that fails
for another reason (the database away) stays in `new/` for the next run, and the run ends in an error.
"""

from __future__ import annotations

import logging
import mailbox
import os
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from checkins import replies
from checkins.models import InboundReply

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = ("Take the replies to check-in reminders waiting in a Maildir's new/ into their drafts, and move each to "
            "cur/ (refused ones flagged).")

    def add_arguments(self, parser):
        parser.add_argument("--maildir", required=True, metavar="PATH",
                            help="The Maildir the reply domain's mail is delivered to (with new/, cur/ and tmp/).")

    def handle(self, *args, maildir: str, **options):
        if not replies.domain():
            raise CommandError("Checking in by e-mail is off: set INBOUND_EMAIL_DOMAIN.")
        if not os.path.isdir(os.path.join(maildir, "new")):
            raise CommandError(f"{maildir} is not a Maildir (it has no new/).")
        box = mailbox.Maildir(maildir, factory=None, create=False)
        counts: Counter[str] = Counter()
        for key in waiting(box, maildir):
            try:
                raw = box.get_bytes(key)
            except KeyError:  # moved by a run at the same time
                continue
            try:
                outcome, flags = replies.take_reply(raw=raw, now=timezone.now()).outcome, "S"
            except replies.ReplyRefused as refusal:
                logger.log(logging.WARNING if refusal.forged else logging.INFO,
                           "check-in reply %s refused: %s", key, refusal)
                self.stderr.write(f"{key}: refused: {refusal}")
                outcome, flags = "refused", "FS"
            except Exception:
                logger.exception("check-in reply %s failed; it stays in new/ for the next run", key)
                counts["failed"] += 1
                continue
            counts[outcome] += 1
            seen(box, key, flags)
        self.stdout.write(", ".join(f"{what} {counts[what]}" for what in (
            InboundReply.Outcome.DRAFTED, InboundReply.Outcome.ALREADY_SUBMITTED, replies.REPLAYED,
            "refused", "failed")))
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} message(s) failed and stay in new/: see the log.")


def waiting(box: mailbox.Maildir, path: str) -> list[str]:
    """The keys of the messages in `new/`, oldest first (a Maildir name starts with its delivery time)."""
    names = (entry.name for entry in os.scandir(os.path.join(path, "new"))
             if entry.is_file() and not entry.name.startswith("."))
    return sorted(name.split(box.colon)[0] for name in names)


def seen(box: mailbox.Maildir, key: str, flags: str) -> None:
    """Move a handled message to `cur/` with `flags`."""
    try:
        message = box.get_message(key)
    except KeyError:  # moved by a run at the same time
        return
    message.set_subdir("cur")
    message.set_flags(flags)
    box[key] = message
