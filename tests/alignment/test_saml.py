"""SAML 2.0 sign-in without a browser: Charter's side with Django's test client, the identity provider's side over
HTTP at the test provider (`tests/saml_provider`), whose answer is real XML signed with its own key. Harbour
Health's provider claims harbour.example; what it may not do is refused by python3-saml (signature, audience),
allauth (an answer nobody here asked for) or Charter (`alignment.accounts.SingleSignOnAdapter.pre_social_login`).
"""

from __future__ import annotations

import pytest

from alignment import saml
from alignment.accounts import SingleSignOnAdapter
from alignment.models import AuditEvent, AuditKind, Membership, Role, User
from tests.saml_provider.fixtures import connect_saml_provider, saml_idp, saml_idp_running  # noqa: F401 (fixtures)
from tests.saml_provider.server import Answer, KeyPair, Person

CHARTER = "http://testserver"  # the host Django's test client asks for: allauth builds Charter's SAML URLs from it


@pytest.fixture
def client():
    """Django's test client, sending a Host header as every browser does: allauth's SAML views read it."""
    from django.test import Client

    return Client(HTTP_HOST="testserver")


@pytest.fixture
def harbour(connect_saml_provider, organisation, team):  # noqa: F811 (the fixture imported above)
    """`harbour(*people, **row_fields)`: Harbour Health's SAML provider, claiming harbour.example."""

    def connect(*people: Person, **row_fields):
        return connect_saml_provider(organisation, *people, domains=["harbour.example"], **row_fields)

    return connect


def ask_provider(client, email: str) -> str:
    """On Charter's login page, the address alone, then allauth's Continue: the redirect to the provider."""
    continue_page = client.post("/accounts/login/", {"login": email, "password": ""})["Location"]
    assert client.get(continue_page).status_code == 200  # allauth asks before it sends anyone away
    return client.post(continue_page)["Location"]


def sign_in(client, idp, email: str, *, as_email: str | None = None) -> Answer:
    """From Charter's login page to the provider's answer, not yet posted."""
    to_provider = ask_provider(client, email)
    assert to_provider.startswith(idp.sso_url + "?SAMLRequest=")
    return idp.sign_in(to_provider, email=as_email or email)


def post_answer(client, answer: Answer):
    """The provider's Continue button: the answer POSTed to Charter's ACS, which hands it on to its own page (a
    GET, so that the session cookie, SameSite=Lax, comes with it)."""
    assert answer.acs_url.startswith(CHARTER)
    handed_on = client.post(answer.acs_url.removeprefix(CHARTER), answer.fields)
    assert handed_on.status_code == 302
    return client.get(handed_on["Location"])


def signed_in_user(client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def assert_refused_by_saml(response, reason: str) -> None:
    assert response.status_code == 401
    assert response.context["saml_errors"] == ["invalid_response"]
    assert reason in response.context["saml_last_error_reason"]


# Signing in ----------------------------------------------------------------------------------------------

def test_a_new_person_is_created_at_first_sign_in_and_joins_their_mapped_team(client, harbour, saml_idp, team):  # noqa: F811
    provider = harbour(Person("ana@harbour.example", name="Ana Lopez", groups=["engineering", "staff"]),
                       group_mapping="engineering = platform leader,member")

    answer = sign_in(client, saml_idp, "Ana@Harbour.example", as_email="ana@harbour.example")
    landed = post_answer(client, answer)

    assert landed.status_code == 302
    ana = User.objects.get(email="ana@harbour.example")
    assert signed_in_user(client) == ana
    assert ana.display_name == "Ana Lopez"
    account = ana.socialaccount_set.get()
    assert (account.provider, account.uid) == (provider.provider_id, "ana@harbour.example")
    assert set(Membership.objects.get(team=team, user=ana).roles) == {Role.LEADER, Role.MEMBER}
    events = AuditEvent.objects.filter(actor=ana)
    assert set(events.values_list("kind", flat=True)) >= {
        AuditKind.SINGLE_SIGN_ON, AuditKind.PERSON_PROVISIONED, AuditKind.MEMBER_ADDED}
    signed_in = events.get(kind=AuditKind.SINGLE_SIGN_ON)
    assert signed_in.changes == {"provider": saml_idp.entity_id, "groups": "engineering, staff"}
    assert events.get(kind=AuditKind.PERSON_PROVISIONED).changes == {"provider": saml_idp.entity_id}


def test_the_answer_goes_back_where_the_person_was_going(client, harbour, saml_idp, organisation):  # noqa: F811
    harbour(Person("ana@harbour.example"))
    continue_page = client.post(f"/accounts/login/?next=/o/{organisation.slug}/",
                                {"login": "ana@harbour.example", "password": ""})["Location"]
    to_provider = client.post(continue_page)["Location"]

    landed = post_answer(client, saml_idp.sign_in(to_provider, email="ana@harbour.example"))

    assert landed["Location"] == f"/o/{organisation.slug}/"


def test_an_existing_account_is_linked_not_duplicated(client, harbour, saml_idp, make_user, team, add_member):  # noqa: F811
    ana = make_user("ana@harbour.example", "Ana Here")
    add_member(team, ana, "member")
    harbour(Person("ana@harbour.example", name="Ana at the provider", groups=["staff"]))

    post_answer(client, sign_in(client, saml_idp, "ana@harbour.example"))

    assert signed_in_user(client) == ana
    assert User.objects.filter(email__iexact="ana@harbour.example").count() == 1
    assert ana.socialaccount_set.get().uid == "ana@harbour.example"
    ana.refresh_from_db()
    assert ana.display_name == "Ana Here"  # the provider's name does not overwrite her own
    assert not AuditEvent.objects.filter(actor=ana, kind=AuditKind.PERSON_PROVISIONED).exists()
    assert AuditEvent.objects.filter(actor=ana, kind=AuditKind.SINGLE_SIGN_ON).exists()


# The group mapping ---------------------------------------------------------------------------------------

def test_groups_map_to_teams_and_an_unmapped_person_joins_the_default_team(
    client, harbour, saml_idp, team, other_team  # noqa: F811
):
    harbour(Person("ana@harbour.example", groups=["Platform Team", "coaches"]),
            Person("bo@harbour.example", groups=["sales"]),
            group_mapping="Platform Team = platform member\ncoaches = growth member,facilitator", default_team=other_team)

    post_answer(client, sign_in(client, saml_idp, "ana@harbour.example"))
    client.logout()
    post_answer(client, sign_in(client, saml_idp, "bo@harbour.example"))

    ana, bo = User.objects.get(email="ana@harbour.example"), User.objects.get(email="bo@harbour.example")
    # A group with a space in its name is one group: SAML attribute values are never split.
    assert {(m.team, frozenset(m.roles)) for m in Membership.objects.filter(user=ana)} == {
        (team, frozenset({Role.MEMBER})), (other_team, frozenset({Role.MEMBER, Role.FACILITATOR}))}
    assert [(m.team, set(m.roles)) for m in Membership.objects.filter(user=bo)] == [(other_team, {Role.MEMBER})]


def test_the_groups_come_from_the_configured_attribute(client, harbour, saml_idp, team):  # noqa: F811
    harbour(Person("ana@harbour.example", groups=["engineering"]), groups_claim="memberOf",
            group_mapping="engineering = platform leader")

    post_answer(client, sign_in(client, saml_idp, "ana@harbour.example"))

    # The provider sends "groups"; Harbour's row reads "memberOf", so no team is given.
    assert not Membership.objects.filter(user__email="ana@harbour.example").exists()
    event = AuditEvent.objects.get(kind=AuditKind.SINGLE_SIGN_ON)
    assert event.changes["groups"] == "none"


# What is refused -----------------------------------------------------------------------------------------

def test_a_response_altered_after_signing_is_refused(client, harbour, saml_idp, team):  # noqa: F811
    harbour(Person("ana@harbour.example", groups=["staff"]), group_mapping="admins = platform leader")
    answer = sign_in(client, saml_idp, "ana@harbour.example")
    tampered = answer.with_xml(answer.xml.replace("<saml:AttributeValue xsi:type=\"xs:string\">staff<",
                                                  "<saml:AttributeValue xsi:type=\"xs:string\">admins<"))
    assert tampered.xml != answer.xml

    refused = post_answer(client, tampered)

    assert_refused_by_saml(refused, "Signature validation failed")
    assert signed_in_user(client) is None
    assert not User.objects.filter(email="ana@harbour.example").exists()


@pytest.mark.parametrize("signs", ["nothing", "response"], ids=["unsigned", "only-the-response-signed"])
def test_an_assertion_that_is_not_signed_is_refused(client, harbour, saml_idp, signs):  # noqa: F811
    harbour(Person("ana@harbour.example"))
    saml_idp.signs = signs

    refused = post_answer(client, sign_in(client, saml_idp, "ana@harbour.example"))

    assert_refused_by_saml(refused, "The Assertion of the Response is not signed")
    assert signed_in_user(client) is None
    assert not User.objects.filter(email="ana@harbour.example").exists()


def test_an_assertion_signed_with_another_key_is_refused(client, harbour, saml_idp):  # noqa: F811
    harbour(Person("ana@harbour.example"))
    saml_idp.signing_keys = KeyPair.make("Someone else")

    refused = post_answer(client, sign_in(client, saml_idp, "ana@harbour.example"))

    assert_refused_by_saml(refused, "Signature validation failed")
    assert signed_in_user(client) is None


def test_an_assertion_for_another_service_is_refused(client, harbour, saml_idp):  # noqa: F811
    harbour(Person("ana@harbour.example"))
    saml_idp.audience = "https://other-app.example/saml/metadata"

    refused = post_answer(client, sign_in(client, saml_idp, "ana@harbour.example"))

    assert_refused_by_saml(refused, "is not a valid audience for this Response")
    assert signed_in_user(client) is None


def test_an_answer_used_twice_is_refused_the_second_time(client, harbour, saml_idp):  # noqa: F811
    harbour(Person("ana@harbour.example"))
    answer = sign_in(client, saml_idp, "ana@harbour.example")
    post_answer(client, answer)
    client.logout()

    replayed = post_answer(client, answer)

    assert replayed.status_code == 403  # no request of this browser's is waiting for it
    assert signed_in_user(client) is None


def test_an_address_the_provider_does_not_claim_is_refused(client, harbour, saml_idp, stranger):  # noqa: F811
    # Harbour's provider vouches for someone at a domain Harbour does not claim, here an existing account's.
    harbour(Person("sam@harbour.example"), Person("stranger@example.com", groups=["staff"]),
            group_mapping="staff = platform leader")

    refused = post_answer(client, sign_in(client, saml_idp, "sam@harbour.example", as_email="stranger@example.com"))

    assert refused.status_code == 302 and refused["Location"] == "/accounts/login/"
    assert signed_in_user(client) is None
    assert not stranger.socialaccount_set.exists()
    assert not User.objects.filter(email="sam@harbour.example").exists()
    assert "may not sign in this address here" in client.get(refused["Location"]).content.decode()


def test_a_deactivated_person_is_refused(client, harbour, saml_idp, organisation, team, leader, make_user,  # noqa: F811
                                         add_member):
    from alignment import services

    ana = make_user("ana@harbour.example")
    add_member(team, ana, "member")
    services.deactivate_person(organisation=organisation, person=ana, actor=leader)
    harbour(Person("ana@harbour.example", groups=["engineering"]), group_mapping="engineering = platform member")

    refused = post_answer(client, sign_in(client, saml_idp, "ana@harbour.example"))

    assert refused.status_code == 302 and refused["Location"] == "/accounts/login/"
    assert signed_in_user(client) is None
    assert not Membership.objects.filter(user=ana).exists()
    assert not AuditEvent.objects.filter(kind=AuditKind.SINGLE_SIGN_ON).exists()


# What allauth is given -----------------------------------------------------------------------------------

def test_the_app_requires_a_signed_assertion_from_the_rows_certificate(harbour, saml_idp):  # noqa: F811
    provider = harbour()

    (app,) = SingleSignOnAdapter().list_apps(None, provider="saml", client_id=provider.provider_id)

    assert (app.provider, app.provider_id, app.client_id, app.name) == (
        "saml", provider.provider_id, provider.provider_id, "Harbour Sign-In")
    assert app.settings["idp"] == {"entity_id": saml_idp.entity_id, "sso_url": saml_idp.sso_url,
                                   "x509cert": saml_idp.certificate}
    assert app.settings["advanced"]["want_assertion_signed"] is True
    assert app.settings["advanced"]["reject_idp_initiated_sso"] is True


def test_the_metadata_names_charter_at_the_address_asked_for(client, harbour):
    provider = harbour()
    metadata_url = f"/accounts/saml/{provider.provider_id}/metadata/"

    response = client.get(metadata_url)

    assert response.status_code == 200
    body = response.content.decode()
    assert f'entityID="{CHARTER}{metadata_url}"' in body
    assert f'Location="{CHARTER}/accounts/saml/{provider.provider_id}/acs/"' in body


def test_claims_keep_every_attribute_a_list():
    assert saml.claims_of({"groups": ["CN=Platform Team,OU=Groups"], "email": ["ana@harbour.example"]}) == {
        "groups": ["CN=Platform Team,OU=Groups"], "email": ["ana@harbour.example"]}
    assert saml.claims_of(None) == {}
