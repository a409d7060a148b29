"""Organisations, teams, memberships with roles, and invitations."""

from __future__ import annotations

import base64
import hashlib
import zoneinfo
from datetime import time

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from alignment.one_query import read_first


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a time zone we know (try Europe/London)."),
                              params={"value": value})


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)

    def in_organisation(self, organisation):
        """Everyone in the organisation: its admins, everyone in one of its teams (archived ones too), and
        whoever once accepted an invitation to one of them: a membership that ended leaves that trace only.
        An erased account is nobody any more: what it wrote stays, as "Former member", but it is in no list."""
        in_a_team = Membership.objects.filter(user=models.OuterRef("pk"), team__organisation=organisation)
        joined = Invitation.objects.filter(accepted_by=models.OuterRef("pk"), team__organisation=organisation)
        admin = Organisation.admins.through.objects.filter(user=models.OuterRef("pk"), organisation=organisation)
        return self.filter(models.Exists(in_a_team) | models.Exists(joined) | models.Exists(admin),
                           erased_at__isnull=True)

    def get(self, *args, **kwargs):
        """As a queryset's `get`; a person asked for by primary key alone, as a number, is read with SQL kept
        from the first time (`one_query.read_first`). That is what every signed-in request asks: the
        authentication backends read the session's user so (`ModelBackend.get_user`), and building, compiling
        and planning that query cost more than running it."""
        if args or kwargs.keys() != {"pk"} or type(kwargs["pk"]) is not int or self._db is not None:
            return super().get(*args, **kwargs)
        user = read_first(_user_by_pk, pk=kwargs["pk"])
        if user is None:
            raise self.model.DoesNotExist(f"{self.model._meta.object_name} matching query does not exist.")
        return user

    def get_by_natural_key(self, email: str):
        # Addresses are stored lower-cased; people type them as their keyboard capitalises them.
        return self.get(**{self.model.USERNAME_FIELD: email.strip().lower()})


class User(AbstractUser):
    """A person; logs in with their email address."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(
        _("display name"), max_length=80, blank=True,
        help_text=_("How teammates see you. Defaults to the part of your email before the @."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone],
        help_text=_("Times are shown to you in this zone."),
    )
    reminders_snoozed_until = models.DateTimeField(
        _("reminders snoozed until"), null=True, blank=True,
        help_text=_("Reminders are not sent to you before this moment."),
    )
    quiet_hours_start = models.TimeField(
        _("quiet hours start"), null=True, blank=True,
        help_text=_("From this time (in your time zone) reminder emails wait until the quiet hours end."),
    )
    quiet_hours_end = models.TimeField(_("quiet hours end"), null=True, blank=True)
    # "Delete my account" (alignment/erasure.py): the account is erased by the first daily run after this moment;
    # until then the person keeps working and may cancel. `erased_at` says it was done.
    erase_after = models.DateTimeField(
        _("account deletion scheduled for"), null=True, blank=True,
        help_text=_("The daily erasure deletes this account's personal data after this moment; empty: not scheduled."),
    )
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        indexes = [
            # The daily erasure: accounts whose deletion day has come and that are not erased yet.
            models.Index(fields=["erase_after"], condition=Q(erase_after__isnull=False, erased_at__isnull=True),
                         name="user_erasure_due"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def erasure_scheduled(self) -> bool:
        return self.erase_after is not None and self.erased_at is None

    def clean(self) -> None:
        super().clean()
        # Logging in looks addresses up lower-cased (see UserManager), so store them that way.
        self.email = self.email.lower()

    @property
    def name(self) -> str:
        return self.name_of(self.display_name, self.email)

    @staticmethod
    def name_of(display_name: str, email: str) -> str:
        """The name a person goes by: their display name, else their address up to the @."""
        return display_name or email.split("@")[0]

    def get_short_name(self) -> str:
        return self.name

    def get_full_name(self) -> str:
        return self.name


def _user_by_pk(pk) -> models.QuerySet:
    return User.objects.filter(pk=pk).order_by()


class Role(models.TextChoices):
    LEADER = "leader", _("Leader")
    MEMBER = "member", _("Member")
    FACILITATOR = "facilitator", _("Facilitator")


# Each role with the flag that holds it, in the roles' order (read for every membership a page shows).
_ROLE_FLAGS = tuple((role, f"is_{role.value}") for role in Role)


class RoleFlags(models.Model):
    """The roles a person holds (or is invited to hold) in a team; several at once."""

    is_leader = models.BooleanField(_("leader"), default=False)
    is_member = models.BooleanField(_("member"), default=True)
    is_facilitator = models.BooleanField(_("facilitator"), default=False)

    class Meta:
        abstract = True

    @property
    def roles(self) -> list[Role]:
        return [role for role, flag in _ROLE_FLAGS if getattr(self, flag)]

    @property
    def role_labels(self) -> str:
        return ", ".join(str(role.label) for role in self.roles)

    def has_role(self, role: Role | str) -> bool:
        return bool(getattr(self, f"is_{Role(role).value}"))

    def set_roles(self, roles) -> None:
        wanted = {Role(role) for role in roles}
        for role in Role:
            setattr(self, f"is_{role.value}", role in wanted)

    @staticmethod
    def at_least_one_role(name: str) -> models.CheckConstraint:
        return models.CheckConstraint(
            condition=Q(is_leader=True) | Q(is_member=True) | Q(is_facilitator=True), name=name
        )


class Organisation(models.Model):
    """A company or a body of teams; its admins run it without being in every team.

    Its purpose has the three parts a team's charter has (charters' `PurposePart`, whose labels
    these fields repeat: the core does not import a feature). `purpose` is the outcome: it held
    the whole purpose before the parts were split, and the map has always shown it first.
    """

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    purpose_serves = models.TextField(
        _("Who it serves"), blank=True,
        help_text=_("The people the organisation exists for."),
    )
    purpose = models.TextField(
        _("The outcome it exists to create"), blank=True,
        help_text=_("Why the organisation exists. Team purposes connect to it."),
    )
    purpose_refuses = models.TextField(
        _("What it refuses to trade away"), blank=True,
        help_text=_("What no team gives up, even for a goal."),
    )
    default_time_zone = models.CharField(
        _("time zone for new teams"), max_length=64, blank=True, validators=[validate_time_zone],
        help_text=_("A new team starts in this zone; its leader can change it. None chosen: the zone of "
                    "whoever creates it."),
    )
    closed_cycle_retention_months = models.PositiveSmallIntegerField(
        _("keep closed cycles for (months)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text=_("Blank keeps them for ever. Otherwise a cycle closed longer ago, with its retrospective, is "
                    "deleted by the daily purge; charter versions, check-ins and decisions stay."),
    )
    checkin_words_retention_months = models.PositiveSmallIntegerField(
        _("keep check-in words for (months)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text=_("Blank keeps them for ever. Otherwise, once a review cycle has been closed this long, the words "
                    "of its check-ins (with their blockers and replies) are blanked by the daily run; the cycle's "
                    "summary, its retrospective and the counts stay."),
    )
    mfa_required = models.BooleanField(
        _("require two-factor sign-in"), default=False,
        help_text=_("Everyone in the organisation must add an authenticator app or a passkey before they can "
                    "use Charter; people who signed in through the organisation's identity provider are asked "
                    "too, unless it already checks a second factor."),
    )
    audit_retention_months = models.PositiveSmallIntegerField(
        _("keep the audit trail for (months)"), default=24, validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text=_("Audit events older than this are deleted by the daily purge."),
    )
    admins = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="administered_organisations", blank=True,
        help_text=_("People who run the organisation: its settings, admins, people and teams."),
    )
    version = models.PositiveIntegerField(default=1, editable=False,
                                          help_text=_("Bumped on each settings save to detect concurrent edits."))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_cycle_retention_months__isnull=True) | Q(closed_cycle_retention_months__gte=1),
                name="organisation_retention_at_least_a_month",
            ),
            models.CheckConstraint(condition=Q(audit_retention_months__gte=1),
                                   name="organisation_audit_retention_at_least_a_month"),
            models.CheckConstraint(
                condition=Q(checkin_words_retention_months__isnull=True) | Q(checkin_words_retention_months__gte=1),
                name="organisation_checkin_words_retention_at_least_a_month",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organisation", args=[self.slug])

    @property
    def purpose_parts(self) -> list[tuple[str, str]]:
        """The purpose's parts that are written, as (label, text), in the order a charter gives them."""
        return [(str(self._meta.get_field(name).verbose_name), getattr(self, name))
                for name in ("purpose_serves", "purpose", "purpose_refuses") if getattr(self, name)]


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class TeamQuerySet(models.QuerySet):
    def active(self) -> TeamQuerySet:
        """Teams at work: what schedulers (reminders, digests, cycle roll-over) should walk; archived ones rest."""
        return self.filter(archived_at__isnull=True)

    def named(self, name: str) -> TeamQuerySet:
        """Teams called `name`, compared as the database's uniqueness rule compares names (lower-cased)."""
        return self.alias(lower_name=Lower("name")).filter(lower_name=Lower(Value(name)))


class Team(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), max_length=60)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone],
        help_text=_("Check-in reminders and weeks follow this zone."),
    )
    checkin_weekday = models.PositiveSmallIntegerField(
        _("check-in day"), choices=Weekday.choices, default=Weekday.FRIDAY
    )
    checkin_time = models.TimeField(_("check-in time"), default=time(10, 0),
                                    help_text=_("Local time in the team's time zone."))
    review_cadence_weeks = models.PositiveSmallIntegerField(
        _("review cycle length (weeks)"), default=6,
        validators=[MinValueValidator(1), MaxValueValidator(26)],
        help_text=_("How often the team reviews its charter in a retrospective."),
    )
    checkins_open_to_team = models.BooleanField(
        _("check-ins open to the whole team"), default=False,
        help_text=_("Off: a check-in is read by its author, the team's leaders and facilitators; other members "
                    "see the week's summary. On: every member of the team reads every check-in."),
    )
    privacy_minimum = models.PositiveSmallIntegerField(
        _("fewest answers a count shows"), default=3, validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("Counts of load and of the charter's pulse smaller than this read “fewer than …” instead of "
                    "the number, for everyone: in a small team a count can name a person."),
    )
    strain_trigger_weeks = models.PositiveSmallIntegerField(
        _("strained weeks that ask for a review"), default=3, validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("A non-negotiable flagged as strained in this many of the recent weeks asks the leaders to "
                    "revisit the charter."),
    )
    strain_trigger_window = models.PositiveSmallIntegerField(
        _("out of the last … weeks"), default=4, validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    unclear_trigger_count = models.PositiveSmallIntegerField(
        _("“unclear who decides” that asks for a review"), default=3,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("An area of work named as unclear who decides this many times since the charter was "
                    "ratified asks the leaders to revisit its boundaries."),
    )
    version = models.PositiveIntegerField(default=1, editable=False,
                                          help_text=_("Bumped on each settings save to detect concurrent edits."))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    archived_at = models.DateTimeField(
        _("archived"), null=True, blank=True,
        help_text=_("An archived team stays readable but accepts no changes until a leader restores it."),
    )

    # Whether the team has a charter in force, and when that charter was ratified: kept by the database from the
    # charters' rows (triggers of charters' migration 0016), whatever writes them, so that the organisation map's
    # filters "no ratified charter yet" and "charter older than N cycles" read the teams they list off an index
    # instead of asking every team's charters. Never written by the application: a team row saved from a copy
    # loaded before a ratification is put right by the same triggers.
    charter_in_force = models.BooleanField(default=False, db_default=False, editable=False)
    charter_ratified_at = models.DateTimeField(null=True, editable=False)
    # Whether the team's confidence is falling (a key result of its charter in force whose latest reading is less
    # confident than the one before it: `charters.organisation_map`): kept by the database from the readings, key
    # results and charters (triggers of charters' migration 0017), for the map's "confidence falling" filter.
    confidence_falling = models.BooleanField(default=False, db_default=False, editable=False)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "name"]
        indexes = [
            # "Charter older than N cycles" on the organisation map: per cycle length, the teams whose charter in
            # force was ratified before a moment (`charters.organisation_map.charter_older_than`).
            models.Index(fields=["organisation", "review_cadence_weeks", "charter_ratified_at"],
                         name="team_charter_age"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="team_slug_unique_per_organisation"),
            # Two teams called "Platform" and "platform" would be one team to the people reading the
            # organisation page. The index also serves `Team.objects.named()` within an organisation.
            models.UniqueConstraint(
                Lower("name"), "organisation", name="team_name_unique_per_organisation",
                violation_error_message=_("There is already a team with this name in this organisation."),
            ),
            models.CheckConstraint(
                condition=Q(review_cadence_weeks__gte=1) & Q(review_cadence_weeks__lte=26),
                name="team_review_cadence_in_range",
            ),
            models.CheckConstraint(condition=Q(checkin_weekday__lte=6), name="team_checkin_weekday_valid"),
        ]
        # The organisation map's search by part of a name (`name__icontains`) has a trigram index on
        # PostgreSQL, `team_name_trigram` on UPPER(name): migration 0011 makes it there only, as SQLite
        # could not, so it is not listed here. Nor is `team_map_order` (migration 0023), the map's order
        # (archived teams last: NULLS FIRST, which SQLite's indexes cannot say), nor `team_map_no_charter`
        # (migration 0024) and `team_map_falling` (migration 0025), the same order for the teams with no charter in
        # force and for those whose confidence is falling.

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation.name})"

    def get_absolute_url(self) -> str:
        return reverse("team", args=[self.organisation.slug, self.slug])

    @cached_property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class MembershipQuerySet(models.QuerySet):
    def leaders(self) -> MembershipQuerySet:
        return self.filter(is_leader=True)

    def leaders_first(self) -> MembershipQuerySet:
        return self.order_by("-is_leader", "user__email")

    def in_active_teams(self) -> MembershipQuerySet:
        return self.filter(team__archived_at__isnull=True)


class Membership(RoleFlags):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["team", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_unique_per_team_user"),
            RoleFlags.at_least_one_role("membership_has_a_role"),
        ]
        indexes = [
            # "Who leads this team?" for the last-leader rule and leader digests.
            models.Index(fields=["team"], condition=Q(is_leader=True), name="membership_team_leaders"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team.name} ({self.role_labels})"

    def get_absolute_url(self) -> str:
        return self.team.get_absolute_url() + f"#member-{self.pk}"

    def is_only_leader_among(self, memberships) -> bool:
        """The last-leader rule: a team always keeps a leader. `memberships` are the team's (or its leaders')."""
        return [m.pk for m in memberships if m.is_leader] == [self.pk]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_from_seed(seed: str) -> str:
    """The secret token a seed stands for: only this server (its SECRET_KEY) can make it again.

    An invitation keeps its seed and the token's hash, never the token: a leaked database does not
    let anyone accept an invitation, while whoever sends its e-mail again makes the same link.
    """
    digest = salted_hmac("alignment.invitation-token", seed, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class InvitationQuerySet(models.QuerySet):
    def pending(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)


class Invitation(RoleFlags):
    """A single-use invitation to join a team; only the token's hash is stored."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email address"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    # The e-mail's outbox entry (as notifications' Delivery): the link can be made again from the seed
    # (`token_from_seed`); a try holds the row until `email_lease_until`, or after a failure waits
    # until then; tries so far.
    token_seed = models.CharField(max_length=64, blank=True, editable=False)
    email_lease_until = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            RoleFlags.at_least_one_role("invitation_has_a_role"),
            models.UniqueConstraint(
                fields=["team", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_team_email",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.team.name}"

    def get_absolute_url(self) -> str:
        return self.team.get_absolute_url() + "#invitations"

    @property
    def is_expired(self) -> bool:
        return self.state == self.State.EXPIRED

    @property
    def state(self) -> Invitation.State:
        if self.accepted_at:
            return self.State.ACCEPTED
        if self.revoked_at:
            return self.State.REVOKED
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        return self.State.PENDING



class AuditKind(models.TextChoices):
    """What an audit event records: security- and governance-relevant changes, a fixed vocabulary."""

    SIGNED_IN = "signed_in", _("Signed in")
    SIGNED_OUT = "signed_out", _("Signed out")
    SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
    ORGANISATION_SETTINGS_CHANGED = "organisation_settings_changed", _("Organisation settings changed")
    ADMIN_ADDED = "admin_added", _("Admin added")
    ADMIN_REMOVED = "admin_removed", _("Admin removed")
    TEAM_CREATED = "team_created", _("Team created")
    TEAM_SETTINGS_CHANGED = "team_settings_changed", _("Team settings changed")
    TEAM_ARCHIVED = "team_archived", _("Team archived")
    TEAM_RESTORED = "team_restored", _("Team restored")
    MEMBER_ADDED = "member_added", _("Member added")
    ROLES_CHANGED = "roles_changed", _("Roles changed")
    MEMBER_MOVED = "member_moved", _("Member moved")
    MEMBER_REMOVED = "member_removed", _("Member removed")
    MEMBER_LEFT = "member_left", _("Member left")
    INVITATION_SENT = "invitation_sent", _("Invitation sent")
    INVITATION_REVOKED = "invitation_revoked", _("Invitation revoked")
    INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
    CHARTER_RATIFIED = "charter_ratified", _("Charter ratified")
    CONSENT_GIVEN = "consent_given", _("Consent given")
    OBJECTION_RAISED = "objection_raised", _("Objection raised")
    OBJECTION_ANSWERED = "objection_answered", _("Objection answered")
    DECISION_CALL_RECORDED = "decision_call_recorded", _("Decision's final call recorded")
    RETRO_PRIVACY_CHANGED = "retro_privacy_changed", _("Retrospective anonymity or hiding changed")
    CALENDAR_ADDRESS_MADE = "calendar_address_made", _("Calendar feed address made")
    CALENDAR_FEED_STOPPED = "calendar_feed_stopped", _("Calendar feed stopped")
    AUDIT_EXPORTED = "audit_exported", _("Audit trail exported")
    AUDIT_PURGED = "audit_purged", _("Old audit events purged")
    SITE_ADMIN_CHANGE = "site_admin_change", _("Change in the site's admin")
    PERSON_DEACTIVATED = "person_deactivated", _("Person deactivated")
    PERSON_REACTIVATED = "person_reactivated", _("Person reactivated")
    DATA_EXPORT_REQUESTED = "data_export_requested", _("Data export requested")
    DATA_EXPORT_DOWNLOADED = "data_export_downloaded", _("Data export downloaded")
    ACCOUNT_ERASURE_SCHEDULED = "account_erasure_scheduled", _("Account deletion scheduled")
    ACCOUNT_ERASURE_CANCELLED = "account_erasure_cancelled", _("Account deletion cancelled")
    ACCOUNT_ERASURE_HELD = "account_erasure_held", _("Account deletion held back")
    ACCOUNT_ERASED = "account_erased", _("Account erased")
    CHECKIN_WORDS_ERASED = "checkin_words_erased", _("Old check-in words erased")
    TWO_FACTOR_ADDED = "two_factor_added", _("Two-factor method added")
    TWO_FACTOR_REMOVED = "two_factor_removed", _("Two-factor method removed")
    RECOVERY_CODES_MADE = "recovery_codes_made", _("Recovery codes made anew")
    TWO_FACTOR_FAILED = "two_factor_failed", _("Two-factor code refused")
    SESSIONS_ENDED = "sessions_ended", _("Other sessions signed out")
    IDENTITY_PROVIDER_CHANGED = "identity_provider_changed", _("Identity provider changed")
    IDENTITY_PROVIDER_REMOVED = "identity_provider_removed", _("Identity provider removed")
    SINGLE_SIGN_ON = "single_sign_on", _("Signed in through the identity provider")
    PERSON_PROVISIONED = "person_provisioned", _("Person created by the identity provider")
    BREAK_GLASS_SIGN_IN = "break_glass_sign_in", _("Admin signed in with a password while single sign-on is required")
    PROVISIONING_TOKEN_MADE = "provisioning_token_made", _("Provisioning (SCIM) token made")
    API_TOKEN_MADE = "api_token_made", _("API token made")
    API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")
    API_CALL = "api_call", _("API call")
    DATA_IMPORTED = "data_imported", _("Spreadsheet imported")


class AuditEventQuerySet(models.QuerySet):
    """Audit events are written once and read; the app has no path to change or delete one.

    `update()` and `delete()` refuse; the only delete is the retention purge (`alignment.audit.purge_expired`),
    which deletes through the base manager with the database's permission (on PostgreSQL, the trigger of
    migration 0016 refuses every other UPDATE or DELETE).
    """

    def update(self, **kwargs):
        raise PermissionError("Audit events cannot be changed.")

    def delete(self):
        raise PermissionError("Audit events cannot be deleted; the retention purge removes old ones.")

    def for_organisation(self, organisation) -> AuditEventQuerySet:
        return self.filter(organisation=organisation)


class AuditEvent(models.Model):
    """Who did what, when, from where, and what changed: one security- or governance-relevant event.

    Written by the service that makes the change, in its transaction (`alignment.audit.record`), so a change
    rolled back leaves no event. The actor's e-mail is copied so the row outlives the person.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    actor_email = models.CharField(_("by"), max_length=254, blank=True,
                                   help_text=_("The actor's address when it happened, or the address tried."))
    kind = models.CharField(_("what"), max_length=40, choices=AuditKind.choices)
    summary = models.CharField(_("summary"), max_length=300)
    changes = models.JSONField(_("what changed"), default=dict, blank=True,
                               help_text=_("Field → [before, after], or the facts of the event."))
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    at = models.DateTimeField(_("when"))

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            # The admins' audit page: an organisation's events, newest first.
            models.Index(fields=["organisation", "-at"], name="auditevent_organisation_at"),
            # The retention purge: events older than a cut-off.
            models.Index(fields=["at"], name="auditevent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}: {self.summary}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events cannot be deleted; the retention purge removes old ones.")


class Deactivation(models.Model):
    """Someone an organisation's admins deactivated (`services.deactivate_person`), and what they had there:
    what `reactivate_person` gives back if it was a mistake. Reactivating removes it; the audit trail keeps both."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="deactivations")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deactivations")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    teams = models.JSONField(default=list)  # [{"team_id": 3, "team": "Platform", "roles": ["member"]}]
    was_admin = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "person"], name="deactivation_once")]

    def __str__(self) -> str:
        return f"{self.person} deactivated in {self.organisation}"


class DataExportQuerySet(models.QuerySet):
    def pending(self) -> DataExportQuerySet:
        return self.filter(state=DataExport.State.PENDING)

    def asked_by(self, person) -> DataExportQuerySet:
        """What `person` asked for, newest first, without the zips (a page lists them; one download reads one)."""
        return self.filter(requested_by=person).defer("archive").order_by("-created_at", "-pk")


class BuiltInBackground:
    """An export built by a task and kept for a while, as it answers about itself: `DataExport`, and an
    organisation's export (transfer/). Its model has `State` (PENDING, READY, FAILED), `state`, `expires_at`
    and `archive_size`."""

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.PENDING

    @property
    def has_failed(self) -> bool:
        return self.state == self.State.FAILED

    def is_downloadable(self, now) -> bool:
        """Ready, not expired, and its file still there."""
        return (self.state == self.State.READY and self.expires_at is not None and now < self.expires_at
                and self.archive_size > 0)

    def is_expired(self, now) -> bool:
        return self.state == self.State.READY and self.expires_at is not None and now >= self.expires_at


class DataExport(BuiltInBackground, models.Model):
    """"Download my data": one request for a zip of everything a person wrote and everything recorded about them.

    Asked by the person, or by an admin of an organisation for someone in it (`organisation` then limits
    the zip to that organisation's teams, and the link goes to the admin). A task builds the zip into
    `archive` (the database, not a file: any web node serves the download) and e-mails the link to whoever
    asked; the row is the e-mail's outbox entry, as an invitation is. The link's token is made again from
    `token_seed` with this server's secret key; the database keeps only its hash. After `expires_at` the
    link stops working and the daily purge deletes the zip.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Could not be prepared")

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("whose data"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("asked by"), help_text=_("The link is e-mailed to them alone."))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        help_text=_("An admin's export covers only this organisation's teams; empty: everything, asked by the person."),
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(_("asked"), default=timezone.now)
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)
    expires_at = models.DateTimeField(_("link expires"), null=True, blank=True)
    token_seed = models.CharField(max_length=64, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    archive = models.BinaryField(null=True, blank=True, editable=False)
    archive_size = models.PositiveIntegerField(_("size (bytes)"), default=0, editable=False)
    # The build's claim: a try holds the row until `build_lease_until` (or, after a failure, waits until then).
    build_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    build_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    # The e-mail's outbox entry (alignment/outbox.py), as an invitation's.
    email_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    email_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    email_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    downloaded_at = models.DateTimeField(_("last downloaded"), null=True, blank=True, editable=False)

    objects = DataExportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One request being prepared at a time, per person asked about and per asker.
            models.UniqueConstraint(fields=["person", "requested_by"], condition=Q(state="pending"),
                                    name="data_export_one_pending_per_asker"),
            models.CheckConstraint(condition=Q(state__in=["pending", "ready", "failed"]),
                                   name="data_export_state_valid"),
            models.CheckConstraint(condition=~Q(state="ready") | Q(ready_at__isnull=False, expires_at__isnull=False),
                                   name="data_export_ready_has_expiry"),
        ]
        indexes = [
            # The profile page: the latest request the person asked for.
            models.Index(fields=["requested_by", "-created_at"], name="data_export_asker_latest"),
            # The daily purge: zips past their expiry.
            models.Index(fields=["expires_at"], name="data_export_expires"),
            # The sweep: requests still being prepared, and ready ones whose e-mail has not gone.
            models.Index(fields=["created_at"], condition=Q(state="pending") | Q(email_sent_at__isnull=True),
                         name="data_export_unfinished"),
        ]

    def __str__(self) -> str:
        return f"Data export of {self.person} asked {self.created_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("profile") + "#your-data"


class ErasureNotice(models.Model):
    """An e-mail about an account's deletion: that it is scheduled (to the person), or that it is held back
    (to the person and the organisation's admins). The row is the e-mail's outbox entry (alignment/outbox.py),
    written once (`erasure_notice_once`), so each is told once however often the daily run meets the same cause.
    """

    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", _("Deletion scheduled")
        HELD = "held", _("Deletion held back")

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("whose account"))
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # What makes it once: the moment a deletion was scheduled for, or a digest of why it is held back.
    key = models.CharField(max_length=64)
    reason = models.TextField(blank=True, help_text=_("Why the deletion is held back, in words."))
    erase_after = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    email_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    email_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    email_attempts = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["person", "recipient", "kind", "key"], name="erasure_notice_once"),
            models.CheckConstraint(condition=Q(kind__in=["scheduled", "held"]), name="erasure_notice_kind_valid"),
        ]
        indexes = [
            # The sweep: notices whose e-mail has not gone.
            models.Index(fields=["created_at"], condition=Q(email_sent_at__isnull=True),
                         name="erasure_notice_unsent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for account {self.person_id}, to {self.recipient_id}"


class IdentityProvider(models.Model):
    """An organisation's identity provider (OpenID Connect): who signs its people in, for the e-mail domains it claims.

    Configured by the organisation's admins (`alignment.sso`). The client secret is kept sealed with a key derived
    from `SECRET_KEY` (`alignment.sealed`); the provisioning (SCIM) token only as a digest. allauth sees it as the
    app of the `openid_connect` provider named `provider_id` (`alignment.accounts.SingleSignOnAdapter`).
    """

    class Protocol(models.TextChoices):
        OIDC = "oidc", _("OpenID Connect")
        SAML = "saml", _("SAML 2.0")

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="identity_provider")
    protocol = models.CharField(_("protocol"), max_length=4, choices=Protocol.choices, default=Protocol.OIDC)
    name = models.CharField(_("name on the sign-in button"), max_length=80, default="your company's sign-in",
                            help_text=_("People read “Continue with …” on the sign-in page."))
    issuer_url = models.URLField(
        _("issuer URL"), max_length=300, blank=True,
        help_text=_("OpenID Connect: the provider's issuer; Charter reads its /.well-known/openid-configuration."))
    client_id = models.CharField(_("client ID"), max_length=200, blank=True,
                                 help_text=_("OpenID Connect: the client Charter is registered as."))
    saml_entity_id = models.CharField(_("identity provider's entity ID"), max_length=300, blank=True,
                                      help_text=_("SAML: the identity provider's entity ID (issuer)."))
    saml_sso_url = models.URLField(_("single sign-on URL"), max_length=300, blank=True,
                                   help_text=_("SAML: where Charter sends the sign-in request (HTTP-Redirect)."))
    saml_certificate = models.TextField(_("signing certificate"), blank=True,
                                        help_text=_("SAML: the identity provider's X.509 signing certificate (PEM)."))
    client_secret_sealed = models.TextField(editable=False, blank=True)
    sso_required = models.BooleanField(
        _("require single sign-on"), default=False,
        help_text=_("Password sign-in is refused for its e-mail domains; the organisation's admins keep "
                    "their password as a break-glass way in, and each such sign-in is in the audit trail."))
    groups_claim = models.CharField(
        _("groups claim"), max_length=80, default="groups",
        help_text=_("The claim of the ID token or user info (OpenID Connect), or the attribute (SAML), that lists "
                    "the person's groups."))
    group_mapping = models.TextField(
        _("groups → teams"), blank=True,
        help_text=_("One line per group: “group = team-short-name role”, role being member, leader or "
                    "facilitator (several with commas). At each sign-in the person joins the mapped teams "
                    "with those roles."))
    default_team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("default team"),
        help_text=_("People whose groups map to no team join this team as members; empty: they join none."))
    scim_token_digest = models.CharField(max_length=64, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.organisation}: {self.issuer_url or self.saml_entity_id}"

    @property
    def is_saml(self) -> bool:
        return self.protocol == self.Protocol.SAML

    @property
    def provider_id(self) -> str:
        """Part of the callback address registered at the provider, so it never changes with a rename."""
        return f"org{self.organisation_id}"


class IdentityProviderDomain(models.Model):
    """An e-mail domain an identity provider signs in; a domain belongs to one organisation's provider."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(_("domain"), max_length=253, unique=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain
