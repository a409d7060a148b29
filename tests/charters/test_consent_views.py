"""Discussing and agreeing a charter: comments and replies, consent and objections, the leader's
answers, and the lifecycle buttons (start, propose, withdraw, ratify, discard, amend).
"""

from __future__ import annotations

import re

import pytest
from django.db.models import F
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from alignment.confirm import CONFIRMED
from charters import services
from charters.models import Charter, Comment, NonNegotiable, Response
from tests.charters.conftest import charter_url

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def proposed(team, write_charter) -> Charter:
    return write_charter(team, state=Charter.State.PROPOSED)


def assert_fragment(response) -> None:
    assert b"<html" not in response.content


def read(charter: Charter, **data) -> dict:
    """A response form as a member submits it: with the revision of the text they read, now."""
    return {**data, "revision": Charter.objects.values_list("revision", flat=True).get(pk=charter.pk)}


# Comments ------------------------------------------------------------------------------------------

def test_member_comment_with_htmx_returns_the_sections_comments(login, member, proposed):
    response = login(member).post(charter_url("comment_create", 1),
                                  {"section": "people", "body": "Add how we disagree"}, **HTMX)

    assert response.status_code == 200
    assert_fragment(response)
    assertContains(response, '<div id="comments-people" class="comments"')
    assertContains(response, "Add how we disagree")
    assertContains(response, "Max Member")
    comment = Comment.objects.get()
    assert (comment.section, comment.author, comment.parent) == ("people", member, None)


def test_member_comment_without_javascript_redirects_to_the_comments(login, member, proposed):
    response = login(member).post(charter_url("comment_create", 1), {"section": "goals", "body": "Too many"})

    assertRedirects(response, charter_url("detail") + "#comments-goals", fetch_redirect_response=False)
    assert Comment.objects.get().body == "Too many"


def test_facilitator_comments_like_a_member(login, facilitator, proposed):
    response = login(facilitator).post(charter_url("comment_create", 1),
                                       {"section": "process", "body": "Retro cadence?"}, **HTMX)

    assert response.status_code == 200
    assert Comment.objects.get().author == facilitator


def test_comments_open_on_a_draft_too(login, member, team, write_charter):
    write_charter(team, state=Charter.State.DRAFT)

    response = login(member).post(charter_url("comment_create", 1), {"section": "purpose", "body": "Early note"})

    assert response.status_code == 302
    assert Comment.objects.count() == 1


def test_reply_threads_under_the_parent_in_its_section(login, leader, member, proposed):
    thread = Comment.objects.create(charter=proposed, section="purpose", author=member, body="Who is served?")
    client = login(leader)

    # The posted section is ignored: a reply belongs to its thread's section.
    response = client.post(charter_url("comment_create", 1),
                           {"section": "goals", "parent": str(thread.pk), "body": "Patients first"}, **HTMX)

    reply = Comment.objects.get(body="Patients first")
    assert (reply.parent, reply.section) == (thread, "purpose")
    assertContains(response, '<div id="comments-purpose"')
    content = response.content.decode()
    thread_at = content.index(f'id="comment-{thread.pk}"')
    assert thread_at < content.index(f'<div id="comment-{reply.pk}" class="reply">')


def test_reply_to_a_reply_joins_the_thread(login, leader, member, proposed):
    thread = Comment.objects.create(charter=proposed, section="purpose", author=member, body="Who is served?")
    reply = Comment.objects.create(charter=proposed, section="purpose", author=leader, parent=thread, body="Patients")

    login(member).post(charter_url("comment_create", 1),
                       {"section": "purpose", "parent": str(reply.pk), "body": "And carers?"})

    assert Comment.objects.get(body="And carers?").parent == thread


def test_empty_comment_with_htmx_is_400_with_the_form_open(login, member, proposed):
    response = login(member).post(charter_url("comment_create", 1), {"section": "purpose", "body": "  "}, **HTMX)

    assert response.status_code == 400
    assert_fragment(response)
    assertContains(response, '<details class="new-comment" open>', status_code=400)
    assertContains(response, "This field is required.", status_code=400)
    assert not Comment.objects.exists()


def test_empty_comment_without_javascript_redirects_with_the_message(login, member, proposed):
    response = login(member).post(charter_url("comment_create", 1), {"section": "purpose", "body": ""}, follow=True)

    assertContains(response, "This field is required.")
    assert not Comment.objects.exists()


def test_comment_on_a_ratified_version_is_refused_with_a_message(login, member, team, write_charter):
    """Say why and keep the text, though a ratified version shows no comment form: it was
    ratified while they typed."""
    write_charter(team, state=Charter.State.RATIFIED)

    response = login(member).post(charter_url("comment_create", 1), {"section": "purpose", "body": "Late"},
                                  **HTMX)

    assert response.status_code == 400
    assertContains(response, "Comments are closed on ratified versions", status_code=400)
    assertContains(response, "Late", status_code=400)
    assert not Comment.objects.exists()


@pytest.mark.parametrize("data", [
    {"section": "nonsense", "body": "Hello"},
    {"body": "Hello"},
    {"section": "purpose", "parent": "999", "body": "Hello"},
])
def test_unknown_section_or_parent_is_404(login, member, proposed, data):
    assert login(member).post(charter_url("comment_create", 1), data).status_code == 404
    assert not Comment.objects.exists()


def test_parent_from_another_version_is_404(login, member, team, write_charter, proposed):
    older = write_charter(team, number=2, state=Charter.State.RATIFIED)
    elsewhere = Comment.objects.create(charter=older, section="purpose", author=member, body="Old")

    response = login(member).post(charter_url("comment_create", 1),
                                  {"section": "purpose", "parent": str(elsewhere.pk), "body": "Hello"})

    assert response.status_code == 404


@pytest.mark.parametrize("resolver", ["member", "leader"])
def test_author_or_leader_resolves_a_thread(login, request, member, leader, proposed, resolver):
    thread = Comment.objects.create(charter=proposed, section="people", author=member, body="Be kinder")
    client = login(request.getfixturevalue(resolver))

    response = client.post(charter_url("comment_resolve", 1, thread.pk), {"resolved": "1"}, **HTMX)

    assert response.status_code == 200
    assertContains(response, '<span class="badge">resolved</span>', html=True)
    assertContains(response, "Reopen thread")
    thread.refresh_from_db()
    assert thread.resolved_at is not None
    assert thread.resolved_by == request.getfixturevalue(resolver)


def test_resolving_a_reply_resolves_its_thread_and_resolved_0_reopens(login, member, leader, proposed):
    thread = Comment.objects.create(charter=proposed, section="people", author=member, body="Be kinder")
    reply = Comment.objects.create(charter=proposed, section="people", author=leader, parent=thread, body="Yes")
    client = login(member)

    client.post(charter_url("comment_resolve", 1, reply.pk), {"resolved": "1"})
    thread.refresh_from_db()
    assert thread.resolved_at is not None

    response = client.post(charter_url("comment_resolve", 1, thread.pk), {"resolved": "0"})
    assertRedirects(response, charter_url("detail") + "#comments-people", fetch_redirect_response=False)
    thread.refresh_from_db()
    assert thread.resolved_at is None


def test_another_member_cannot_resolve_the_thread(login, member, make_user, add_member, team, proposed):
    thread = Comment.objects.create(charter=proposed, section="people", author=member, body="Be kinder")
    colleague = make_user("colleague@example.com", "Cora Colleague")
    add_member(team, colleague, "member")

    response = login(colleague).post(charter_url("comment_resolve", 1, thread.pk), {"resolved": "1"})

    assert response.status_code == 403
    thread.refresh_from_db()
    assert thread.resolved_at is None


def test_comment_of_another_version_cannot_be_resolved_here(login, leader, member, team, write_charter, proposed):
    older = write_charter(team, number=2, state=Charter.State.RATIFIED)
    elsewhere = Comment.objects.create(charter=older, section="purpose", author=member, body="Old")

    assert login(leader).post(charter_url("comment_resolve", 1, elsewhere.pk)).status_code == 404


# Consent and objections -----------------------------------------------------------------------------

def test_member_consents_with_htmx_and_gets_the_consent_panel(login, member, proposed):
    response = login(member).post(charter_url("respond", 1), read(proposed, kind="consent", reason=""), **HTMX)

    assert response.status_code == 200
    assert_fragment(response)
    assertContains(response, '<section id="consent"')
    assertContains(response, "1 consented · 0 objected")
    assertContains(response, "You said: <strong>Consent</strong>")
    assert Response.objects.get().member == member


def test_member_objects_without_javascript_and_is_redirected_with_a_message(login, member, proposed):
    response = login(member).post(charter_url("respond", 1),
                                  read(proposed, kind="objection", reason="Carers are missing"), follow=True)

    assertRedirects(response, charter_url("detail") + "#consent")
    assertContains(response, "Your response is recorded.")
    assertContains(response, "Carers are missing")
    assert Response.objects.get().kind == Response.Kind.OBJECTION


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_objection_without_reason_is_400_with_the_message(login, member, proposed, headers):
    response = login(member).post(charter_url("respond", 1), read(proposed, kind="objection", reason="  "),
                                  **headers)

    assert response.status_code == 400
    assertContains(response, "An objection needs a reason", status_code=400)
    assert ("<html" in response.content.decode()) is not bool(headers)
    assert not Response.objects.exists()


@pytest.mark.parametrize("data", [{"kind": "maybe"}, {}, {"kind": ""}])
def test_malformed_response_is_400(login, member, proposed, data):
    assert login(member).post(charter_url("respond", 1), read(proposed, **data), **HTMX).status_code == 400
    assert not Response.objects.exists()


def test_a_response_without_the_revision_read_is_400_with_a_message(login, member, proposed):
    response = login(member).post(charter_url("respond", 1), {"kind": "consent", "reason": ""}, **HTMX)

    assertContains(response, "missing the charter&#x27;s revision", status_code=400)
    assert not Response.objects.exists()


def test_facilitator_consents_like_a_member(login, facilitator, proposed):
    response = login(facilitator).post(charter_url("respond", 1), read(proposed, kind="consent"))

    assert response.status_code == 302
    assert Response.objects.get().member == facilitator


def test_changing_a_response_keeps_one_per_member(login, member, proposed):
    client = login(member)
    client.post(charter_url("respond", 1), read(proposed, kind="consent"))

    client.post(charter_url("respond", 1), read(proposed, kind="objection", reason="On reflection, no"))

    assert list(Response.objects.values_list("kind", "reason")) == [("objection", "On reflection, no")]


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_responding_to_a_draft_is_refused_with_the_reason(login, member, team, write_charter, headers):
    """Say why, even though a draft shows no consent form: it was withdrawn while they chose."""
    draft = write_charter(team, state=Charter.State.DRAFT)

    response = login(member).post(charter_url("respond", 1), read(draft, kind="consent"), **headers)

    assert response.status_code == 400
    assertContains(response, "You can respond only while the charter is proposed.", status_code=400)
    assert not Response.objects.exists()


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_a_response_to_text_changed_since_it_was_read_is_refused_and_a_second_submit_counts(
    login, leader, member, proposed, headers
):
    """The leader edits while the member reads: the response is not counted for words the member
    never saw. They are told, keep what they typed, and their next submit (now of the text as it
    is) goes through."""
    typed = read(proposed, kind="objection", reason="Carers are missing")
    services.update_people(charter=proposed, expected_version=1, people="We include carers")
    client = login(member)

    refused = client.post(charter_url("respond", 1), typed, **headers)

    assertContains(refused, "The charter changed after you opened it.", status_code=400)
    assertContains(refused, "Carers are missing", status_code=400)
    assert not Response.objects.exists()
    carried = re.search(r'name="revision" value="(\d+)"', refused.content.decode()).group(1)
    assert carried == str(Charter.objects.get().revision)

    again = client.post(charter_url("respond", 1), {**typed, "revision": carried}, **headers)

    assert again.status_code == (200 if headers else 302)
    response = Response.objects.get()
    assert (response.kind, response.revision) == (Response.Kind.OBJECTION, Charter.objects.get().revision)


# Answering objections -------------------------------------------------------------------------------

@pytest.fixture
def objection(proposed, member) -> Response:
    return Response.objects.create(charter=proposed, member=member, kind=Response.Kind.OBJECTION,
                                   reason="Carers are missing")


def test_leader_answers_an_objection(login, leader, objection):
    Charter.objects.filter(pk=objection.charter_id).update(revision=F("revision") + 1)  # amended since the objection
    response = login(leader).post(charter_url("answer", 1, objection.pk),
                                  {"answer": "amended", "text": "Added carers to who we serve"}, follow=True)

    assertRedirects(response, charter_url("detail") + "#consent")
    assertContains(response, escape("Answered Max Member's objection."))
    objection.refresh_from_db()
    assert (objection.answer, objection.answered_by) == ("amended", response.wsgi_request.user)


def test_leader_answers_with_htmx_and_sees_the_answer_in_the_panel(login, leader, objection):
    response = login(leader).post(charter_url("answer", 1, objection.pk),
                                  {"answer": "kept", "text": "Carers are in the people section"}, **HTMX)

    assert response.status_code == 200
    assert_fragment(response)
    assertContains(response, "Kept it, with an explanation")
    assertContains(response, "Carers are in the people section")


@pytest.mark.parametrize("data", [{"answer": "kept"}, {"text": "Because"}, {"answer": "shrug", "text": "x"}])
def test_answer_without_choice_or_explanation_is_refused(login, leader, objection, data):
    """Without JavaScript the refusal is now the page again (400) with the reason, no longer a
    redirect with a message: like a refused response, the typed answer stays on screen."""
    client = login(leader)

    htmx = client.post(charter_url("answer", 1, objection.pk), data, **HTMX)
    plain = client.post(charter_url("answer", 1, objection.pk), data)

    assert htmx.status_code == 400
    assert_fragment(htmx)
    assertContains(htmx, "Choose an answer and explain it.", status_code=400)
    assertContains(plain, "<html", status_code=400)
    assertContains(plain, "Choose an answer and explain it.", status_code=400)
    objection.refresh_from_db()
    assert objection.answer == ""


def test_a_consent_is_not_answered(login, leader, member, proposed):
    consent = Response.objects.create(charter=proposed, member=member, kind=Response.Kind.CONSENT)

    response = login(leader).post(charter_url("answer", 1, consent.pk), {"answer": "kept", "text": "x"}, **HTMX)

    assert response.status_code == 400
    assertContains(response, "Only objections are answered; this response is now a consent.", status_code=400)


def test_response_of_another_version_is_404(login, leader, member, team, write_charter, proposed):
    older = write_charter(team, number=2, state=Charter.State.RATIFIED)
    elsewhere = Response.objects.create(charter=older, member=member, kind="objection", reason="Old")

    assert login(leader).post(charter_url("answer", 1, elsewhere.pk), {"answer": "kept", "text": "x"}).status_code \
        == 404


# Lifecycle ------------------------------------------------------------------------------------------

def test_leader_starts_the_first_charter(login, leader, team):
    response = login(leader).post(charter_url("start"), follow=True)

    assertRedirects(response, charter_url("detail") + "#purpose")
    assertContains(response, "Your draft charter is ready.")
    assert Charter.objects.get().state == Charter.State.DRAFT


def test_start_when_a_charter_exists_says_to_amend(login, leader, team, write_charter):
    write_charter(team, state=Charter.State.RATIFIED)

    response = login(leader).post(charter_url("start"), follow=True)

    assertContains(response, "This team already has a charter. Amend it instead.")
    assert Charter.objects.count() == 1


def test_propose_a_complete_draft(login, leader, team, write_charter):
    write_charter(team, state=Charter.State.DRAFT)

    response = login(leader).post(charter_url("propose", 1), follow=True)

    assertContains(response, "Proposed to the team.")
    assert Charter.objects.get().state == Charter.State.PROPOSED


def test_propose_refused_when_incomplete_says_what_is_missing(login, leader, team, write_charter):
    draft = write_charter(team, state=Charter.State.DRAFT, purpose_statement="", process="")
    NonNegotiable.objects.filter(charter=draft).update(standard="")

    response = login(leader).post(charter_url("propose", 1))

    # The page comes back with the reason beside the propose form (which keeps a typed closing date).
    assertContains(response, "Not ready to propose. Still missing: Purpose in one line; "
                             "Process: rituals, cadence, definition of done; "
                             "Every non-negotiable has its standard.", status_code=400)
    assert Charter.objects.get().state == Charter.State.DRAFT


def test_withdraw_takes_a_proposal_back_to_draft_keeping_responses(login, leader, objection):
    response = login(leader).post(charter_url("withdraw", 1), CONFIRMED, follow=True)

    assertContains(response, "Taken back to draft.")
    assert Charter.objects.get().state == Charter.State.DRAFT
    assert Response.objects.filter(pk=objection.pk).exists()


def test_ratify_refused_with_an_open_objection_shows_the_message(login, leader, objection):
    response = login(leader).post(charter_url("ratify", 1), follow=True)

    assertRedirects(response, charter_url("detail"))
    assertContains(response, "1 objection still needs your answer before the charter can be ratified.")
    assert Charter.objects.get().state == Charter.State.PROPOSED


def test_ratify_after_the_objection_is_answered_supersedes_the_active_version(login, leader, member, team,
                                                                             write_charter):
    write_charter(team, number=1, state=Charter.State.RATIFIED)
    write_charter(team, number=2, state=Charter.State.PROPOSED)
    Response.objects.create(charter=Charter.objects.get(number=2), member=member, kind="objection", reason="Hmm",
                            answer="kept", answer_text="Because")

    # Others have not responded: the leader confirms knowingly (see test_consent_round.py).
    response = login(leader).post(charter_url("ratify", 2), {"despite_gaps": "1"}, follow=True)

    assertContains(response, escape("Ratified. Version 2 is now the team's active charter."))
    assert dict(Charter.objects.values_list("number", "state")) == {1: "superseded", 2: "ratified"}


def test_discard_deletes_the_draft(login, leader, team, write_charter):
    write_charter(team, state=Charter.State.DRAFT)

    response = login(leader).post(charter_url("discard", 1), CONFIRMED, follow=True)

    assertContains(response, "Draft discarded.")
    assertContains(response, "No charter yet")
    assert not Charter.objects.exists()


def test_discarding_a_ratified_version_is_refused(login, leader, team, write_charter):
    write_charter(team, state=Charter.State.RATIFIED)

    response = login(leader).post(charter_url("discard", 1), follow=True)

    assertContains(response, "can no longer change")
    assert Charter.objects.get().state == Charter.State.RATIFIED


def test_amend_copies_the_active_version_into_a_draft(login, leader, team, write_charter):
    write_charter(team, state=Charter.State.RATIFIED)

    response = login(leader).post(charter_url("amend"), {"note": "Sharper purpose"}, follow=True)

    assertContains(response, "Amendment started as draft version 2.")
    assertContains(response, "Sharper purpose")
    draft = Charter.objects.get(number=2)
    assert (draft.state, draft.based_on.number) == (Charter.State.DRAFT, 1)
    assert draft.non_negotiables.count() == 2


def test_amend_without_a_ratified_charter_is_refused(login, leader, team, write_charter):
    write_charter(team, state=Charter.State.DRAFT)

    response = login(leader).post(charter_url("amend"), follow=True)

    assertContains(response, "There is no ratified charter to amend yet.")
    assert Charter.objects.count() == 1


@pytest.mark.parametrize("action", ["propose", "withdraw", "ratify", "discard"])
def test_transition_of_a_nonexistent_version_goes_back_to_the_charter_and_says_why(login, leader, proposed, action):
    """No longer a 404: a version that does not exist (discarded meanwhile, say) sends the leader
    back to the charter page with the reason, and nothing changes."""
    response = login(leader).post(charter_url(action, 9), follow=True)

    assertRedirects(response, charter_url("detail"))
    assertContains(response, "This version no longer exists: it was discarded.")
    assert list(Charter.objects.values_list("number", "state")) == [(1, Charter.State.PROPOSED)]


def test_htmx_transition_of_a_nonexistent_version_redirects_the_whole_page(login, leader, proposed):
    response = login(leader).post(charter_url("propose", 9), **HTMX)

    assert response["HX-Redirect"] == charter_url("detail")


def test_leader_sees_answer_forms_only_for_open_objections(login, leader, member, facilitator, proposed):
    Response.objects.create(charter=proposed, member=member, kind="objection", reason="Open one")
    Response.objects.create(charter=proposed, member=facilitator, kind="objection", reason="Answered one",
                            answer="kept", answer_text="Explained", answered_by=leader)

    response = login(leader).get(charter_url("detail"))

    assertContains(response, escape("Answer Max Member's objection"))
    assertNotContains(response, escape("Answer Fay Facilitator's objection"))
    assertContains(response, "Explained")


def test_answer_to_an_objection_changed_meanwhile_is_refused(login, leader, member, objection):
    # The leader read "Carers are missing"; the member then sharpened the objection.
    Response.objects.filter(pk=objection.pk).update(reason="Carers and interpreters are missing")

    response = login(leader).post(charter_url("answer", 1, objection.pk),
                                  {"answer": "kept", "text": "Carers are covered", "seen_reason": "Carers are missing"},
                                  **HTMX)

    assertContains(response, "changed their objection while you were answering", status_code=400)
    objection.refresh_from_db()
    assert objection.answer == ""


def test_answer_form_carries_the_objection_as_read(login, leader, objection):
    page = login(leader).get(charter_url("detail"))

    assertContains(page, '<input type="hidden" name="seen_reason" value="Carers are missing" '
                         f'id="id_answer{objection.pk}_seen_reason">', html=True)


def test_each_answer_form_reads_as_drawn_alone_though_blank_ones_share_one_drawing(login, leader, member, facilitator,
                                                                                 proposed):
    """Blank, the answers to open objections are written into one drawing (`DrawnAlike`) with each objection's id,
    member and reason, escaped: each reads as its own form drawn alone would."""
    from django.template.loader import render_to_string

    from charters.forms import AnswerForm

    member.display_name = 'Max "<Member>" & Co'
    member.save(update_fields=["display_name"])
    reasons = {member: 'Line one\r\nLine "two" <b>&amp;</b> _stand-in-objector_', facilitator: "Plain"}
    objections = [Response.objects.create(charter=proposed, member=person, kind="objection", reason=reason)
                  for person, reason in reasons.items()]

    page = login(leader).get(charter_url("detail")).content.decode()

    for objection in objections:
        objection.refresh_from_db()
        assert render_to_string("form_fields.html", {"form": AnswerForm.for_objection(objection)}) in page


def test_responses_given_before_an_edit_are_marked_for_everyone(login, leader, member, objection):
    client = login(leader)
    assertNotContains(client.get(charter_url("detail")), "given to an earlier text")

    edit = client.get(charter_url("section_edit", 1, "people"))
    version = re.search(rb'name="version" value="(\d+)"', edit.content).group(1).decode()
    client.post(charter_url("section_edit", 1, "people"), {"version": version, "people": "We include carers"})

    assertContains(client.get(charter_url("detail")), "given to an earlier text")
    member_page = login(member).get(charter_url("detail"))
    assertContains(member_page, "The charter changed after you responded.")
