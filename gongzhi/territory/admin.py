from django.contrib import admin

from gongzhi.territory.models import Place, ServicePoint


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent", "closed_on"]
    list_filter = ["kind"]
    search_fields = ["name", "code", "pinyin"]
    readonly_fields = ["path", "depth", "pinyin"]


@admin.register(ServicePoint)
class ServicePointAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "place", "closed_on"]
    search_fields = ["name", "code"]
