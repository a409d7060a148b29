"""The charter's sections are drawn once per version of their text and kept (`{% shared %}`).

What every reader with the same controls reads alike is kept; whatever is one reader's — their
controls, their CSRF token, a form holding what they typed — is never served to another, and a
write through the services shows at once, because it makes a new version of the key.
"""

from __future__ import annotations

import re

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.template.defaultfilters import linebreaksbr
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils.html import escape as html_escape
from django.utils.safestring import mark_safe

from alignment.drawn_alike import FIELDS
from alignment.permissions import reader_access
from charters import selectors, services
from charters.forms import CommentForm
from charters.models import Boundary, Charter, Comment, Goal, KeyResult, NonNegotiable, Section
from charters.selectors import DETAIL
from tests.charters.conftest import ORG, TEAM, charter_url

pytestmark = pytest.mark.django_db

EDIT_CONTROL = "Edit purpose"


@pytest.fixture
def drawn(monkeypatch) -> list[str]:
    """The name of each kept part drawn from now on (rather than found kept), in order."""
    from alignment import fragments

    names: list[str] = []
    drawing = fragments.drawn_and_kept
    monkeypatch.setattr(fragments, "drawn_and_kept", lambda key, render: names.append(key.split(":")[3]) or
                        drawing(key, render))
    return names


def _drawn_after_a_reading(reader, request) -> list[str]:
    """`reader` reads the charter once (drawing or finding every part), then the kept parts drawn from there on
    (`drawn`)."""
    reader.get(charter_url("detail"))
    return request.getfixturevalue("drawn")


def _sections(drawn: list[str]) -> list[str]:
    """The charter's sections among the kept parts drawn, in order (not their threads or the consent panel)."""
    sections = {f"charter-{section}" for section in Section.values}
    return [part for part in drawn if part in sections]


def _goals(html: str) -> str:
    return html[html.index('<section id="goals"'):html.index("</section>", html.index('<section id="goals"'))]


def test_a_reader_without_controls_never_gets_an_editors_section(login, leader, member, team, write_charter):
    write_charter(team, people="Who we are")
    as_leader = login(leader).get(charter_url("detail")).content.decode()  # kept as the editor sees it
    as_member = Client()
    as_member.force_login(member)
    page = as_member.get(charter_url("detail")).content.decode()

    assert EDIT_CONTROL in as_leader and "item_action" not in page
    assert EDIT_CONTROL not in page and "+ Add goal" not in page and "Who we are" in page


def test_an_edit_through_the_service_shows_to_the_next_reader_at_once(login, leader, member, team, write_charter):
    draft = write_charter(team)
    login(member).get(charter_url("detail"))
    item = NonNegotiable.objects.get(charter=draft, position=1)
    item.title = "Patients first, always"

    services.update_item(charter=draft, item=item, expected_version=item.version)

    assert "Patients first, always" in login(member).get(charter_url("detail")).content.decode()


def test_an_edit_of_the_text_leaves_the_threads_kept_and_a_comment_draws_its_own_again(
        login, leader, member, team, write_charter, request):
    draft = write_charter(team)
    services.add_comment(charter=draft, section="purpose", author=member, body="Max's question")
    reader = login(member)
    drawn = _drawn_after_a_reading(reader, request)

    item = NonNegotiable.objects.get(charter=draft, position=1)
    item.title = "Patients first, always"
    services.update_item(charter=draft, item=item, expected_version=item.version)
    assert "Patients first, always" in reader.get(charter_url("detail")).content.decode()
    assert "charter-non_negotiables" in drawn and "charter-comments" not in drawn  # the threads as they were

    drawn.clear()
    services.add_comment(charter=draft, section="purpose", author=member, body="And carers?")
    assert "And carers?" in reader.get(charter_url("detail")).content.decode()
    assert "charter-comments" in drawn


def test_a_comment_draws_its_own_sections_threads_again_and_no_others(login, member, team, write_charter, request):
    draft = write_charter(team)
    services.add_comment(charter=draft, section="goals", author=member, body="About the goals")
    reader = login(member)
    drawn = _drawn_after_a_reading(reader, request)

    services.add_comment(charter=draft, section="purpose", author=member, body="And carers?")
    page = reader.get(charter_url("detail")).content.decode()

    assert "And carers?" in page and "About the goals" in page
    assert drawn == ["charter-comments"]  # the purpose's threads; the goals' and the four others' stay kept

    drawn.clear()
    services.add_comment(charter=draft, section="goals", author=member, body="Second thought on the goals",
                         parent=draft.comments.get(section="goals"))
    assert "Second thought on the goals" in reader.get(charter_url("detail")).content.decode()
    assert drawn == ["charter-comments"]  # a reply draws its thread's section


def test_a_refused_comment_stays_its_writers_while_the_other_sections_threads_stay_kept(
        login, leader, member, team, write_charter, request):
    draft = write_charter(team)
    services.add_comment(charter=draft, section="goals", author=member, body="About the goals")
    reader = Client()
    reader.force_login(member)
    drawn = _drawn_after_a_reading(reader, request)

    typed = "Lena's private thought " + "x" * 5000  # over the 5,000 characters a comment may hold
    refused = login(leader).post(charter_url("comment_create", draft.number), {"section": "purpose", "body": typed})

    assert refused.status_code == 400 and typed.replace("'", "&#x27;") in refused.content.decode()
    assert "charter-comments" not in drawn  # the goals' threads and the four others' found kept
    assert "private thought" not in reader.get(charter_url("detail")).content.decode()  # for Lena alone

    form = CommentForm.for_section("purpose", {"section": "purpose", "body": typed})
    assert not form.is_valid()
    page = selectors.charter_page(access=reader_access(leader, ORG, TEAM), charter=draft, comment_form=form)
    kept = {section for section, version in page.shared_versions["comments"].items() if version is not None}
    assert kept == set(Section.values) - {"purpose"}


def test_an_edit_of_a_goal_or_a_key_result_draws_the_goals_again_and_no_other_section(login, member, team,
                                                                                      write_charter, request):
    draft = write_charter(team)
    reader = login(member)
    drawn = _drawn_after_a_reading(reader, request)

    goal = Goal.objects.get(charter=draft, position=1)
    goal.objective = "Fewer readmissions"
    services.update_item(charter=draft, item=goal, expected_version=goal.version)
    assert "Fewer readmissions" in _goals(reader.get(charter_url("detail")).content.decode())
    assert _sections(drawn) == ["charter-goals"]

    drawn.clear()
    kr = KeyResult.objects.filter(goal=goal).order_by("position").first()
    kr.metric = "Readmissions within 30 days"
    services.update_item(charter=draft, item=kr, expected_version=kr.version)
    assert "Readmissions within 30 days" in _goals(reader.get(charter_url("detail")).content.decode())
    assert _sections(drawn) == ["charter-goals"]


def test_a_comment_changed_without_a_service_shows_to_the_next_reader(login, member, team, write_charter):
    draft = write_charter(team)
    services.add_comment(charter=draft, section="purpose", author=member, body="Max's question")
    reader = login(member)
    assert "Max&#x27;s question" in reader.get(charter_url("detail")).content.decode()

    draft.comments.update(body="Edited in the admin")  # the admin writes the row itself

    assert "Edited in the admin" in reader.get(charter_url("detail")).content.decode()


def test_new_progress_and_a_renamed_owner_show_in_the_kept_goals(login, leader, member, team, write_charter):
    active = write_charter(team, state=Charter.State.RATIFIED)
    login(member).get(charter_url("detail"))
    kr = KeyResult.objects.filter(goal__charter=active).order_by("goal__position", "position").first()
    owner = Goal.objects.get(charter=active, position=1).owner

    services.record_progress(key_result=kr, actor=leader, value=77, confidence="on_track")
    owner.display_name = "Renamed Owner"
    owner.save(update_fields=["display_name"])

    goals = _goals(login(member).get(charter_url("detail")).content.decode())
    assert "77%" in goals and "Renamed Owner" in goals


def test_a_reading_corrected_without_a_service_shows_in_the_kept_goals(login, leader, member, team, write_charter):
    """Staff may correct a reading in the admin, which keeps its id: the goals are kept per what it says."""
    from charters.models import KeyResultProgress

    active = write_charter(team, state=Charter.State.RATIFIED)
    kr = KeyResult.objects.filter(goal__charter=active).order_by("goal__position", "position").first()
    services.record_progress(key_result=kr, actor=leader, value=77, confidence="on_track", note="Counted by hand")
    assert "Counted by hand" in _goals(login(member).get(charter_url("detail")).content.decode())  # drawn, kept

    KeyResultProgress.objects.filter(lineage_id=kr.lineage_key).update(note="Counted from the rota")

    assert "Counted from the rota" in _goals(login(member).get(charter_url("detail")).content.decode())


def test_each_reader_gets_their_own_token_in_the_kept_forms(login, leader, team, write_charter, make_user,
                                                            add_member):
    write_charter(team)
    co_leader = make_user("co@example.com", "Cora Co-leader")
    add_member(team, co_leader, "leader")
    secrets = []
    for person in (leader, co_leader):
        client = Client(enforce_csrf_checks=True)
        client.force_login(person)
        html = client.get(charter_url("detail")).content.decode()
        tokens = {_unmask_cipher_token(t) for t in re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)}
        assert tokens == {client.cookies["csrftoken"].value}  # every form on the page, kept parts included
        secrets.append(tokens)

    assert secrets[0] != secrets[1]


def test_what_one_person_typed_into_a_failed_progress_form_stays_theirs(login, leader, team, write_charter,
                                                                        make_user, add_member):
    active = write_charter(team, state=Charter.State.RATIFIED)
    kr = KeyResult.objects.filter(goal__charter=active).order_by("goal__position", "position").first()
    co_leader = make_user("co@example.com", "Cora Co-leader")
    add_member(team, co_leader, "leader")

    refused = login(leader).post(charter_url("progress", 1, kr.pk),
                                 {"value": "", "confidence": "on_track", "note": "Lena's private aside"})
    assert refused.status_code == 400 and "Lena&#x27;s private aside" in refused.content.decode()

    other = Client()
    other.force_login(co_leader)
    assert "private aside" not in other.get(charter_url("detail")).content.decode()


def test_kept_threads_show_new_comments_and_each_readers_own_resolve_control(login, leader, member, team,
                                                                             write_charter, make_user, add_member):
    draft = write_charter(team)
    other = make_user("other@example.com", "Olive Other")
    add_member(team, other, "member")
    services.add_comment(charter=draft, section="purpose", author=member, body="Max's question")

    as_author = login(member).get(charter_url("detail")).content.decode()
    as_other = Client()
    as_other.force_login(other)
    page = as_other.get(charter_url("detail")).content.decode()

    assert "Max&#x27;s question" in page
    assert "Resolve thread" in as_author and "Resolve thread" not in page  # the author may resolve; Olive may not

    services.add_comment(charter=draft, section="purpose", author=other, body="Olive's answer",
                         parent=draft.comments.get())
    assert "Olive&#x27;s answer" in as_other.get(charter_url("detail")).content.decode()


def test_each_blank_comment_and_reply_form_reads_as_if_drawn_alone(login, leader, member, team, write_charter,
                                                                   make_user, add_member):
    """The page draws each kind of blank form once and writes in each section, thread and author
    (`alignment.drawn_alike`): every form must read as the form drawn on its own, the author's name escaped."""
    draft = write_charter(team)
    odd = make_user("odd@example.com", 'Ann <b>"&"</b> Odd')
    add_member(team, odd, "member")
    for section, author in (("purpose", member), ("goals", odd)):
        services.add_comment(charter=draft, section=section, author=author, body="A question")

    html = login(leader).get(charter_url("detail")).content.decode()

    for thread in draft.comments.select_related("author"):
        alone = render_to_string(FIELDS, {"form": CommentForm.for_reply_to(
            section=thread.section, parent=thread.pk, author=CommentForm.replied_to(thread))})
        assert alone in html
    assert "Reply to Ann &lt;b&gt;&quot;&amp;&quot;&lt;/b&gt; Odd" in html
    for section in Section.values:
        assert render_to_string(FIELDS, {"form": CommentForm.for_section(section)}) in html
    assert "stand-in" not in html


def test_each_thread_and_reply_reads_as_if_drawn_alone(login, leader, member, team, write_charter, make_user,
                                                      add_member):
    """Each comment thread and reply is written into one drawing per shape (`PartsAlike`: resolved or not, whether the
    reader may reply and resolve it), drawn once a process. Every one must read as its partial drawn on its own with
    its values, for each reader: an odd name and words escaped, line breaks kept, someone who left marked, a resolved
    thread reopened, a thread the reader may not resolve without the control."""
    from datetime import UTC, datetime

    from django.utils.timezone import localtime

    draft = write_charter(team)
    odd = make_user("odd@example.com", 'Ann <b>"&"</b> Odd')
    add_member(team, odd, "member")
    asked = services.add_comment(charter=draft, section="purpose", author=odd, body="Is <this> right?\nSecond line")
    answered = services.add_comment(charter=draft, section="purpose", author=member, body="Yes & no", parent=asked)
    settled = services.add_comment(charter=draft, section="goals", author=member, body="_stand-in-comment-body_")
    Comment.objects.filter(pk=settled.pk).update(resolved_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC), resolved_by=leader)
    member.memberships.get(team=team).delete()  # Max left the team: his words stay, under his name, marked

    def alone(reader_html: str, thread, replies, *, resolvable: bool) -> str:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', reader_html).group(1)
        version = [ORG, TEAM, draft.number]

        def said(comment, author, former):
            when = localtime(comment.created_at).strftime("%-d %b %H:%M")
            return {"pk": comment.pk, "author": author, "former": former, "when": when,
                    "body": linebreaksbr(comment.body)}

        former = mark_safe(' <span class="badge former">former member</span>')  # noqa: S308
        drawn_replies = "".join(render_to_string(f"{DETAIL}#comment-reply", {"reply": said(reply, "Max Member", former)})
                                for reply in replies)
        thread.refresh_from_db()
        return render_to_string(f"{DETAIL}#comment-thread", {"csrf_token": token, "thread": {
            **said(thread, thread.author.name, "" if thread.author == odd else former), "section": thread.section,
            "resolved": thread.resolved_at is not None, "replies": mark_safe(drawn_replies),  # noqa: S308
            "reply_form": render_to_string(FIELDS, {"form": CommentForm.for_reply_to(
                section=thread.section, parent=thread.pk, author=CommentForm.replied_to(thread))}),
            "comment_url": reverse("charters:comment_create", args=version), "resolvable": resolvable,
            "resolve_url": reverse("charters:comment_resolve", args=[*version, thread.pk])}})

    as_leader = login(leader).get(charter_url("detail")).content.decode()
    as_odd = login(odd).get(charter_url("detail")).content.decode()
    for html, mine in ((as_leader, True), (as_odd, False)):
        assert alone(html, asked, [answered], resolvable=True) in html
        assert alone(html, settled, [], resolvable=mine) in html  # only a leader or its author may reopen it
        assert "stand-in" not in html.replace(html_escape("_stand-in-comment-body_"), "")
    assert "<strong>Ann &lt;b&gt;&quot;&amp;&quot;&lt;/b&gt; Odd</strong>" in as_leader
    assert "Is &lt;this&gt; right?<br>Second line" in as_leader and "Yes &amp; no" in as_leader
    assert "Reopen thread" in as_leader and "Reopen thread" not in as_odd
    assert as_leader.count("former member") == 2  # Max's reply and his thread


def test_each_key_results_progress_form_reads_as_if_drawn_alone(login, leader, team):
    """Each blank progress form under a key result is written into one drawing per shape (`DrawnAlike`): which
    confidence is checked, and whether it has a value and a unit. Every form must read as the form drawn on its own,
    its unit escaped."""
    from decimal import Decimal

    from charters.forms import ProgressForm
    from tests.charters.factories import ratified_charter

    charter = ratified_charter(team, leader, goals=5)
    key_results = list(KeyResult.objects.filter(goal__charter=charter).order_by("goal__position", "pk"))
    KeyResult.objects.filter(pk=key_results[0].pk).update(unit='<b>"&"</b> %', current_value=None)  # no value
    KeyResult.objects.filter(pk=key_results[1].pk).update(unit="")
    for kr, value, confidence in ((key_results[2], "12.50", "on_track"), (key_results[3], 7, "off_track"),
                                  (key_results[4], Decimal("1E+1"), "at_risk")):
        services.record_progress(key_result=kr, actor=leader, value=value, confidence=confidence)

    html = login(leader).get(charter_url("detail")).content.decode()

    key_results = list(KeyResult.objects.filter(goal__charter=charter))
    selectors.attach_latest_progress(key_results, of_charter=charter.pk)  # where each stands, as the page reads it
    assert len(key_results) == 5
    for kr in key_results:
        alone = render_to_string(FIELDS, {"form": ProgressForm.for_key_result(kr)})
        assert alone in html
    assert "Value now (&lt;b&gt;&quot;&amp;&quot;&lt;/b&gt; %)" in html
    assert html.count('type="radio" name="confidence" value="on_track" required id="') == 5
    assert html.count(" checked>") >= 3
    assert "stand-in" not in html


def test_each_members_consent_form_reads_as_if_drawn_alone(login, leader, member, facilitator, team):
    """A member's consent form is written into one drawing per shape (`DrawnAlike`): which kind is checked, and
    whether there is a reason. Each must read as the form drawn on its own for its reader, with the text's revision:
    no response yet, a consent without a reason, an objection whose reason holds markup and two lines."""
    from charters.forms import ResponseForm
    from charters.models import Response
    from tests.charters.factories import complete_charter

    charter = services.propose(charter=complete_charter(team, leader), actor=leader)

    def reads_as_drawn_alone(person, checked: str | None) -> str:
        html = login(person).get(charter_url("detail")).content.decode()
        mine = Response.objects.filter(charter=charter, member=person).first()
        alone = render_to_string(FIELDS, {"form": ResponseForm(instance=mine, initial={"revision": charter.revision})})
        assert alone in html, person.email
        assert f'name="revision" value="{charter.revision}"' in alone
        assert re.findall(r'value="(\w+)" required id="id_kind_\d" checked>', alone) == ([checked] if checked else [])
        assert "stand-in" not in html
        return alone

    reads_as_drawn_alone(member, None)
    services.respond(charter=charter, member=member, kind=Response.Kind.CONSENT, reason="")
    services.respond(charter=charter, member=facilitator, kind=Response.Kind.OBJECTION,
                     reason='Ann\'s <b>"&"</b> rule\r\nis missing & vague')
    charter.refresh_from_db()
    reads_as_drawn_alone(member, "consent")
    assert "Ann&#x27;s &lt;b&gt;&quot;&amp;&quot;&lt;/b&gt; rule" in reads_as_drawn_alone(facilitator, "objection")


def test_each_items_controls_read_as_if_drawn_alone(login, leader, team, write_charter):
    """An editor's controls beside each item are each drawn once and written in with each item's kind, section, id
    and name (`PartsAlike`): every item's must read as the partials drawn on their own for it (edit, up but for the
    first, down but for the last, remove), with its name escaped and the reader's token in each form."""
    draft = write_charter(team, rows=3)
    NonNegotiable.objects.filter(charter=draft, position=1).update(title='Ann\'s <b>"&"</b> rule _stand-in-kind_')
    client = login(leader)
    html = client.get(charter_url("detail")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    kinds = {"non_negotiable": ("non_negotiables", "title", NonNegotiable.objects.filter(charter=draft)),
             "boundary": ("boundaries", "area", Boundary.objects.filter(charter=draft)),
             "goal": ("goals", "objective", Goal.objects.filter(charter=draft))}
    lists = [(kind, *kinds[kind][:2], list(rows.order_by("position", "pk"))) for kind, rows in
             ((kind, found) for kind, (_, _, found) in kinds.items())]
    lists += [("key_result", "goals", "metric", list(goal.key_results.order_by("position", "pk")))
              for goal in Goal.objects.filter(charter=draft).order_by("position", "pk")]
    drawn = 0
    for kind, section, named_by, items in lists:
        for index, item in enumerate(items):
            version = [ORG, TEAM, draft.number, kind, item.pk]
            context = {"charter": draft, "kind": kind, "section_id": section, "label": getattr(item, named_by),
                       "csrf_token": token, "item": {
                           "pk": item.pk, "edit_url": reverse("charters:item_edit", args=version),
                           **{f"{action}_url": reverse("charters:item_action", args=[*version, action])
                              for action in ("up", "down", "delete")}}}
            actions = ["edit", *(["up"] if index > 0 else []), *(["down"] if index < len(items) - 1 else []), "delete"]
            alone = "".join(render_to_string(f"{DETAIL}#item-{action}", context) for action in actions)
            assert f'<div class="item-controls">{alone}</div>' in html, (kind, index)
            drawn += 1
    # Every kind, each list long enough for a first, a last and (three of each kind) one between.
    assert len(lists) == 6 and all(len(items) >= 2 for *_, items in lists) and drawn == 15
    assert "Ann&#x27;s &lt;b&gt;&quot;&amp;&quot;&lt;/b&gt; rule _stand-in-kind_" in html
    assert "stand-in-item" not in html and "stand-in-label" not in html


def test_a_first_reading_looks_for_every_kept_part_and_value_in_two_round_trips(login, member, team, write_charter,
                                                                                discuss, monkeypatch):
    """The version's items, its prose and an amendment's changes in one; the page's kept parts, each section's
    comment threads included, in another: not one round trip each."""
    from alignment import fragments

    active = write_charter(team, state=Charter.State.RATIFIED)
    draft = write_charter(team, number=2, based_on=active)
    discuss(draft, rows=2)
    looked_for = []
    real = fragments.cache

    class Counting:
        def __getattr__(self, name):
            found = getattr(real, name)
            if name in ("get", "get_many"):
                return lambda *args, **kwargs: looked_for.append(name) or found(*args, **kwargs)
            return found

    monkeypatch.setattr(fragments, "cache", Counting())
    fragments.near.clear()
    client = login(member)
    assert "Comment on this section" in client.get(charter_url("detail")).content.decode()
    assert looked_for == ["get_many", "get_many"]


def test_an_amendments_changes_and_its_two_versions_compared_are_kept_apart(login, leader, team, write_charter):
    """The amendment's page keeps its changes with its goals' owners; the comparison page keeps the same two
    versions compared without them: each reads its own, in either order."""
    active = write_charter(team, state=Charter.State.RATIFIED)
    write_charter(team, number=2, based_on=active, purpose_statement="Care closer to home")
    client = login(leader)
    for url in (charter_url("detail"), charter_url("diff", query="a=1&b=2"), charter_url("detail")):
        response = client.get(url)
        assert response.status_code == 200 and "closer" in response.content.decode()


@pytest.mark.parametrize("rows", [2, 20])
def test_a_ratified_versions_items_are_kept_and_only_its_owners_read_again(login, leader, team, write_charter,
                                                                           django_assert_num_queries, rows):
    from charters.selectors import kept_content

    active = write_charter(team, state=Charter.State.RATIFIED, rows=rows)
    first = kept_content(active)
    with django_assert_num_queries(1):  # the goals' owners
        again = kept_content(active)

    assert [g.owner.name for g in again.goals] == [g.owner.name for g in first.goals]
    assert [kr.metric for g in again.goals for kr in g.key_results_list] == \
        [kr.metric for g in first.goals for kr in g.key_results_list]
    assert [i.title for i in again.non_negotiables] == [i.title for i in first.non_negotiables]


@pytest.mark.parametrize("rows", [2, 20])
def test_an_htmx_comment_answers_with_its_threads_only_and_is_flat(login, member, team, write_charter, discuss,
                                                                   django_assert_num_queries, rows):
    draft = write_charter(team, rows=rows)
    discuss(draft, rows=rows)
    client = login(member)

    # 1 user, 2 the person's memberships (with their teams), 3 the version, 4 savepoint, 5 the version
    # locked, 6 the comment; the leaders told (`notices.tell_commented`): 7 the team's memberships with their
    # people, 8 savepoint, 9 deliveries already claimed, 10 their preferences, 11 savepoint, 12 claim (one
    # INSERT), 13 release, 14 their notifications (one INSERT … SELECT), 15 release; 16 release the savepoint,
    # 17 the version's threads
    with django_assert_num_queries(17) as queries:
        response = client.post(charter_url("comment_create", 1), {"section": "purpose", "body": "And carers?"},
                               HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="comments-purpose"')
    assert "And carers?" in html and 'id="goals"' not in html
    assert not any("charters_goal" in q["sql"] or "charters_keyresult" in q["sql"] for q in queries.captured_queries)


# The consent panel: kept per role, around each reader's own answer and response ------------------

@pytest.fixture
def round_with_hidden_stances(team, leader, member, facilitator, people) -> Charter:
    from charters.models import Response
    from tests.charters.factories import complete_charter

    people(team, 1)
    charter = services.propose(charter=complete_charter(team, leader), actor=leader, stances_hidden=True,
                               quorum_percent=50)
    services.respond(charter=charter, member=member, kind=Response.Kind.CONSENT, reason="")
    services.respond(charter=charter, member=facilitator, kind=Response.Kind.OBJECTION, reason="Carers are left out")
    return charter


def _reader(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_a_leaders_kept_consent_panel_never_reaches_a_member(login, leader, member, facilitator,
                                                             round_with_hidden_stances):
    as_leader = login(leader).get(charter_url("detail")).content.decode()  # kept as the leaders see it
    for person in (member, facilitator):
        page = _reader(person).get(charter_url("detail")).content.decode()

        assert "Change the quorum" in as_leader and "Change the quorum" not in page
        assert "Answer objection" in as_leader and "Answer objection" not in page
        assert "Remind who hasn" in as_leader and "Remind who hasn" not in page
        assert "<strong>Fay Facilitator</strong>" in as_leader and "<strong>Fay Facilitator</strong>" not in page
        assert "Not yet responded: Person 0" in as_leader and "Not yet responded" not in page
        assert "2 of 3 have responded" in page


def test_one_members_response_never_reaches_another_through_the_kept_panel(login, member, facilitator, people,
                                                                           round_with_hidden_stances):
    as_objector = login(facilitator).get(charter_url("detail")).content.decode()
    as_member = _reader(member).get(charter_url("detail")).content.decode()
    as_silent = _reader(people(round_with_hidden_stances.team, 1)[0]).get(charter_url("detail")).content.decode()

    assert "You said: <strong>Objection</strong>" in as_objector and "Carers are left out" in as_objector
    assert "You said: <strong>Consent</strong>" in as_member
    assert "Carers are left out" not in as_member and "Objection</strong>" not in as_member
    assert "You said:" not in as_silent and "Carers are left out" not in as_silent
    # Each reader's CSRF token in their own response form, never the first reader's.
    tokens = {re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
              for page in (as_objector, as_member, as_silent)}
    assert len({_unmask_cipher_token(token) for token in tokens}) == 3


def test_a_response_shows_in_the_kept_panel_at_once(login, leader, round_with_hidden_stances, people):
    from charters.models import Response

    client = login(leader)
    assert "1 not yet responded" in client.get(charter_url("detail")).content.decode()
    services.respond(charter=round_with_hidden_stances, member=people(round_with_hidden_stances.team, 1)[0],
                     kind=Response.Kind.OBJECTION, reason="Nights are not covered")

    page = client.get(charter_url("detail")).content.decode()
    assert "1 consented · 2 objected · 0 not yet responded" in page and "Nights are not covered" in page


def test_a_comment_and_a_response_by_someone_who_left_are_marked_in_the_kept_parts(login, leader, member, team,
                                                                                 write_charter):
    draft = write_charter(team)
    services.add_comment(charter=draft, section="purpose", author=member, body="Max's question")
    client = login(leader)
    assert "former member" not in client.get(charter_url("detail")).content.decode()  # kept, unmarked

    member.memberships.get(team=team).delete()  # Max left the team: his words stay, under his name

    page = client.get(charter_url("detail")).content.decode()
    assert "Max&#x27;s question" in page and page.count("former member") == 1


def test_an_edit_of_one_section_draws_that_section_again_and_no_other(login, leader, member, team, write_charter,
                                                                       request):
    """Each section is kept under what it draws, not under the revision of the whole text: the first reader after an
    edit of the purpose draws the purpose again and finds the five others kept, the goals included."""
    draft = write_charter(team, state=Charter.State.DRAFT)
    reader = login(member)
    drawn = _drawn_after_a_reading(reader, request)  # from the reading after the edit on

    services.update_purpose(charter=draft, expected_version=draft.revision, purpose_statement="Care at home, first.",
                            purpose_serves=draft.purpose_serves, purpose_outcome=draft.purpose_outcome,
                            purpose_refuses=draft.purpose_refuses)
    page = reader.get(charter_url("detail")).content.decode()

    assert "Care at home, first." in page
    assert _sections(drawn) == ["charter-purpose"]

    drawn.clear()
    item = Boundary.objects.filter(charter=draft).order_by("position").first()
    item.area = "Choice of rota tools"
    services.update_item(charter=draft, item=item, expected_version=item.version)
    assert "Choice of rota tools" in reader.get(charter_url("detail")).content.decode()
    assert "charter-boundaries" in drawn and "charter-purpose" not in drawn and "charter-non_negotiables" not in drawn
