"""Demo requests for `seed_demo`: a consultation from Platform to Growth, in progress; idempotent."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from alignment.models import Membership
from asks import services
from asks.models import Ask
from charters.models import Boundary, BoundaryLabel, Charter


def seed_asks(organisation) -> None:
    platform = organisation.teams.filter(slug="platform").first()
    growth = organisation.teams.filter(slug="growth").first()
    if platform is None or growth is None or Ask.objects.filter(receiving_team=growth).exists():
        return
    boundary = Boundary.objects.filter(charter__team=growth, charter__state=Charter.State.RATIFIED,
                                       label=BoundaryLabel.CONSULT).first()
    asker = (Membership.objects.filter(team=platform, is_member=True).exclude(user__memberships__team=growth)
             .select_related("user").order_by("user__email").first())
    if boundary is None or asker is None:
        return
    ask = services.send_ask(
        asker=asker.user, asking_team=platform, receiving_team=growth, kind="change",
        title="Say in the booking confirmation SMS that the clinic may call back",
        body="Clinics call back a third of patients to reschedule; people miss the call because the SMS does not "
             "warn them. One sentence would do, but it is wording to patients, so it is yours to decide.",
        boundary=boundary, due_on=timezone.localdate(timezone=growth.zone) + timedelta(days=5))
    services.add_comment(ask=ask, author=asker.user,
                         body="The clinic leads suggest: “Your clinic may call you from a withheld number.”")
