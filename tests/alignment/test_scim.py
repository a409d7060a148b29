"""Provisioning through SCIM 2.0: an organisation's identity provider lists, creates and deactivates its people
with a bearer token, and sees nothing of another organisation."""

from __future__ import annotations

import hashlib
import json
import urllib.request
from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertRedirects

from alignment import scim
from alignment.models import (
    AuditEvent,
    AuditKind,
    Deactivation,
    IdentityProvider,
    IdentityProviderDomain,
    Membership,
    Organisation,
    Team,
    User,
)
from checkins.models import Blocker, Commitment
from tests.alignment.test_leavers import carried  # noqa: F401 (Max's commitments and blockers, a fixture)
from tests.matrix import assert_no_writes

SCIM_JSON = "application/scim+json"
DEACTIVATE = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
              "Operations": [{"op": "replace", "path": "active", "value": False}]}
REACTIVATE = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
              "Operations": [{"op": "replace", "path": "active", "value": True}]}


@pytest.fixture
def provider(organisation, team):
    """Harbour Health's identity provider, whose new people join Platform."""
    return IdentityProvider.objects.create(organisation=organisation, name="Okta", issuer_url="https://okta.example",
                                           client_id="charter", default_team=team)


@pytest.fixture
def token(provider, leader):
    return scim.make_token(provider, leader)


@pytest.fixture
def other_token(stranger):
    """The token of Elsewhere's provider: the stranger's organisation."""
    elsewhere = Organisation.objects.get(slug="elsewhere")
    their_provider = IdentityProvider.objects.create(
        organisation=elsewhere, name="Elsewhere's sign-in", issuer_url="https://idp.elsewhere.example",
        client_id="charter", default_team=elsewhere.teams.get())
    return scim.make_token(their_provider, stranger)


def send(method: str, url: str, token: str | None = None, body: dict | None = None, client: Client | None = None):
    """A request as an identity provider sends it: a bearer token, a SCIM JSON body, no cookie."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return (client or Client()).generic(method, url, json.dumps(body) if body is not None else "",
                                        content_type=SCIM_JSON, headers=headers)


def search(url: str, token: str, expression: str):
    """A list filtered as providers ask before creating someone: `filter=userName eq "…"`."""
    return Client().get(url, {"filter": expression}, headers={"Authorization": f"Bearer {token}"})


def users_url(**query) -> str:
    return reverse("scim:users") + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def user_url(person) -> str:
    return reverse("scim:user", args=[person.pk])


# The permission table ---------------------------------------------------------------------------------------

NO_TOKEN, WRONG_TOKEN, OTHER_ORGANISATION, THIS_ORGANISATION = "no token", "wrong token", "other", "this"
NEW_PERSON = {"schemas": [scim.USER_SCHEMA], "userName": "nia.new@example.org",
              "name": {"givenName": "Nia", "familyName": "New"}, "active": True}
RENAME = {"Operations": [{"op": "replace", "path": "displayName", "value": "Maximilian Member"}]}

# fmt: off
#  (url name, method):                    (url of the world,                               body,       this, other org)
TABLE = {
    ("service_provider_config", "GET"):   (lambda w: reverse("scim:service_provider_config"), None,     200,  200),
    ("resource_types", "GET"):            (lambda w: reverse("scim:resource_types"),        None,       200,  200),
    ("resource_type", "GET"):             (lambda w: reverse("scim:resource_type", args=["User"]), None, 200, 200),
    ("schemas", "GET"):                   (lambda w: reverse("scim:schemas"),               None,       200,  200),
    ("schema", "GET"):                    (lambda w: reverse("scim:schema", args=[scim.USER_SCHEMA]), None, 200, 200),
    ("users", "GET"):                     (lambda w: users_url(),                           None,       200,  200),
    ("users", "POST"):                    (lambda w: users_url(),                           NEW_PERSON, 201,  201),
    ("user", "GET"):                      (lambda w: user_url(w["member"]),                 None,       200,  404),
    ("user", "PUT"):                      (lambda w: user_url(w["member"]),                 {"userName": "member@example.com", "displayName": "Maximilian Member"}, 200, 404),  # noqa: E501
    ("user", "PATCH"):                    (lambda w: user_url(w["member"]),                 RENAME,     200,  404),
    ("user", "DELETE"):                   (lambda w: user_url(w["member"]),                 None,       204,  404),
    ("groups", "GET"):                    (lambda w: reverse("scim:groups"),                None,       200,  200),
    ("groups", "POST"):                   (lambda w: reverse("scim:groups"),                {"displayName": "New"}, 501, 501),  # noqa: E501
    ("group", "GET"):                     (lambda w: reverse("scim:group", args=[w["team"].pk]), None,  200,  404),
    ("group", "PUT"):                     (lambda w: reverse("scim:group", args=[w["team"].pk]), {"displayName": "X"}, 501, 501),  # noqa: E501
    ("group", "PATCH"):                   (lambda w: reverse("scim:group", args=[w["team"].pk]), RENAME, 501,  501),
    ("group", "DELETE"):                  (lambda w: reverse("scim:group", args=[w["team"].pk]), None,  501,  501),
    ("elsewhere", "GET"):                 (lambda w: "/scim/v2/Bulk",                       None,       501,  501),
    ("elsewhere", "POST"):                (lambda w: "/scim/v2/Nothing",                    {},         404,  404),
    ("elsewhere", "PUT"):                 (lambda w: "/scim/v2/",                           {},         404,  404),
    ("elsewhere", "PATCH"):               (lambda w: "/scim/v2/Users/1/extra",              {},         404,  404),
    ("elsewhere", "DELETE"):              (lambda w: "/scim/v2/Me",                         None,       501,  501),
}
# fmt: on


def test_the_table_covers_every_route_and_method():
    routes = {(pattern.name, method) for pattern in scim.urlpatterns for method in pattern.callback.methods}
    assert routes == set(TABLE)


@pytest.fixture
def world(team, leader, member, token, other_token):
    return {"team": team, "member": member, "leader": leader, "token": token, "other": other_token}


def tokens(world) -> dict[str, str | None]:
    return {NO_TOKEN: None, WRONG_TOKEN: world["token"][:-4] + "xxxx", OTHER_ORGANISATION: world["other"],
            THIS_ORGANISATION: world["token"]}


def harbour_state():
    """Everything a request could change in Harbour Health."""
    return (sorted(Membership.objects.filter(team__organisation__slug="harbour").values_list("team_id", "user_id")),
            sorted(User.objects.values_list("email", "display_name", "is_active")),
            Deactivation.objects.count(), AuditEvent.objects.filter(organisation__slug="harbour").count())


@pytest.mark.parametrize("who", [NO_TOKEN, WRONG_TOKEN])
@pytest.mark.parametrize("route", TABLE)
def test_without_a_valid_token_every_route_is_401_and_writes_nothing(route, who, world):
    url, body, _this, _other = TABLE[route]
    before = harbour_state()

    with CaptureQueriesContext(connection) as queries:
        response = send(route[1], url(world), tokens(world)[who], body)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response["Content-Type"] == SCIM_JSON
    assert response.json()["schemas"] == [scim.ERROR] and response.json()["status"] == "401"
    assert_no_writes(queries)
    assert harbour_state() == before


@pytest.mark.parametrize("who", [OTHER_ORGANISATION, THIS_ORGANISATION])
@pytest.mark.parametrize("route", TABLE)
def test_each_token_gets_the_answer_in_the_table(route, who, world):
    url, body, this, other = TABLE[route]
    before = harbour_state()

    response = send(route[1], url(world), tokens(world)[who], body)

    expected = this if who == THIS_ORGANISATION else other
    assert response.status_code == expected, response.content
    assert response["Content-Type"] == SCIM_JSON
    assert not response.cookies  # no session, no CSRF cookie
    if expected >= 400:
        assert response.json()["schemas"] == [scim.ERROR] and response.json()["status"] == str(expected)
        assert harbour_state() == before
    if who == OTHER_ORGANISATION:
        assert harbour_state()[1:] == before[1:] or route == ("users", "POST")  # a person of their own
        assert "member@example.com" not in response.content.decode()


def test_the_groups_answer_says_teams_are_managed_in_charter(world):
    response = send("POST", reverse("scim:groups"), world["token"], {"displayName": "Night shift"})

    assert response.status_code == 501
    assert "Teams are managed in Charter" in response.json()["detail"]
    assert not Team.objects.filter(name="Night shift").exists()


def test_a_method_a_route_does_not_answer_is_405(world):
    response = send("POST", user_url(world["member"]), world["token"], {})

    assert response.status_code == 405 and response["Allow"] == "GET, PUT, PATCH, DELETE"
    assert response.json()["status"] == "405"


# The token --------------------------------------------------------------------------------------------------

def test_the_token_is_kept_only_as_its_digest_and_audited_without_it(provider, leader):
    assert not scim.has_token(provider)

    token = scim.make_token(provider, leader)

    provider.refresh_from_db()
    assert scim.has_token(provider)
    assert provider.scim_token_digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in json.dumps(list(IdentityProvider.objects.values()), default=str)
    event = AuditEvent.objects.get(kind=AuditKind.PROVISIONING_TOKEN_MADE)
    assert event.organisation == provider.organisation and event.actor == leader
    assert token not in event.summary + json.dumps(event.changes)


def test_a_new_token_replaces_the_old_one(provider, leader):
    old = scim.make_token(provider, leader)
    new = scim.make_token(provider, leader)

    assert send("GET", users_url(), old).status_code == 401
    assert send("GET", users_url(), new).status_code == 200
    assert AuditEvent.objects.filter(kind=AuditKind.PROVISIONING_TOKEN_MADE).count() == 2


def test_a_provider_without_a_token_lets_nobody_in(provider, team, leader):
    assert send("GET", users_url(), "").status_code == 401
    assert send("GET", users_url(), " ").status_code == 401


# Listing and filtering ---------------------------------------------------------------------------------------

def test_a_user_resource_says_who_they_are_and_their_teams(world, team):
    response = send("GET", user_url(world["member"]), world["token"])

    person = response.json()
    assert person["schemas"] == [scim.USER_SCHEMA]
    assert (person["id"], person["userName"], person["displayName"]) == (
        str(world["member"].pk), "member@example.com", "Max Member")
    assert person["name"] == {"formatted": "Max Member"}
    assert person["emails"] == [{"value": "member@example.com", "type": "work", "primary": True}]
    assert person["active"] is True
    assert [(g["value"], g["display"]) for g in person["groups"]] == [(str(team.pk), "Platform")]
    assert person["meta"]["resourceType"] == "User"
    assert person["meta"]["location"] == f"http://testserver/scim/v2/Users/{world['member'].pk}"
    assert person["meta"]["created"]


@pytest.mark.parametrize("expression", ['userName eq "MEMBER@example.com"', 'emails.value eq "member@EXAMPLE.com"',
                                        'username EQ "member@example.com"', 'emails eq "member@example.com"',
                                        'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "member@example.com"'])
def test_filter_finds_a_person_by_address_whatever_the_case(world, expression):
    response = search(reverse("scim:users"), world["token"], expression)

    found = response.json()
    assert found["schemas"] == [scim.LIST_RESPONSE]
    assert found["totalResults"] == 1
    assert [r["userName"] for r in found["Resources"]] == ["member@example.com"]


def test_filter_finds_nobody_outside_the_organisation(world, stranger):
    response = search(reverse("scim:users"), world["token"], 'userName eq "stranger@example.com"')

    assert response.json()["totalResults"] == 0 and response.json()["Resources"] == []


@pytest.mark.parametrize("expression", ['userName co "member"', 'displayName eq "Max Member"',
                                        'userName eq "a" or userName eq "b"', "userName eq member"])
def test_any_other_filter_is_refused(world, expression):
    response = search(reverse("scim:users"), world["token"], expression)

    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidFilter"


def test_the_list_pages_with_start_index_and_count(world, facilitator, outsider, admin, stranger):
    everyone = ["leader@example.com", "member@example.com", "facilitator@example.com", "outsider@example.com",
                "admin@example.com"]  # in the organisation, in the order they were created; not the stranger
    response = send("GET", users_url(startIndex=2, count=2), world["token"])

    page = response.json()
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (5, 2, 2)
    assert [r["userName"] for r in page["Resources"]] == everyone[1:3]
    assert [r["userName"] for r in send("GET", users_url(startIndex=5), world["token"]).json()["Resources"]] == [
        everyone[4]]
    counted = send("GET", users_url(count=0), world["token"]).json()
    assert (counted["totalResults"], counted["Resources"]) == (5, [])
    assert send("GET", users_url(count="many"), world["token"]).json()["scimType"] == "invalidValue"


@pytest.mark.parametrize("people", [3, 25])
def test_the_list_costs_the_same_however_many_people(world, make_user, add_member, team, other_team, people,
                                                     django_assert_num_queries):
    for n in range(people):
        person = make_user(f"person{n}@example.com", f"Person {n}")
        add_member(team, person)
        add_member(other_team, person)

    # 1 the provider by its token, 2 how many people, 3 a page of them, 4 their memberships with the teams
    with django_assert_num_queries(4):
        response = send("GET", users_url(), world["token"])

    assert response.json()["totalResults"] == people + 2


def test_groups_are_the_organisations_teams_with_their_people(world, team, other_team, outsider):
    response = send("GET", reverse("scim:groups"), world["token"])

    groups = {g["displayName"]: g for g in response.json()["Resources"]}
    assert set(groups) == {"Platform", "Growth"}
    assert {m["display"] for m in groups["Platform"]["members"]} == {"Lena Leader", "Max Member"}
    assert groups["Growth"]["members"][0]["value"] == str(outsider.pk)
    found = search(reverse("scim:groups"), world["token"], 'displayName eq "platform"').json()
    assert [g["id"] for g in found["Resources"]] == [str(team.pk)]


def test_the_discovery_endpoints_describe_what_is_supported(world):
    config = send("GET", reverse("scim:service_provider_config"), world["token"]).json()
    assert config["patch"]["supported"] and not config["bulk"]["supported"]
    assert config["filter"] == {"supported": True, "maxResults": scim.MAX_RESULTS}
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    types = send("GET", reverse("scim:resource_types"), world["token"]).json()
    assert {(t["name"], t["endpoint"], t["schema"]) for t in types["Resources"]} == {
        ("User", "/Users", scim.USER_SCHEMA), ("Group", "/Groups", scim.GROUP_SCHEMA)}
    schemas = send("GET", reverse("scim:schemas"), world["token"]).json()
    user_schema = next(s for s in schemas["Resources"] if s["id"] == scim.USER_SCHEMA)
    assert {"userName", "name", "displayName", "emails", "active", "groups"} == {
        a["name"] for a in user_schema["attributes"]}


# Creating --------------------------------------------------------------------------------------------------

def test_a_new_address_gets_an_account_in_the_default_team(world, team):
    response = send("POST", users_url(), world["token"], NEW_PERSON)

    assert response.status_code == 201
    created = response.json()
    assert response["Location"] == created["meta"]["location"]
    assert (created["userName"], created["displayName"], created["active"]) == ("nia.new@example.org", "Nia New",
                                                                               True)
    assert [g["display"] for g in created["groups"]] == ["Platform"]
    person = User.objects.get(email="nia.new@example.org")
    assert not person.has_usable_password()  # they sign in through the provider
    membership = Membership.objects.get(user=person)
    assert (membership.team, membership.roles) == (team, ["member"])
    event = AuditEvent.objects.get(kind=AuditKind.PERSON_PROVISIONED)
    assert event.actor is None and event.actor_email == "Okta (identity provider)"
    assert event.organisation.slug == "harbour"


@pytest.mark.parametrize("body, name", [
    ({"name": {"formatted": "Dr Nia New"}, "displayName": "Nia"}, "Dr Nia New"),
    ({"name": {"givenName": "Nia", "familyName": "New"}, "displayName": "Nia"}, "Nia New"),
    ({"displayName": "Nia N."}, "Nia N."),
    ({}, ""),
])
def test_the_display_name_comes_from_the_name_first(world, body, name):
    send("POST", users_url(), world["token"], {"userName": "nia.new@example.org", **body})

    assert User.objects.get(email="nia.new@example.org").display_name == name


def test_someone_already_in_the_organisation_is_a_conflict(world):
    response = send("POST", users_url(), world["token"], {"userName": "Member@Example.com"})

    assert response.status_code == 409 and response.json()["scimType"] == "uniqueness"


def test_an_account_from_elsewhere_joins_when_the_provider_owns_its_domain(world, provider, stranger, team):
    IdentityProviderDomain.objects.create(provider=provider, domain="example.com")

    response = send("POST", users_url(), world["token"], {"userName": "stranger@example.com"})

    assert response.status_code == 201 and response.json()["id"] == str(stranger.pk)
    assert Membership.objects.filter(user=stranger, team=team, is_member=True).exists()
    assert Membership.objects.filter(user=stranger).count() == 2  # still in Elsewhere


def test_an_account_from_elsewhere_is_not_claimed_by_a_provider_of_another_domain(world, stranger):
    response = send("POST", users_url(), world["token"], {"userName": "stranger@example.com"})

    assert response.status_code == 409 and "already has an account" in response.json()["detail"]
    assert Membership.objects.filter(user=stranger).count() == 1


def test_without_a_default_team_nobody_is_created(world, provider):
    provider.default_team = None
    provider.save()

    response = send("POST", users_url(), world["token"], NEW_PERSON)

    assert response.status_code == 409 and "no default team" in response.json()["detail"]
    assert not User.objects.filter(email="nia.new@example.org").exists()


@pytest.mark.parametrize("body", [{}, {"userName": "not an address"}, {"userName": 7}])
def test_a_user_name_must_be_an_address(world, body):
    response = send("POST", users_url(), world["token"], body)

    assert response.status_code == 400 and response.json()["scimType"] == "invalidValue"


def test_a_body_that_is_not_json_is_refused(world):
    response = Client().post(users_url(), "{not json", content_type=SCIM_JSON,
                             headers={"Authorization": f"Bearer {world['token']}"})

    assert response.status_code == 400 and response.json()["scimType"] == "invalidSyntax"


# Leaving and coming back ------------------------------------------------------------------------------------

@pytest.mark.parametrize("operations", [
    [{"op": "replace", "path": "active", "value": False}],
    [{"op": "Replace", "path": "active", "value": "False"}],  # Azure
    [{"op": "replace", "value": {"active": False}}],  # Okta
    [{"op": "replace", "value": {"active": False, "name.givenName": "Max"}}],
])
def test_patch_active_false_deactivates_at_once(world, member, leader, carried, operations,  # noqa: F811
                                                django_capture_on_commit_callbacks):
    signed_in = Client()
    signed_in.force_login(member)
    assert signed_in.get(reverse("profile")).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = send("PATCH", user_url(member), world["token"], {"Operations": operations})

    assert response.status_code == 200, response.content
    assert response.json()["active"] is False and response.json()["groups"] == []
    # Their sessions ended: their next request is sent to log in.
    assertRedirects(signed_in.get(reverse("profile")), f"{reverse('login')}?next={reverse('profile')}",
                    fetch_redirect_response=False)
    member.refresh_from_db()
    assert not member.is_active
    assert not Membership.objects.filter(user=member).exists()
    # What they carried went to the team's leader; what is done stays theirs.
    for key in ("open", "asked"):
        carried[key].refresh_from_db()
        assert carried[key].owner == leader
    assert Commitment.objects.get(pk=carried["done"].pk).owner == member
    assert {b.who_could_help for b in Blocker.objects.open()} == {leader}
    deactivation = Deactivation.objects.get(person=member)
    assert deactivation.by is None and deactivation.organisation.slug == "harbour"
    event = AuditEvent.objects.get(kind=AuditKind.PERSON_DEACTIVATED)
    assert event.actor is None and event.actor_email == "Okta (identity provider)"
    assert "by Okta (identity provider)" in event.summary
    assert event.changes["handed_over"] == {"commitment": 2, "blocker": 2, "session": 1}


def test_patch_active_true_brings_them_back(world, member, team):
    send("PATCH", user_url(member), world["token"], DEACTIVATE)

    response = send("PATCH", user_url(member), world["token"], REACTIVATE)

    assert response.status_code == 200 and response.json()["active"] is True
    member.refresh_from_db()
    assert member.is_active
    assert Membership.objects.get(user=member).team == team
    assert not Deactivation.objects.exists()
    event = AuditEvent.objects.get(kind=AuditKind.PERSON_REACTIVATED)
    assert event.actor is None and "by Okta (identity provider)" in event.summary


def test_a_deactivated_person_is_still_found_to_come_back(world, member):
    send("DELETE", user_url(member), world["token"])

    found = search(reverse("scim:users"), world["token"], 'userName eq "member@example.com"').json()

    assert [(r["id"], r["active"]) for r in found["Resources"]] == [(str(member.pk), False)]


def test_saying_again_what_is_already_so_changes_nothing(world, member):
    send("PATCH", user_url(member), world["token"], DEACTIVATE)

    assert send("PATCH", user_url(member), world["token"], DEACTIVATE).status_code == 200
    assert send("PATCH", user_url(member), world["token"], REACTIVATE).status_code == 200
    assert send("PATCH", user_url(member), world["token"], REACTIVATE).status_code == 200
    assert AuditEvent.objects.filter(kind__in=[AuditKind.PERSON_DEACTIVATED, AuditKind.PERSON_REACTIVATED]).count() == 2


def test_delete_deactivates(world, member):
    response = send("DELETE", user_url(member), world["token"])

    assert response.status_code == 204 and response.content == b""
    member.refresh_from_db()
    assert not member.is_active and Deactivation.objects.filter(person=member).exists()
    assert send("GET", user_url(member), world["token"]).json()["active"] is False


def test_a_teams_only_leader_is_refused_and_nothing_changes(world, leader, admin):
    body = {"Operations": [{"op": "replace", "path": "displayName", "value": "Renamed"},
                           {"op": "replace", "path": "active", "value": False}]}

    response = send("PATCH", user_url(leader), world["token"], body)

    assert response.status_code == 409
    assert "only leader of Platform" in response.json()["detail"]
    leader.refresh_from_db()
    assert leader.is_active and leader.display_name == "Lena Leader"  # the whole PATCH or nothing
    assert Membership.objects.filter(user=leader).exists()
    assert not AuditEvent.objects.filter(kind=AuditKind.PERSON_DEACTIVATED).exists()


def test_put_and_patch_rename(world, member):
    send("PUT", user_url(member), world["token"], {"schemas": [scim.USER_SCHEMA], "userName": "member@example.com",
                                                   "name": {"givenName": "Maxine", "familyName": "Member"}})
    member.refresh_from_db()
    assert member.display_name == "Maxine Member" and member.is_active

    send("PATCH", user_url(member), world["token"],
         {"Operations": [{"op": "replace", "path": "name.formatted", "value": "Max M."}]})
    member.refresh_from_db()
    assert member.display_name == "Max M."


def test_the_address_is_not_changed_through_provisioning(world, member):
    response = send("PATCH", user_url(member), world["token"],
                    {"Operations": [{"op": "replace", "path": "userName", "value": "max@elsewhere.example"}]})

    assert response.status_code == 400 and response.json()["scimType"] == "mutability"
    member.refresh_from_db()
    assert member.email == "member@example.com"


@pytest.mark.parametrize("body, scim_type", [
    ({"Operations": [{"op": "replace", "path": "active", "value": "maybe"}]}, "invalidValue"),
    ({"Operations": [{"op": "move", "path": "active", "value": False}]}, "invalidSyntax"),
    ({"Operations": []}, "invalidSyntax"),
    ({"active": False}, "invalidSyntax"),
    ({"Operations": [{"op": "replace", "value": False}]}, "invalidValue"),
])
def test_a_malformed_patch_is_refused(world, member, body, scim_type):
    response = send("PATCH", user_url(member), world["token"], body)

    assert response.status_code == 400 and response.json()["scimType"] == scim_type
    member.refresh_from_db()
    assert member.is_active


# As an identity provider sends it ---------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_an_identity_provider_deactivates_over_http(live_server, member, leader, token):
    request = urllib.request.Request(
        f"{live_server.url}{user_url(member)}", data=json.dumps(DEACTIVATE).encode(), method="PATCH",
        headers={"Authorization": f"Bearer {token}", "Content-Type": SCIM_JSON, "Accept": SCIM_JSON,
                 "User-Agent": "Okta SCIM Client 1.0"})

    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == HTTPStatus.OK
        assert response.headers["Content-Type"] == SCIM_JSON
        assert "Set-Cookie" not in response.headers
        assert json.load(response)["active"] is False

    member.refresh_from_db()
    assert not member.is_active
    event = AuditEvent.objects.get(kind=AuditKind.PERSON_DEACTIVATED)
    assert event.user_agent == "Okta SCIM Client 1.0"
