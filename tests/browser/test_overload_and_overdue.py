"""Overload and overdue in the browser: a leader asking an overloaded member is warned and asks anyway; the member
sees the request as asked, not agreed; a commitment three weeks past its date shows as overdue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from alignment.weeks import current_week
from checkins.models import CheckIn, Commitment


@pytest.mark.browser
def test_leader_is_warned_asks_anyway_and_the_member_sees_it_asked(browser, live_server, log_in, team, member,
                                                                   leader):
    now = timezone.now()
    today = timezone.localtime(now, team.zone).date()
    CheckIn.objects.create(team=team, author=member, week=current_week(team, now).monday, state="submitted",
                           submitted_at=now, load="overloaded")
    Commitment.objects.create(team=team, owner=member, created_by=member, title="Failover runbook",
                              standard="Kwame runs a failover from it alone", due_on=today - timedelta(days=21),
                              state="open")
    o, t = team.organisation.slug, team.slug

    leader_page = browser.new_context().new_page()
    try:
        # Lena asks Max for the pager rota from the commitments page.
        log_in(leader_page, "leader@example.com", reverse("checkins:commitments", args=[o, t]))
        ask = leader_page.get_by_role("region", name="Ask someone to commit")
        ask.get_by_label("Ask").select_option(label="Max Member")
        ask.get_by_label("What you commit to").fill("Pager rota for January")
        ask.get_by_label("Standard of completion").fill("Published, everyone on it agreed")
        ask.get_by_label("Due").fill((today + timedelta(days=14)).isoformat())
        ask.get_by_role("button", name="Ask").click()

        # She is warned first: Max's latest check-in says he is overloaded, and what he carries is listed.
        expect(leader_page.get_by_role("heading", name="Before you ask Max Member")).to_be_visible()
        expect(leader_page.get_by_role("alert")).to_contain_text("overloaded")
        carrying = leader_page.get_by_role("region", name="What Max Member carries now")
        expect(carrying).to_contain_text("Failover runbook")
        expect(carrying).to_contain_text("3 weeks overdue")
        # Her request is kept as typed; she asks anyway.
        request = leader_page.get_by_role("region", name="Your request, as you typed it")
        expect(request.get_by_label("What you commit to")).to_have_value("Pager rota for January")
        request.get_by_role("button", name="Ask anyway").click()
        expect(leader_page.get_by_role("status").first).to_contain_text("asked anyway is recorded")
        expect(leader_page.locator(".commitment-facts")).to_contain_text("warned that Max Member was overloaded")
    finally:
        leader_page.context.close()

    member_page = browser.new_context().new_page()
    try:
        # Max sees the request as asked, waiting for his answer, not as agreed.
        log_in(member_page, "member@example.com", reverse("checkins:commitments", args=[o, t]))
        waiting = member_page.get_by_role("region", name="Asked, waiting for an answer")
        expect(waiting).to_contain_text("Pager rota for January")
        expect(waiting.locator(".badge")).to_have_text("asked")
        # His own runbook, three weeks past its date, is marked overdue.
        open_ones = member_page.get_by_role("region", name="Open")
        expect(open_ones).to_contain_text("3 weeks overdue")
        expect(open_ones.locator(".badge.overdue")).to_have_text("overdue")

        waiting.get_by_role("link", name="Pager rota for January").click()
        expect(member_page.get_by_role("status").first).to_contain_text("waiting for Max Member’s answer")
        expect(member_page.locator(".commitment-facts")).not_to_contain_text("Agreed")
        expect(member_page.get_by_role("region", name="You are asked to commit to this")).to_be_visible()
    finally:
        member_page.context.close()
