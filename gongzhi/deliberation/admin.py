"""Read-only admin: deliberation records change through the services, which authorise, validate, audit,
and refuse every write to a closed meeting except an amendment with a reason."""

from django.contrib import admin

from gongzhi.deliberation.models import (
    ActionItem,
    Amendment,
    Committee,
    Meeting,
    Motion,
    Resolution,
    Seat,
    Topic,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Committee)
class CommitteeAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "place", "branch", "quorum_label", "majority_rule", "active"]
    list_filter = ["kind", "majority_rule", "active"]
    search_fields = ["name", "place__name"]


@admin.register(Seat)
class SeatAdmin(ReadOnlyAdmin):
    list_display = ["committee", "stakeholder", "holder", "since", "until"]
    list_filter = ["stakeholder"]
    list_select_related = ["committee", "user", "member"]


@admin.register(Topic)
class TopicAdmin(ReadOnlyAdmin):
    list_display = ["title", "committee", "source", "status", "created_at"]
    list_filter = ["status", "source"]
    search_fields = ["title"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["title", "committee", "scheduled_at", "mode", "status", "closed_at"]
    list_filter = ["status", "mode"]
    date_hierarchy = "scheduled_at"


@admin.register(Motion)
class MotionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "meeting", "rule", "status", "result", "result_note"]
    list_filter = ["rule", "status", "result"]


@admin.register(Resolution)
class ResolutionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "meeting", "adopted_at", "published"]
    list_filter = ["published"]


@admin.register(ActionItem)
class ActionItemAdmin(ReadOnlyAdmin):
    list_display = ["title", "resolution", "owner_display", "deadline", "status", "progress"]
    list_filter = ["status"]


@admin.register(Amendment)
class AmendmentAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "target", "field", "by", "at"]
