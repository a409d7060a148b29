"""Provisioning through SCIM 2.0 (RFC 7643, RFC 7644): an organisation's identity provider adds its people to
Charter and tells it who has left.

Mounted at `/scim/v2/`. The provider's SCIM client authenticates with a bearer token an admin of the organisation
made (`make_token`; only its SHA-256 digest is kept) and sees that organisation only: its people as Users, its
teams as read-only Groups. A person created here joins the provider's default team as a member
(`sso.place_person`, the path single sign-on takes). Setting `active` to false, or deleting the User, is the
leavers' path (`services.deactivate_person`): their sessions end at once, what they carried goes to their
teams' leaders, what they wrote stays marked "former member". `active` true undoes it (`reactivate_person`).
Teams stay managed in Charter and filled from the provider's group claims at sign-in, so Groups are read-only.

Every answer is `application/scim+json`, errors in SCIM's Error schema. No session, no cookie, no CSRF: the
bearer token is the only credential. What is supported, with examples, is in docs/scim.md.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path, reverse
from django.views.decorators.csrf import csrf_exempt

from alignment import audit, services, sso
from alignment.errors import ActionRefused
from alignment.locks import lock_organisation
from alignment.models import AuditKind, Deactivation, IdentityProvider, Membership, Organisation, Team, User, hash_token

app_name = "scim"

CONTENT_TYPE = "application/scim+json"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
CONFIG_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
MAX_RESULTS = 200  # a page of a list, at most; providers page through with startIndex
DISPLAY_NAME_LENGTH = User._meta.get_field("display_name").max_length
TEAMS_IN_CHARTER = ("Teams are managed in Charter, not through provisioning: an organisation's admins create them, "
                    "and the provider's group claims place people in them at sign-in (the groups → teams mapping of "
                    "the identity provider's settings). Groups here are read-only.")


# The token ------------------------------------------------------------------------------------------------

def make_token(provider: IdentityProvider, actor) -> str:
    """A new bearer token for the provider's SCIM client, returned once for the admin to copy.

    Only its SHA-256 digest is kept, replacing any earlier token's, which stops working at once.
    """
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        replaced = has_token(provider)
        provider.scim_token_digest = hash_token(token)
        provider.save(update_fields=["scim_token_digest", "updated_at"])
        audit.record(AuditKind.PROVISIONING_TOKEN_MADE, organisation=provider.organisation, actor=actor,
                     summary=f"Provisioning (SCIM) token made for {provider.name}"
                             + (", replacing the earlier one" if replaced else ""),
                     changes={"replaced earlier token": replaced})
    return token


def has_token(provider: IdentityProvider) -> bool:
    return bool(provider.scim_token_digest)


def provider_for(authorization: str) -> IdentityProvider | None:
    """The provider whose token an `Authorization: Bearer …` header carries, with its organisation (1 query)."""
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    digest = hash_token(token)
    # The row is found by the token's digest, which a guesser cannot steer byte by byte; the comparison that
    # decides is made again in constant time all the same.
    provider = IdentityProvider.objects.select_related("organisation").filter(scim_token_digest=digest).first()
    if provider is None or not hmac.compare_digest(provider.scim_token_digest, digest):
        return None
    return provider


def via(provider: IdentityProvider) -> str:
    """Who acted, in the audit trail, when the provider did: no person of Charter's."""
    return f"{provider.name} (identity provider)"


# Answers --------------------------------------------------------------------------------------------------

class ScimError(Exception):
    """A request SCIM refuses, answered in its Error schema (RFC 7644 3.12)."""

    def __init__(self, status: int, detail: str, scim_type: str = "", headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.scim_type, self.headers = status, detail, scim_type, headers or {}


def answer(body: dict | None, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(b"" if body is None else json.dumps(body, default=_instant), status=status,
                            content_type=CONTENT_TYPE)
    response["Cache-Control"] = "no-store"  # people's addresses, for one organisation's provider only
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _instant(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def error_answer(failure: ScimError) -> HttpResponse:
    body = {"schemas": [ERROR], "status": str(failure.status), "detail": failure.detail}
    if failure.scim_type:
        body["scimType"] = failure.scim_type
    return answer(body, failure.status, failure.headers)


def list_answer(resources: list[dict], *, total: int, start: int) -> HttpResponse:
    return answer({"schemas": [LIST_RESPONSE], "totalResults": total, "startIndex": start,
                   "itemsPerPage": len(resources), "Resources": resources})


Handler = Callable[..., HttpResponse]


def endpoint(**handlers: Handler) -> Callable[..., HttpResponse]:
    """A SCIM endpoint: the bearer token names the provider, then the HTTP method picks the handler.

    A handler takes the request, the provider and the URL's arguments. Refusals of the leavers' rules
    (`ActionRefused`) are conflicts (409), said in the words the admin's page uses.
    """
    allowed = ", ".join(method.upper() for method in handlers)

    @csrf_exempt
    def view(request: HttpRequest, **kwargs) -> HttpResponse:
        try:
            authorization = request.headers.get("Authorization", "")
            provider = provider_for(authorization)
            if provider is None:
                raise ScimError(401, "Send the organisation's provisioning token as “Authorization: Bearer …”."
                                if not authorization else "This provisioning token is not valid (a newer one "
                                "may have replaced it).", headers={"WWW-Authenticate": 'Bearer realm="scim"'})
            handler = handlers.get(request.method.lower())
            if handler is None:
                raise ScimError(405, f"{request.method} is not supported here; this endpoint answers {allowed}.",
                                headers={"Allow": allowed})
            return handler(request, provider, **kwargs)
        except ScimError as failure:
            return error_answer(failure)
        except ActionRefused as refusal:
            return error_answer(ScimError(409, str(refusal)))

    view.methods = [method.upper() for method in handlers]  # what the permission table must cover
    return view


# Reading requests -----------------------------------------------------------------------------------------

def body_of(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body or b"null")
    except ValueError:  # UnicodeDecodeError too
        raise ScimError(400, "The request's body is not JSON.", "invalidSyntax") from None
    if not isinstance(body, dict):
        raise ScimError(400, "The request's body must be a JSON object.", "invalidSyntax")
    return body


def _whole_number(request: HttpRequest, name: str, default: int) -> int:
    value = request.GET.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ScimError(400, f"{name} must be a whole number, not “{value}”.", "invalidValue") from None


def paging(request: HttpRequest) -> tuple[int, int]:
    """`startIndex` (1-based) and `count` as RFC 7644 3.4.2.4 reads them: below 1 is 1, a negative count 0."""
    start = max(_whole_number(request, "startIndex", 1), 1)
    count = min(max(_whole_number(request, "count", MAX_RESULTS), 0), MAX_RESULTS)
    return start, count


EQUALS = re.compile(r'^\s*(?P<attribute>[A-Za-z0-9:._$-]+)\s+eq\s+"(?P<value>(?:[^"\\]|\\.)*)"\s*$', re.IGNORECASE)


def _without_schema(attribute: str, schema: str) -> str:
    """`urn:…:User:userName` → `username`: attribute names are case-insensitive, the schema's prefix optional."""
    attribute = attribute.lower()
    prefix = schema.lower() + ":"
    return attribute.removeprefix(prefix)


def filter_value(request: HttpRequest, *, attributes: set[str], schema: str) -> str | None:
    """The value of `filter=<attribute> eq "value"` for one of `attributes` (lower-case), None without a filter;
    any other filter is refused (invalidFilter)."""
    text = request.GET.get("filter", "")
    if not text.strip():
        return None
    found = EQUALS.match(text)
    if found and _without_schema(found["attribute"], schema) in attributes:
        try:
            return json.loads(f'"{found["value"]}"')
        except ValueError:
            pass
    raise ScimError(400, f"Charter answers only filters of the form {' or '.join(sorted(attributes))} "
                         f"eq \"…\", not “{text}”.", "invalidFilter")


# Users ----------------------------------------------------------------------------------------------------

def people(organisation: Organisation) -> QuerySet[User]:
    """The organisation's people as its provider sees them: everyone in it (`User.objects.in_organisation`) and
    everyone deactivated in it, who is in none of its teams any more but may come back."""
    deactivated = Deactivation.objects.filter(organisation=organisation, person=OuterRef("pk"))
    return User.objects.filter(Q(pk__in=User.objects.in_organisation(organisation).values("pk")) | Exists(deactivated),
                               erased_at__isnull=True)


def with_teams(users: QuerySet[User], organisation: Organisation) -> QuerySet[User]:
    """Each person with `deactivated_here` and `teams_here` (their memberships of the organisation's teams):
    one query for the people, one for all their memberships."""
    return users.annotate(
        deactivated_here=Exists(Deactivation.objects.filter(organisation=organisation, person=OuterRef("pk"))),
    ).prefetch_related(Prefetch(
        "memberships", to_attr="teams_here",
        queryset=Membership.objects.filter(team__organisation=organisation).select_related("team").order_by("team_id"),
    ))


def person_in(provider: IdentityProvider, resource_id: str) -> User:
    """The organisation's person with this id, with their teams; anyone else is not found (404)."""
    if re.fullmatch(r"[0-9]{1,18}", resource_id):
        found = with_teams(people(provider.organisation).filter(pk=int(resource_id)), provider.organisation).first()
        if found is not None:
            return found
    raise ScimError(404, f"{provider.organisation.name} has no person with the id “{resource_id}”.")


def is_active_here(person: User) -> bool:
    return person.is_active and not person.deactivated_here


def user_resource(request: HttpRequest, person: User) -> dict:
    return {
        "schemas": [USER_SCHEMA],
        "id": str(person.pk),
        "userName": person.email,
        "name": {"formatted": person.name},
        "displayName": person.name,
        "emails": [{"value": person.email, "type": "work", "primary": True}],
        "active": is_active_here(person),
        "groups": [{"value": str(m.team_id), "display": m.team.name, "type": "direct",
                    "$ref": request.build_absolute_uri(reverse("scim:group", args=[m.team_id]))}
                   for m in person.teams_here],
        "meta": {"resourceType": "User", "created": person.date_joined,
                 "location": request.build_absolute_uri(reverse("scim:user", args=[person.pk]))},
    }


@dataclass
class UserChanges:
    """What a request asks of a person, as Charter keeps it: an address (which it does not change), a display
    name and whether they are active. None: not asked."""

    user_name: str | None = None
    active: bool | None = None
    formatted: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    display_name_attribute: str | None = None

    @property
    def display_name(self) -> str | None:
        """The name people read: name.formatted, else given and family name, else displayName. Half a name
        (a given name without the family name) is not enough to write one."""
        if self.formatted and self.formatted.strip():
            name = self.formatted
        elif self.given_name and self.family_name:
            name = f"{self.given_name.strip()} {self.family_name.strip()}"
        elif self.display_name_attribute and self.display_name_attribute.strip():
            name = self.display_name_attribute
        else:
            return None
        return " ".join(name.split())[:DISPLAY_NAME_LENGTH]

    def take(self, attribute: str, value: object) -> None:
        """One attribute of a User (`name.givenName`, `active`…, lower-case); Charter ignores the ones it does
        not keep (phone numbers, the enterprise extension, `emails`: its one address is the userName)."""
        attribute = _without_schema(attribute, USER_SCHEMA)
        if attribute == "name" and isinstance(value, dict):
            for part, part_value in value.items():
                self.take(f"name.{part.lower()}", part_value)
        elif attribute == "active":
            self.active = as_boolean(value)
        elif attribute == "username":
            self.user_name = as_text(value, "userName")
        elif attribute == "displayname":
            self.display_name_attribute = as_text(value, "displayName")
        elif attribute == "name.formatted":
            self.formatted = as_text(value, "name.formatted")
        elif attribute == "name.givenname":
            self.given_name = as_text(value, "name.givenName")
        elif attribute == "name.familyname":
            self.family_name = as_text(value, "name.familyName")

    @classmethod
    def of_resource(cls, body: dict) -> UserChanges:
        changes = cls()
        for attribute, value in body.items():
            if attribute.lower() not in ("schemas", "id", "meta"):
                changes.take(attribute, value)
        return changes


def as_boolean(value: object) -> bool:
    """`false`, and the string "False" some providers send for it."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ScimError(400, f"active must be true or false, not {json.dumps(value)}.", "invalidValue")


def as_text(value: object, attribute: str) -> str:
    if isinstance(value, str):
        return value
    raise ScimError(400, f"{attribute} must be a string, not {json.dumps(value)}.", "invalidValue")


def patch_changes(body: dict) -> UserChanges:
    """The changes of a PATCH (RFC 7644 3.5.2): `add` and `replace` with a path, or with an object of attributes
    and no path (as Azure and Okta send them); `remove` takes nothing Charter keeps away, so it changes nothing."""
    operations = body.get("Operations")
    if not isinstance(operations, list) or not operations:
        raise ScimError(400, "A PATCH lists its changes in “Operations”.", "invalidSyntax")
    changes = UserChanges()
    for operation in operations:
        if not isinstance(operation, dict) or not isinstance(operation.get("op"), str):
            raise ScimError(400, "Each operation is an object with an “op”.", "invalidSyntax")
        op, target, value = operation["op"].lower(), operation.get("path"), operation.get("value")
        if op not in ("add", "replace", "remove"):
            raise ScimError(400, f"“{operation['op']}” is not an operation: add, replace or remove.", "invalidSyntax")
        if op == "remove":
            continue
        if target is None:
            if not isinstance(value, dict):
                raise ScimError(400, f"An “{op}” without a path takes an object of attributes.", "invalidValue")
            for attribute, attribute_value in value.items():
                changes.take(attribute, attribute_value)
        elif isinstance(target, str):
            changes.take(target, value)
        else:
            raise ScimError(400, "An operation's path is a string.", "invalidPath")
    return changes


def provision_person(*, provider: IdentityProvider, email: str, display_name: str) -> User:
    """Create the account for a new address (no password: they sign in through the provider), or take the
    existing account of someone not yet in the organisation; either way they join its default team as a member.

    Refused when the provider has no default team to put them in (they would belong to no team, and so not to
    the organisation); for an existing account, unless the provider claims its address's domain, and when
    Charter's site admin switched it off.
    """
    organisation = provider.organisation
    with transaction.atomic():
        person = User.objects.select_for_update().filter(email__iexact=email).first()
        if person is not None and sso.provider_for_email(email) != provider:
            # Someone's account from elsewhere joins only through the provider that owns their address's domain,
            # as at single sign-on: another organisation's provider cannot claim them by knowing the address.
            raise ActionRefused(f"{email} already has an account in Charter, and {provider.name} does not sign in "
                                f"addresses of its domain. Add the domain to the identity provider settings, or "
                                "invite them to a team.")
        if person is not None and not person.is_active:
            raise ActionRefused(f"The account of {email} is switched off in Charter. Ask Charter's site admin.")
        created = person is None
        if created:
            person = User.objects.create_user(email, None, display_name=display_name)
        if not sso.place_person(provider, person, []):
            raise ActionRefused(f"{organisation.name}'s identity provider settings name no default team (or it is "
                                "archived), so a new person would be in none of its teams. Choose a default team.")
        audit.record(AuditKind.PERSON_PROVISIONED, organisation=organisation, actor=None, actor_email=via(provider),
                     summary=(f"{email} was created by {provider.name} through provisioning" if created else
                              f"{email}'s account was added to {organisation.name} by {provider.name} "
                              "through provisioning"),
                     changes={"person": email, "account": "created" if created else "existing"})
    return person


def apply_changes(*, provider: IdentityProvider, person: User, changes: UserChanges) -> None:
    """A PUT's or PATCH's changes, all or none: the name people read, then leaving or coming back."""
    organisation = provider.organisation
    if changes.user_name is not None and changes.user_name.strip().lower() != person.email:
        raise ScimError(400, "Charter does not change a person's address (userName) through provisioning: it is "
                             "how they sign in, in every organisation they belong to.", "mutability")
    with transaction.atomic():
        # Providers retry and send in parallel: two requests about one person take turns (the organisation's lock
        # comes first, as in `deactivate_person`), and the second reads what the first did before it decides.
        lock_organisation(organisation.pk)
        person = person_in(provider, str(person.pk))
        name = changes.display_name
        if name is not None and name != person.display_name:
            person.display_name = name
            person.save(update_fields=["display_name"])
        if changes.active is False and is_active_here(person):
            services.deactivate_person(organisation=organisation, person=person, actor=None, via=via(provider))
        elif changes.active is True and person.deactivated_here:
            services.reactivate_person(organisation=organisation, person=person, actor=None, via=via(provider))
        elif changes.active is True and not person.is_active:
            raise ActionRefused(f"The account of {person.email} is switched off for all of Charter, not by "
                                f"{organisation.name}. Ask Charter's site admin.")


def list_users(request: HttpRequest, provider: IdentityProvider) -> HttpResponse:
    organisation = provider.organisation
    email = filter_value(request, attributes={"username", "emails.value", "emails"}, schema=USER_SCHEMA)
    start, count = paging(request)
    found = people(organisation)
    if email is not None:
        found = found.filter(email__iexact=email.strip())
    total = found.count()
    page = with_teams(found.order_by("pk"), organisation)[start - 1:start - 1 + count] if count else []
    return list_answer([user_resource(request, person) for person in page], total=total, start=start)


def create_user(request: HttpRequest, provider: IdentityProvider) -> HttpResponse:
    changes = UserChanges.of_resource(body_of(request))
    email = (changes.user_name or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ScimError(400, f"userName must be the person's e-mail address, not “{email}”.", "invalidValue") from None
    if people(provider.organisation).filter(email__iexact=email).exists():
        raise ScimError(409, f"{email} is already in {provider.organisation.name}.", "uniqueness")
    try:
        person = provision_person(provider=provider, email=email, display_name=changes.display_name or "")
    except IntegrityError:  # the same address, created by a request that committed meanwhile
        raise ScimError(409, f"{email} was just created by another request.", "uniqueness") from None
    if changes.active is False:  # created as a leaver already: rare, but a provider may sync one
        apply_changes(provider=provider, person=person, changes=changes)
    created = user_resource(request, person_in(provider, str(person.pk)))
    return answer(created, 201, {"Location": created["meta"]["location"]})


def read_user(request: HttpRequest, provider: IdentityProvider, resource_id: str) -> HttpResponse:
    return answer(user_resource(request, person_in(provider, resource_id)))


def replace_user(request: HttpRequest, provider: IdentityProvider, resource_id: str) -> HttpResponse:
    person = person_in(provider, resource_id)
    apply_changes(provider=provider, person=person, changes=UserChanges.of_resource(body_of(request)))
    return answer(user_resource(request, person_in(provider, resource_id)))


def patch_user(request: HttpRequest, provider: IdentityProvider, resource_id: str) -> HttpResponse:
    person = person_in(provider, resource_id)
    apply_changes(provider=provider, person=person, changes=patch_changes(body_of(request)))
    return answer(user_resource(request, person_in(provider, resource_id)))


def delete_user(request: HttpRequest, provider: IdentityProvider, resource_id: str) -> HttpResponse:
    """Deleting a User deactivates them: what they wrote stays, under their name, marked "former member"."""
    person = person_in(provider, resource_id)
    apply_changes(provider=provider, person=person, changes=UserChanges(active=False))
    return answer(None, 204)


# Groups: the organisation's teams, read-only --------------------------------------------------------------

def with_members(teams: QuerySet[Team]) -> QuerySet[Team]:
    """Each team with `members_here`, its memberships and their people: one query for all the teams'."""
    return teams.prefetch_related(Prefetch("memberships", to_attr="members_here",
                                           queryset=Membership.objects.select_related("user").order_by("user_id")))


def group_resource(request: HttpRequest, team: Team) -> dict:
    return {
        "schemas": [GROUP_SCHEMA],
        "id": str(team.pk),
        "displayName": team.name,
        "members": [{"value": str(m.user_id), "display": m.user.name, "type": "User",
                     "$ref": request.build_absolute_uri(reverse("scim:user", args=[m.user_id]))}
                    for m in team.members_here],
        "meta": {"resourceType": "Group", "created": team.created_at,
                 "location": request.build_absolute_uri(reverse("scim:group", args=[team.pk]))},
    }


def list_groups(request: HttpRequest, provider: IdentityProvider) -> HttpResponse:
    name = filter_value(request, attributes={"displayname"}, schema=GROUP_SCHEMA)
    start, count = paging(request)
    teams = Team.objects.filter(organisation=provider.organisation)
    if name is not None:
        teams = teams.named(name.strip())
    total = teams.count()
    page = with_members(teams.order_by("pk"))[start - 1:start - 1 + count] if count else []
    return list_answer([group_resource(request, team) for team in page], total=total, start=start)


def read_group(request: HttpRequest, provider: IdentityProvider, resource_id: str) -> HttpResponse:
    team = None
    if re.fullmatch(r"[0-9]{1,18}", resource_id):
        team = with_members(Team.objects.filter(organisation=provider.organisation, pk=int(resource_id))).first()
    if team is None:
        raise ScimError(404, f"{provider.organisation.name} has no team with the id “{resource_id}”.")
    return answer(group_resource(request, team))


def teams_are_managed_in_charter(request: HttpRequest, provider: IdentityProvider, **kwargs) -> HttpResponse:
    raise ScimError(501, TEAMS_IN_CHARTER)


# What the service provider offers (RFC 7643 5-7) ----------------------------------------------------------

def attribute(name: str, kind: str = "string", *, description: str, multi_valued: bool = False,
              required: bool = False, mutability: str = "readWrite", uniqueness: str = "none",
              sub_attributes: list[dict] | None = None) -> dict:
    described = {"name": name, "type": kind, "multiValued": multi_valued, "description": description,
                 "required": required, "caseExact": False, "mutability": mutability, "returned": "default",
                 "uniqueness": uniqueness}
    if sub_attributes:
        described["subAttributes"] = sub_attributes
    return described


def _reference(description: str, mutability: str) -> list[dict]:
    return [attribute("value", description=f"The {description}'s id.", mutability=mutability),
            attribute("display", description=f"The {description}'s name.", mutability="readOnly"),
            attribute("$ref", "reference", description=f"The {description}'s address.", mutability=mutability)]


SCHEMAS = {
    USER_SCHEMA: {
        "name": "User", "description": "A person of the organisation.",
        "attributes": [
            attribute("userName", required=True, uniqueness="server",
                      description="The person's e-mail address: how they sign in. Not changed once created."),
            attribute("name", "complex", description="The person's name; Charter keeps it as one display name.",
                      sub_attributes=[attribute("formatted", description="The whole name."),
                                      attribute("givenName", description="Given name."),
                                      attribute("familyName", description="Family name.")]),
            attribute("displayName", description="The name people read in Charter."),
            attribute("emails", "complex", multi_valued=True, mutability="readOnly",
                      description="The person's one address, the userName.",
                      sub_attributes=[attribute("value", description="The address."),
                                      attribute("type", description="Always work."),
                                      attribute("primary", "boolean", description="Always true.")]),
            attribute("active", "boolean", description="False: deactivated in the organisation, as a leaver."),
            attribute("groups", "complex", multi_valued=True, mutability="readOnly",
                      description="The organisation's teams the person is in.",
                      sub_attributes=_reference("team", "readOnly")),
        ],
    },
    GROUP_SCHEMA: {
        "name": "Group", "description": "A team of the organisation (read-only).",
        "attributes": [
            attribute("displayName", required=True, mutability="readOnly", description="The team's name."),
            attribute("members", "complex", multi_valued=True, mutability="readOnly",
                      description="The people in the team.", sub_attributes=_reference("person", "readOnly")),
        ],
    },
}
RESOURCE_TYPES = {
    "User": {"endpoint": "/Users", "schema": USER_SCHEMA, "description": "The organisation's people."},
    "Group": {"endpoint": "/Groups", "schema": GROUP_SCHEMA, "description": "The organisation's teams, read-only."},
}


def schema_resource(request: HttpRequest, schema_id: str) -> dict:
    return {"schemas": [SCHEMA_SCHEMA], "id": schema_id, **SCHEMAS[schema_id],
            "meta": {"resourceType": "Schema",
                     "location": request.build_absolute_uri(reverse("scim:schema", args=[schema_id]))}}


def resource_type_resource(request: HttpRequest, name: str) -> dict:
    return {"schemas": [RESOURCE_TYPE_SCHEMA], "id": name, "name": name, **RESOURCE_TYPES[name],
            "meta": {"resourceType": "ResourceType",
                     "location": request.build_absolute_uri(reverse("scim:resource_type", args=[name]))}}


def read_service_provider_config(request: HttpRequest, provider: IdentityProvider) -> HttpResponse:
    return answer({
        "schemas": [CONFIG_SCHEMA],
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [{
            "type": "oauthbearertoken", "name": "Bearer token", "primary": True,
            "description": "The provisioning token an admin of the organisation makes on its identity provider "
                           "settings, sent as “Authorization: Bearer …”.",
        }],
        "meta": {"resourceType": "ServiceProviderConfig",
                 "location": request.build_absolute_uri(reverse("scim:service_provider_config"))},
    })


def list_resource_types(request: HttpRequest, provider: IdentityProvider) -> HttpResponse:
    resources = [resource_type_resource(request, name) for name in RESOURCE_TYPES]
    return list_answer(resources, total=len(resources), start=1)


def read_resource_type(request: HttpRequest, provider: IdentityProvider, name: str) -> HttpResponse:
    if name not in RESOURCE_TYPES:
        raise ScimError(404, f"There is no resource type “{name}”: User and Group.")
    return answer(resource_type_resource(request, name))


def list_schemas(request: HttpRequest, provider: IdentityProvider) -> HttpResponse:
    resources = [schema_resource(request, schema_id) for schema_id in SCHEMAS]
    return list_answer(resources, total=len(resources), start=1)


def read_schema(request: HttpRequest, provider: IdentityProvider, schema_id: str) -> HttpResponse:
    if schema_id not in SCHEMAS:
        raise ScimError(404, f"There is no schema “{schema_id}”.")
    return answer(schema_resource(request, schema_id))


def nothing_here(request: HttpRequest, provider: IdentityProvider, rest: str) -> HttpResponse:
    raise ScimError(404 if rest not in ("Bulk", "Me", ".search", "Users/.search", "Groups/.search") else 501,
                    f"Charter's SCIM service has no “/{rest}”: it answers /Users, /Groups, /ServiceProviderConfig, "
                    "/ResourceTypes and /Schemas.")


urlpatterns = [
    path("ServiceProviderConfig", endpoint(get=read_service_provider_config), name="service_provider_config"),
    path("ResourceTypes", endpoint(get=list_resource_types), name="resource_types"),
    path("ResourceTypes/<str:name>", endpoint(get=read_resource_type), name="resource_type"),
    path("Schemas", endpoint(get=list_schemas), name="schemas"),
    path("Schemas/<str:schema_id>", endpoint(get=read_schema), name="schema"),
    path("Users", endpoint(get=list_users, post=create_user), name="users"),
    path("Users/<str:resource_id>", endpoint(get=read_user, put=replace_user, patch=patch_user, delete=delete_user),
         name="user"),
    path("Groups", endpoint(get=list_groups, post=teams_are_managed_in_charter), name="groups"),
    path("Groups/<str:resource_id>", endpoint(get=read_group, put=teams_are_managed_in_charter,
                                              patch=teams_are_managed_in_charter,
                                              delete=teams_are_managed_in_charter), name="group"),
    # Anything else under /scim/v2/ is answered in SCIM's words too, not with the site's HTML 404.
    re_path(r"^(?P<rest>.*)$", endpoint(get=nothing_here, post=nothing_here, put=nothing_here, patch=nothing_here,
                                        delete=nothing_here), name="elsewhere"),
]
