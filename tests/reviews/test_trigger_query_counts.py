"""The scheduler's check over many teams, and a review prompt's page, cost the same queries at any size."""

from __future__ import annotations

import pytest
from django.urls import reverse

from alignment.models import Team
from charters.models import Charter, NonNegotiable
from notifications.models import Delivery
from reviews.models import ReviewTrigger
from reviews.triggers import TRIGGER, fire_due_triggers
from tests.reviews.trigger_factories import NOW, RATIFIED, WEEKS, check_in, trigger_url


def _teams(organisation, leader, member, add_member, n: int) -> list[Team]:
    """`n` teams led by `leader`, each with a version in force whose review date has come and a strained
    non-negotiable, so that each fires two prompts."""
    teams = []
    for i in range(n):
        team = Team.objects.create(organisation=organisation, name=f"Team {i}", slug=f"team-{i}",
                                   time_zone="Europe/London")
        add_member(team, leader, "leader")
        add_member(team, member, "member")
        charter = Charter.objects.create(team=team, number=1, state=Charter.State.RATIFIED, ratified_at=RATIFIED,
                                         review_on=NOW.date())
        nn = NonNegotiable.objects.create(charter=charter, title="Reviewed code only")
        for week in WEEKS[1:]:
            check_in(team, member, week, strained=nn, note=f"Week of {week}")
        teams.append(team)
    return teams


@pytest.mark.parametrize("size", [2, 12])
def test_the_scheduler_check_is_flat(organisation, make_user, add_member, django_assert_num_queries, size):
    leader, member = make_user("lead@example.com", "Lee"), make_user("mem@example.com", "Mo")
    _teams(organisation, leader, member, add_member, size)

    # 1. the versions in force with their teams  2. the non-negotiables  3. the strains of the recent weeks
    # 4. the check-ins' "unclear who decides"  5. the requests that touched no boundary (asks' count)
    # 6. who consented  7. who is in the teams  8. the prompts fired already
    # 9. savepoint  10. the new prompts (insert)  11. reading them back  12. the teams' people
    # deliver_many: 13. savepoint  14. the claims already made  15. the preferences  16. savepoint
    # 17. the new claims (insert)  18. release  19. the notifications (insert)  20. release  21. release
    # 22. the next batch of versions in force (none)
    with django_assert_num_queries(22):
        fire_due_triggers(now=NOW)

    assert ReviewTrigger.objects.count() == 2 * size
    assert Delivery.objects.filter(kind=TRIGGER, recipient=leader).count() == 2 * size

    # Once they have fired: 1-8 and the next batch, nothing written.
    with django_assert_num_queries(9):
        fire_due_triggers(now=NOW)


@pytest.mark.parametrize("quotes", [1, 10])
def test_the_prompt_page_is_flat(client, team, leader, member, make_user, add_member, frozen,
                                 django_assert_num_queries, quotes):
    team.checkins_open_to_team = True
    team.save(update_fields=["checkins_open_to_team"])
    charter = Charter.objects.create(team=team, number=1, state=Charter.State.RATIFIED, ratified_at=RATIFIED)
    nn = NonNegotiable.objects.create(charter=charter, title="Reviewed code only")
    for n in range(quotes):
        colleague = make_user(f"colleague{n}@example.com", f"Colleague {n}")
        add_member(team, colleague, "member")
        for week in WEEKS[1:]:
            check_in(team, colleague, week, strained=nn, note=f"Note {n} of {week}")
    fire_due_triggers(now=NOW)
    trigger = ReviewTrigger.objects.get()
    client.force_login(leader)

    # 1. session  2. user  3. my memberships with teams and organisations (and the header's bell's unread count)
    # 4. organisations I administer  5. the prompt with its version, amendment and who closed it
    with django_assert_num_queries(5):
        response = client.get(trigger_url("trigger", trigger))
    assert response.status_code == 200
    assert reverse("reviews:trigger_amend", args=["harbour", "platform", trigger.pk]) in response.content.decode()
