from django.contrib import admin

from gongzhi.orglife.models import LifeRecord


@admin.register(LifeRecord)
class LifeRecordAdmin(admin.ModelAdmin):
    """Read-only: records change through the services, which authorise, validate and audit."""

    list_display = ["held_on", "type", "org", "topic", "expected", "below_quorum"]
    list_filter = ["type", "below_quorum"]
    search_fields = ["topic", "org__name"]
    date_hierarchy = "held_on"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
