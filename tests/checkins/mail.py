"""Replies to the check-in reminder as mail programs write them, for the tests of checking in by e-mail.

Each style writes the same two lines (`WRITTEN`) above what that program adds: the quoted reminder behind its
own attribution or header block, a signature, an HTML part, soft line breaks.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

from checkins import replies
from tests.checkins.conftest import MONDAY

DOMAIN = "reply.charter.example.com"
SENDER = "Max Member <member@example.com>"
WRITTEN = "Shipped the rota export.\nPager alerts are quieter since Tuesday."
REMINDER = ("Platform: time for your weekly check-in\n\nYour team's check-in was due Friday 20 Nov at 10:00 "
            "(Europe/London).\n\nReply to this e-mail with what moved this week.")


def address(person, team, monday=MONDAY) -> str:
    return replies.reply_address(person_id=person.pk, team_id=team.pk, monday=monday)


def quoted(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.split("\n"))


def message(to: str, *, sender: str = SENDER, message_id: str | None = "", **headers) -> EmailMessage:
    """A reply's envelope: `message_id` None leaves the Message-ID out, empty makes a fresh one."""
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = to
    reply["Subject"] = "Re: Platform: time for your weekly check-in"
    if message_id is not None:
        reply["Message-ID"] = message_id or make_msgid(domain="mail.example.com")
    for name, value in headers.items():
        reply[name.replace("_", "-")] = value
    return reply


def gmail(to: str, **kwargs) -> EmailMessage:
    """Text and HTML; the attribution wrapped over two lines, the HTML quote in Gmail's container."""
    reply = message(to, **kwargs)
    reply.set_content(f"{WRITTEN}\n\nOn Fri, 20 Nov 2026 at 10:00, Charter <\ncharter@localhost> wrote:\n\n"
                      f"{quoted(REMINDER)}\n")
    lines = WRITTEN.replace("\n", "</div><div>")
    reply.add_alternative(
        f'<div dir="ltr"><div>{lines}</div></div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
        'On Fri, 20 Nov 2026 at 10:00, Charter &lt;charter@localhost&gt; wrote:<br></div><blockquote '
        f'class="gmail_quote">{REMINDER}</blockquote></div>', subtype="html")
    return reply


def outlook(to: str, **kwargs) -> EmailMessage:
    """Outlook's text: a sign-off, then "-----Original Message-----" and the reminder's headers, unquoted."""
    reply = message(to, **kwargs)
    reply.set_content(f"{WRITTEN}\n\n-----Original Message-----\nFrom: Charter <charter@localhost>\n"
                      "Sent: Friday, November 20, 2026 10:00 AM\nTo: Max Member <member@example.com>\n"
                      f"Subject: Platform: time for your weekly check-in\n\n{REMINDER}\n")
    return reply


def signed(to: str, **kwargs) -> EmailMessage:
    """A signature after the "-- " line, then the quote."""
    reply = message(to, **kwargs)
    reply.set_content(f"{WRITTEN}\n\n-- \nMax Member\nPlatform team, Harbour Health\n\n{quoted(REMINDER)}\n")
    return reply


def iphone(to: str, **kwargs) -> EmailMessage:
    """"Sent from my iPhone", then the attribution quoted with the rest."""
    reply = message(to, **kwargs)
    reply.set_content(f"{WRITTEN}\n\nSent from my iPhone\n\n> On 20 Nov 2026, at 10:00, Charter "
                      f"<charter@localhost> wrote:\n> \n{quoted(REMINDER)}\n")
    return reply


def thunderbird(to: str, **kwargs) -> EmailMessage:
    """`format=flowed`: the long line broken softly (a space before the break)."""
    reply = message(to, **kwargs)
    first = WRITTEN.split("\n")[0]
    reply.set_content(f"{first}\nPager alerts are quieter \nsince Tuesday.\n\nOn 20/11/2026 10:00, Charter wrote:\n"
                      f"{quoted(REMINDER)}\n", params={"format": "flowed"})
    return reply


def outlook_web(to: str, **kwargs) -> EmailMessage:
    """HTML only: Outlook on the web's reply, the history after its `divRplyFwdMsg` header block."""
    reply = message(to, **kwargs)
    lines = WRITTEN.replace("\n", "</div><div>").replace(" since", "&nbsp;since")
    reply.set_content(
        '<html><head><style>p { margin: 0 }</style></head><body><div style="font-family: Calibri">'
        f"<div>{lines}</div></div>"
        '<div id="appendonsend"></div><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg">'
        "<b>From:</b> Charter &lt;charter@localhost&gt;<br><b>Sent:</b> Friday, November 20, 2026 10:00<br>"
        "<b>Subject:</b> Platform: time for your weekly check-in</div>"
        f"<div>{REMINDER}</div></body></html>", subtype="html")
    return reply


STYLES = [gmail, outlook, signed, iphone, thunderbird, outlook_web]
