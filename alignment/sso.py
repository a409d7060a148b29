"""Single sign-on: which organisation's identity provider signs an address in, and where its people go.

An organisation's admins configure one OpenID Connect provider (`IdentityProvider`) and the e-mail domains it
claims. From the sign-in page, an address in one of those domains is sent to the provider; when the provider
answers, allauth signs the person in, creating the account on first sign-in (`alignment.accounts`), and
`place_person` puts them in the organisation's teams as the provider's groups say (the group mapping), or
in its default team. With "SSO required", a password is refused for those domains except for the
organisation's admins (the break-glass way in, audited).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from alignment import audit, sealed
from alignment.models import (
    AuditKind,
    IdentityProvider,
    IdentityProviderDomain,
    Membership,
    Organisation,
    Role,
    Team,
    User,
)

ROLE_WORDS = {role.value: role for role in Role}


def domain_of(email: str) -> str:
    return email.strip().lower().rpartition("@")[2]


def provider_for_email(email: str) -> IdentityProvider | None:
    """The identity provider that claims this address's domain, with its organisation (1 query); None if none."""
    domain = domain_of(email)
    if not domain:
        return None
    claimed = (IdentityProviderDomain.objects.select_related("provider__organisation")
               .filter(domain=domain).first())
    return claimed.provider if claimed else None


def provider_by_id(provider_id: str) -> IdentityProvider | None:
    """The provider allauth knows as `provider_id` ("org<organisation id>"), or None (1 query)."""
    number = provider_id.removeprefix("org")
    if not provider_id.startswith("org") or not number.isdigit():
        return None
    return IdentityProvider.objects.select_related("organisation").filter(organisation_id=int(number)).first()


def refusal_of_password(provider: IdentityProvider | None, user: User | None) -> str:
    """Why a password may not sign someone in whose domain `provider` claims, or "" when it may (0–1 query).

    Only "SSO required" refuses it, and never to the organisation's admins: without their password nobody could
    fix a broken provider (the break-glass way in).
    """
    if provider is None or not provider.sso_required:
        return ""
    if user is not None and provider.organisation.admins.filter(pk=user.pk).exists():
        return ""
    return (f"{provider.organisation.name} signs its people in through {provider.name}. "
            f"Use “Continue with {provider.name}” below.")


def password_refusal(email: str, user: User | None) -> str:
    """`refusal_of_password` for the provider of this address's domain."""
    return refusal_of_password(provider_for_email(email), user)


def is_break_glass(email: str, user: User) -> IdentityProvider | None:
    """The provider an admin just bypassed with their password, when SSO is required for their domain."""
    provider = provider_for_email(email)
    if provider is not None and provider.sso_required and not refusal_of_password(provider, user):
        return provider
    return None


@dataclass(frozen=True)
class GroupRule:
    group: str
    team_slug: str
    roles: frozenset[Role]


def parse_group_mapping(text: str, organisation: Organisation | None = None) -> list[GroupRule]:
    """"engineering = platform member, leaders = platform leader,member" → rules; raises ValidationError.

    With `organisation`, each team must be one of its teams (by short name).
    """
    rules, problems = [], []
    teams = set(Team.objects.filter(organisation=organisation).values_list("slug", flat=True)) if organisation else None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        group, equals, target = line.partition("=")
        words = target.split()
        if not equals or not group.strip() or not words:
            problems.append(f"Line {number}: write “group = team-short-name role”.")
            continue
        team_slug, role_words = words[0], ",".join(words[1:]) or "member"
        roles = {word.strip().lower() for word in role_words.split(",") if word.strip()}
        unknown = roles - set(ROLE_WORDS)
        if unknown:
            problems.append(f"Line {number}: “{', '.join(sorted(unknown))}” is not a role "
                            f"(member, leader or facilitator).")
            continue
        if teams is not None and team_slug not in teams:
            problems.append(f"Line {number}: the organisation has no team with the short name “{team_slug}”.")
            continue
        rules.append(GroupRule(group.strip(), team_slug, frozenset(ROLE_WORDS[word] for word in roles)))
    if problems:
        raise ValidationError(problems)
    return rules


def groups_from_claims(claims: dict, claim: str) -> list[str]:
    value = claims.get(claim) or []
    if isinstance(value, str):
        value = [part for part in value.replace(",", " ").split() if part]
    return [str(item) for item in value]


def place_person(provider: IdentityProvider, user: User, groups: list[str]) -> list[Membership]:
    """Put someone who just signed in through `provider` in the teams their groups map to (roles added, never
    taken away: leaving is the provider's deactivation, `alignment.scim`); with no mapped group, in the default
    team as a member. Returns the memberships made or given roles."""
    try:
        rules = parse_group_mapping(provider.group_mapping)
    except ValidationError:
        rules = []  # saved through the form, which checks it; a team renamed since maps to nothing
    wanted: dict[str, set[Role]] = {}
    for rule in rules:
        if rule.group in groups:
            wanted.setdefault(rule.team_slug, set()).update(rule.roles)
    teams = {team.slug: team for team in Team.objects.filter(organisation=provider.organisation,
                                                             slug__in=wanted, archived_at__isnull=True)}
    if not teams and provider.default_team_id and not wanted:
        default = Team.objects.filter(pk=provider.default_team_id, archived_at__isnull=True).first()
        if default:
            teams, wanted = {default.slug: default}, {default.slug: {Role.MEMBER}}
    changed = []
    with transaction.atomic():
        for slug, team in teams.items():
            roles = wanted[slug]
            membership, created = Membership.objects.select_for_update().get_or_create(
                team=team, user=user, defaults={f"is_{role.value}": role in roles for role in Role})
            if created:
                membership.team = team
                audit.record(AuditKind.MEMBER_ADDED, team=team, actor=user,
                             summary=f"{user.email} joined {team.name} as {membership.role_labels} "
                                     f"through {provider.name}",
                             changes={"member": user.email, "roles": ", ".join(r.value for r in membership.roles),
                                      "groups": ", ".join(groups)})
                changed.append(membership)
            elif not roles <= set(membership.roles):
                before = [role.value for role in membership.roles]
                membership.set_roles(set(membership.roles) | roles)
                membership.save(update_fields=["is_leader", "is_member", "is_facilitator"])
                membership.team = team
                audit.record(AuditKind.ROLES_CHANGED, team=team, actor=user,
                             summary=f"Roles of {user.email} in {team.name} changed to {membership.role_labels} "
                                     f"through {provider.name}",
                             changes={"member": user.email,
                                      "roles": [before, [role.value for role in membership.roles]]})
                changed.append(membership)
    return changed


# Configuring it (the organisation's admins, `views.organisation_sign_in`) ---------------------------------

SETTINGS_AUDITED = ("protocol", "name", "issuer_url", "client_id", "saml_entity_id", "saml_sso_url", "sso_required",
                    "groups_claim", "group_mapping", "default_team")


def _described(provider: IdentityProvider | None) -> dict:
    if provider is None:
        return {}
    described = {field: getattr(provider, field) for field in SETTINGS_AUDITED}
    described["default_team"] = provider.default_team.name if provider.default_team_id else ""
    described["domains"] = ", ".join(sorted(provider.domains.values_list("domain", flat=True)))
    described["saml_certificate"] = "set" if provider.saml_certificate else ""
    return described


def save_provider(*, organisation: Organisation, actor, domains: list[str], client_secret: str = "",
                  **fields) -> IdentityProvider:
    """Create or change the organisation's identity provider and the domains it claims, in the audit trail.

    An empty `client_secret` keeps the one saved. Raises ValidationError when a domain is another
    organisation's already.
    """
    domains = sorted({domain.strip().lower() for domain in domains if domain.strip()})
    with transaction.atomic():
        provider = (IdentityProvider.objects.select_for_update(of=("self",)).select_related("default_team")
                    .filter(organisation=organisation).first())
        before = _described(provider)
        old_certificate = provider.saml_certificate if provider else ""
        taken = (IdentityProviderDomain.objects.filter(domain__in=domains)
                 .exclude(provider__organisation=organisation).values_list("domain", flat=True))
        if taken:
            raise ValidationError({"email_domains": f"Another organisation signs in {', '.join(sorted(taken))}."})
        provider = provider or IdentityProvider(organisation=organisation)
        for field, value in fields.items():
            setattr(provider, field, value)
        secret_changed = bool(client_secret)
        if secret_changed:
            provider.client_secret_sealed = sealed.seal(client_secret)
        provider.save()
        provider.domains.exclude(domain__in=domains).delete()
        IdentityProviderDomain.objects.bulk_create(
            [IdentityProviderDomain(provider=provider, domain=domain) for domain in domains], ignore_conflicts=True)
        after = _described(provider)
        changes = {key: [before.get(key, ""), value] for key, value in after.items() if before.get(key, "") != value}
        if old_certificate and provider.saml_certificate != old_certificate:
            changes["saml_certificate"] = "changed"
        if secret_changed:
            changes["client_secret"] = "changed"
        if changes:
            audit.record(AuditKind.IDENTITY_PROVIDER_CHANGED, organisation=organisation, actor=actor,
                         summary=f"Sign-in through {provider.name} ({provider.issuer_url or provider.saml_entity_id}) "
                                 f"{'set up' if not before else 'changed'} for {organisation.name}",
                         changes=changes)
    return provider


def remove_provider(*, organisation: Organisation, actor) -> bool:
    """Stop signing the organisation's people in through its provider; they sign in with a password again."""
    with transaction.atomic():
        provider = IdentityProvider.objects.select_for_update().filter(organisation=organisation).first()
        if provider is None:
            return False
        before = _described(provider)
        provider.delete()
        audit.record(AuditKind.IDENTITY_PROVIDER_REMOVED, organisation=organisation, actor=actor,
                     summary=f"Sign-in through {before['name']} removed from {organisation.name}",
                     changes={key: [value, ""] for key, value in before.items() if value not in ("", False)})
    return True
