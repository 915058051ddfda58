from django.contrib import admin

from gongzhi.territory.models import Place, ServicePoint


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent", "closed_on"]
    list_filter = ["kind"]
    search_fields = ["name", "code", "pinyin"]
    # The tree (parent, path) changes only through the services, which keep every descendant's path right.
    readonly_fields = ["code", "kind", "parent", "path", "depth", "pinyin"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ServicePoint)
class ServicePointAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "place", "closed_on"]
    search_fields = ["name", "code"]
