"""Single sign-on without a browser: the group mapping, placing people in teams, when a password is refused,
the apps allauth is given, the login form's way to the provider, and one whole sign-in through the test
identity provider (`tests/oidc_provider`) with Django's test client on Charter's side."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from alignment import sealed, sso
from alignment.accounts import SingleSignOnAdapter
from alignment.models import (
    AuditEvent,
    AuditKind,
    IdentityProvider,
    IdentityProviderDomain,
    Membership,
    Organisation,
    Role,
    User,
)
from alignment.views import sso_start_url
from tests.oidc_provider.fixtures import Person, connect_identity_provider, oidc_provider  # noqa: F401 (fixtures)

CHARTER = "http://testserver"  # the host Django's test client asks for: allauth builds the callback from it


@pytest.fixture
def provider(organisation, team):
    """Harbour Health's provider, claiming example.com (the standard cast's domain), not yet required."""
    row = IdentityProvider.objects.create(
        organisation=organisation, name="Harbour Sign-In", issuer_url="https://login.harbour.example/",
        client_id="charter-client", client_secret_sealed=sealed.seal("s3cret-from-the-provider"))
    IdentityProviderDomain.objects.create(provider=row, domain="example.com")
    return row


# The group mapping ---------------------------------------------------------------------------------------

def test_group_mapping_reads_one_rule_a_line_with_member_as_the_default_role():
    rules = sso.parse_group_mapping("# who goes where\n"
                                    "engineering = platform\n"
                                    "\n"
                                    "tech-leads = platform Leader, member\n"
                                    "coaches = growth facilitator")

    assert [(rule.group, rule.team_slug, rule.roles) for rule in rules] == [
        ("engineering", "platform", {Role.MEMBER}),
        ("tech-leads", "platform", {Role.LEADER, Role.MEMBER}),
        ("coaches", "growth", {Role.FACILITATOR}),
    ]


def test_group_mapping_names_every_line_it_cannot_read(organisation, team):
    with pytest.raises(ValidationError) as refused:
        sso.parse_group_mapping("engineering platform member\n"
                                "engineering = platform owner\n"
                                "engineering = nowhere member\n"
                                "engineering = platform member", organisation)

    assert refused.value.messages == [
        "Line 1: write “group = team-short-name role”.",
        "Line 2: “owner” is not a role (member, leader or facilitator).",
        "Line 3: the organisation has no team with the short name “nowhere”.",
    ]


def test_groups_claim_may_be_a_list_or_a_string():
    assert sso.groups_from_claims({"groups": ["a", "b"]}, "groups") == ["a", "b"]
    assert sso.groups_from_claims({"roles": "a, b c"}, "roles") == ["a", "b", "c"]
    assert sso.groups_from_claims({}, "groups") == []


# Placing a person in teams -------------------------------------------------------------------------------

def test_a_mapped_group_places_the_person_with_its_roles(provider, team, other_team, make_user):
    provider.group_mapping = "engineering = platform leader,member\ngrowth-team = growth"
    ana = make_user("ana@example.com")

    placed = sso.place_person(provider, ana, ["engineering", "unmapped"])

    assert [(m.team, set(m.roles)) for m in placed] == [(team, {Role.LEADER, Role.MEMBER})]
    assert not Membership.objects.filter(team=other_team, user=ana).exists()
    assert AuditEvent.objects.get(team=team, kind=AuditKind.MEMBER_ADDED).changes["groups"] == "engineering, unmapped"


def test_roles_are_added_and_never_taken_away(provider, team, make_user, add_member):
    provider.group_mapping = "engineering = platform member"
    ana = make_user("ana@example.com")
    add_member(team, ana, "leader")

    sso.place_person(provider, ana, ["engineering"])
    again = sso.place_person(provider, ana, ["engineering"])

    assert set(Membership.objects.get(team=team, user=ana).roles) == {Role.LEADER, Role.MEMBER}
    assert again == []  # nothing left to give: no second audit event
    assert AuditEvent.objects.filter(team=team, kind=AuditKind.ROLES_CHANGED).count() == 1


def test_an_archived_team_is_skipped(provider, team, other_team, make_user):
    provider.group_mapping = "engineering = platform member\nengineering = growth leader"
    team.archived_at = timezone.now()
    team.save(update_fields=["archived_at"])
    ana = make_user("ana@example.com")

    sso.place_person(provider, ana, ["engineering"])

    assert list(Membership.objects.filter(user=ana).values_list("team__slug", flat=True)) == ["growth"]


def test_the_default_team_takes_whoever_no_group_maps(provider, team, other_team, make_user):
    provider.group_mapping = "engineering = platform leader"
    provider.default_team = other_team
    ana, bo = make_user("ana@example.com"), make_user("bo@example.com")

    sso.place_person(provider, ana, ["sales"])
    sso.place_person(provider, bo, ["engineering"])

    assert set(Membership.objects.get(user=ana).roles) == {Role.MEMBER}
    assert Membership.objects.get(user=ana).team == other_team
    assert list(Membership.objects.filter(user=bo).values_list("team__slug", flat=True)) == ["platform"]


def test_with_no_default_team_an_unmapped_person_joins_no_team(provider, make_user):
    ana = make_user("ana@example.com")

    assert sso.place_person(provider, ana, ["sales"]) == []
    assert not Membership.objects.filter(user=ana).exists()


# When a password is refused ------------------------------------------------------------------------------

def test_a_password_is_refused_only_when_single_sign_on_is_required(provider, member, admin, stranger):
    assert sso.password_refusal("member@example.com", member) == ""
    provider.sso_required = True
    provider.save(update_fields=["sso_required"])

    assert sso.password_refusal("member@example.com", member) == (
        "Harbour Health signs its people in through Harbour Sign-In. Use “Continue with Harbour Sign-In” below.")
    assert sso.password_refusal("admin@example.com", admin) == ""  # the break-glass way in
    assert sso.password_refusal("someone@elsewhere.example", None) == ""  # a domain nobody claims
    assert sso.is_break_glass("admin@example.com", admin) == provider
    assert sso.is_break_glass("member@example.com", member) is None


# The apps allauth is given -------------------------------------------------------------------------------

def test_each_provider_row_is_an_openid_connect_app_with_its_secret_unsealed(provider, stranger):
    elsewhere = Organisation.objects.get(slug="elsewhere")
    IdentityProvider.objects.create(organisation=elsewhere, name="Elsewhere SSO", issuer_url="https://idp.elsewhere",
                                    client_id="other-client", client_secret_sealed=sealed.seal("other"))
    adapter = SingleSignOnAdapter()

    apps = adapter.list_apps(None)
    (ours,) = adapter.list_apps(None, provider=provider.provider_id)

    assert sorted(app.provider_id for app in apps) == sorted([provider.provider_id, f"org{elsewhere.pk}"])
    assert (ours.provider, ours.name, ours.client_id, ours.secret) == (
        "openid_connect", "Harbour Sign-In", "charter-client", "s3cret-from-the-provider")
    assert ours.settings["token_auth_method"] == "client_secret_post"
    # OpenID Connect Discovery 1.0 §4: the issuer's terminating "/" goes before /.well-known/ is appended.
    assert ours.get_provider(None).server_url == "https://login.harbour.example/.well-known/openid-configuration"
    assert adapter.list_apps(None, provider="org999999") == []
    assert adapter.list_apps(None, provider="google") == []
    assert [app.name for app in adapter.list_apps(None, client_id="other-client")] == ["Elsewhere SSO"]


# The login form ------------------------------------------------------------------------------------------

def test_a_claimed_address_with_no_password_goes_on_to_its_provider(client, provider):
    response = client.post("/accounts/login/?next=/o/harbour/", {"login": " Ana@Example.com ", "password": ""})

    assert response.status_code == 302
    assert response["Location"] == sso_start_url(provider, "/o/harbour/")
    assert response["Location"].startswith(f"/accounts/oidc/{provider.provider_id}/login/?process=login")


def test_an_unclaimed_address_with_no_password_is_asked_for_it(client, provider):
    response = client.post("/accounts/login/", {"login": "someone@elsewhere.example", "password": ""})

    assert response.status_code == 200
    assert response.context["form"].errors == {"password": ["Enter your password."]}
    assert "single_sign_on_url" not in response.context


def test_a_required_provider_refuses_a_members_password_and_offers_itself(client, provider, member):
    provider.sso_required = True
    provider.save(update_fields=["sso_required"])

    response = client.post("/accounts/login/", {"login": "member@example.com", "password": "password"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["single_sign_on_url"] == sso_start_url(provider, None)
    assert response.context["form"].non_field_errors() == [sso.password_refusal("member@example.com", member)]


def test_the_continue_page_lets_its_form_go_on_to_the_provider(client, provider):
    response = client.get(sso_start_url(provider, None))

    assert response.status_code == 200
    policy = dict(directive.strip().split(" ", 1) for directive in response["Content-Security-Policy"].split(";"))
    assert "https://login.harbour.example" in policy["form-action"].split()


# A whole sign-in through the provider --------------------------------------------------------------------

def test_a_new_person_signs_in_through_the_provider_and_joins_their_mapped_team(
    client, connect_identity_provider, oidc_provider, organisation, team  # noqa: F811 (the fixtures imported above)
):
    connect_identity_provider(
        organisation, charter_url=CHARTER, domains=["harbour.example"],
        group_mapping="engineering = platform leader,member",
        people=[Person("ana@harbour.example", name="Ana Lopez", claims={"groups": ["engineering", "staff"]})])

    continue_page = client.post("/accounts/login/", {"login": "Ana@Harbour.example", "password": ""})["Location"]
    assert client.get(continue_page).status_code == 200  # allauth asks before it sends anyone away
    to_provider = client.post(continue_page)["Location"]
    assert to_provider.startswith(oidc_provider.issuer)
    back = oidc_provider.sign_in(to_provider, email="ana@harbour.example", until=CHARTER)
    signed_in = client.get(back.removeprefix(CHARTER))

    assert signed_in.status_code == 302
    ana = User.objects.get(email="ana@harbour.example")
    assert client.session["_auth_user_id"] == str(ana.pk)
    assert ana.display_name == "Ana Lopez"
    assert set(Membership.objects.get(team=team, user=ana).roles) == {Role.LEADER, Role.MEMBER}
    events = AuditEvent.objects.filter(actor=ana)
    assert set(events.values_list("kind", flat=True)) >= {
        AuditKind.SINGLE_SIGN_ON, AuditKind.PERSON_PROVISIONED, AuditKind.MEMBER_ADDED}
    assert events.get(kind=AuditKind.SINGLE_SIGN_ON).changes["groups"] == "engineering, staff"


def sign_in_through_provider(client, oidc_provider, email: str):  # noqa: F811 (the fixture imported above)
    continue_page = client.post("/accounts/login/", {"login": email, "password": ""})["Location"]
    back = oidc_provider.sign_in(client.post(continue_page)["Location"], email=email, until=CHARTER)
    return client.get(back.removeprefix(CHARTER))


def test_an_admin_linked_through_the_provider_keeps_their_break_glass_password(
    client, connect_identity_provider, oidc_provider, organisation, admin  # noqa: F811 (the fixtures imported above)
):
    connect_identity_provider(organisation, charter_url=CHARTER, domains=["example.com"], sso_required=True,
                              people=[Person("admin@example.com")])

    assert sign_in_through_provider(client, oidc_provider, "admin@example.com").status_code == 302

    admin.refresh_from_db()
    assert admin.socialaccount_set.count() == 1
    assert admin.check_password("password")


def test_someone_deactivated_here_but_active_elsewhere_is_not_placed_back(
    client, connect_identity_provider, oidc_provider, organisation, team, leader, member, add_member,  # noqa: F811
):
    from alignment import services
    from alignment.models import Team

    elsewhere = Organisation.objects.create(name="Elsewhere", slug="elsewhere")
    add_member(Team.objects.create(organisation=elsewhere, name="Elsewhere team", slug="elsewhere-team"), member)
    services.deactivate_person(organisation=organisation, person=member, actor=leader)
    connect_identity_provider(organisation, charter_url=CHARTER, domains=["example.com"],
                              group_mapping="engineering = platform member",
                              people=[Person("member@example.com", claims={"groups": ["engineering"]})])

    sign_in_through_provider(client, oidc_provider, "member@example.com")

    assert not Membership.objects.filter(team=team, user=member).exists()
