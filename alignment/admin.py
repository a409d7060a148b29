from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from alignment import erasure, services
from alignment.errors import ActionRefused
from alignment.models import AuditEvent, Invitation, Membership, Organisation, Team, User

# The admin signs in on the site's sign-in page: its lockout, its two-factor step, its single sign-on.
admin.site.login = secure_admin_login(admin.site.login)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "time_zone", "is_staff", "is_active", "date_joined", "erase_after"]
    list_filter = ["is_staff", "is_superuser", "is_active", ("erase_after", admin.EmptyFieldListFilter)]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["display_name", "time_zone"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
        (_("Deletion"), {"fields": ["erase_after", "erased_at"]}),
    ]
    readonly_fields = ["erase_after", "erased_at"]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    actions = ["deactivate", "schedule_deletion", "cancel_deletion"]

    @admin.action(description=_("Deactivate: end their sessions, hand their work to leaders"),
                  permissions=["change"])
    def deactivate(self, request, queryset) -> None:
        """The leavers' path of the people directory (`services.deactivate_everywhere`), for each chosen person."""
        done = 0
        for person in queryset:
            if person.pk == request.user.pk:
                self.message_user(request, _("You cannot deactivate yourself."), messages.ERROR)
                continue
            refusals = services.deactivate_everywhere(person=person, actor=request.user)
            for refusal in refusals:
                self.message_user(request, f"{person.email}: {refusal}", messages.ERROR)
            done += not refusals
        if done:
            self.message_user(request, _("%(count)d deactivated: their sessions ended and what they carried went "
                                         "to their teams' leaders.") % {"count": done}, messages.SUCCESS)


    @admin.action(description=_("Delete their accounts after the grace period (they are e-mailed and may cancel)"),
                  permissions=["change"])
    def schedule_deletion(self, request, queryset) -> None:
        """"Delete my account" for each chosen person (`erasure.schedule_erasure`), as if they had asked."""
        done = 0
        for person in queryset:
            try:
                erasure.schedule_erasure(person=person, actor=request.user)
            except ActionRefused as exc:
                self.message_user(request, f"{person.email}: {exc}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, _("%(count)d account(s) will be deleted in %(days)d days; each was told by "
                                         "e-mail.") % {"count": done, "days": settings.ACCOUNT_DELETION_GRACE_DAYS},
                              messages.SUCCESS)

    @admin.action(description=_("Cancel the scheduled deletion of their accounts"), permissions=["change"])
    def cancel_deletion(self, request, queryset) -> None:
        done = 0
        for person in queryset.filter(erase_after__isnull=False, erased_at__isnull=True):
            try:
                erasure.cancel_erasure(person=person, actor=request.user)
            except ActionRefused as exc:
                self.message_user(request, f"{person.email}: {exc}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, _("%(count)d deletion(s) cancelled.") % {"count": done}, messages.SUCCESS)


class TeamInline(admin.TabularInline):
    model = Team
    fields = ["name", "slug", "time_zone"]
    extra = 0
    show_change_link = True


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug", "purpose"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["admins"]
    inlines = [TeamInline]


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "is_leader", "is_member", "is_facilitator", "joined_at"]
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "time_zone", "checkin_weekday", "checkin_time",
                    "review_cadence_weeks", "archived_at"]
    list_filter = ["organisation", ("archived_at", admin.EmptyFieldListFilter), "checkin_weekday", "time_zone"]
    search_fields = ["name", "slug", "organisation__name"]
    list_select_related = ["organisation"]
    fieldsets = [
        (None, {"fields": ["organisation", "name", "slug", "archived_at"]}),
        (_("Rhythm"), {"fields": ["time_zone", "checkin_weekday", "checkin_time", "review_cadence_weeks"]}),
    ]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "is_leader", "is_member", "is_facilitator", "joined_at"]
    list_filter = ["is_leader", "is_member", "is_facilitator", "team__organisation"]
    search_fields = ["user__email", "user__display_name", "team__name"]
    list_select_related = ["user", "team"]
    raw_id_fields = ["user", "team"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "team", "is_leader", "is_member", "is_facilitator", "created_at", "expires_at",
                    "accepted_at", "revoked_at"]
    list_filter = ["team__organisation", "is_leader", "is_facilitator"]
    search_fields = ["email", "team__name"]
    list_select_related = ["team"]
    raw_id_fields = ["team", "invited_by", "accepted_by"]
    readonly_fields = ["token_hash", "email_sent_at", "accepted_by", "accepted_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail, to read: nobody adds, changes or deletes an event here (nor anywhere in the app)."""

    list_display = ["at", "kind", "actor_email", "organisation", "team", "summary", "ip_address"]
    list_filter = ["kind"]
    search_fields = ["actor_email", "summary"]
    date_hierarchy = "at"
    list_select_related = ["organisation", "team__organisation"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
