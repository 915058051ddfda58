from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from gongzhi.accounts.models import ApiToken, Assignment, User


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    autocomplete_fields = ["place"]


@admin.register(User)
class GongzhiUserAdmin(UserAdmin):
    inlines = [AssignmentInline]
    list_display = ["username", "display_name", "is_active", "is_superuser", "is_demo"]
    fieldsets = (*UserAdmin.fieldsets, ("Gongzhi", {"fields": ("display_name", "is_demo")}))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]
