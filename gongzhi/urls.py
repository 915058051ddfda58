from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

from gongzhi.accounts import views as account_views
from gongzhi.api import api

# The Django admin is for superusers only; everyone else works through the product's own pages.
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser
admin.site.site_header = _("Gongzhi administration")
# One sign-in for the whole site, so the admin cannot bypass the second-factor rule of LoginView.
admin.site.login = account_views.login

urlpatterns = [
    path("", include("gongzhi.core.urls")),
    path("accounts/", include("gongzhi.accounts.urls")),
    path("", include("gongzhi.territory.urls")),
    path("party/", include("gongzhi.party.urls")),
    path("members/", include("gongzhi.members.urls")),
    path("life/", include("gongzhi.orglife.urls")),
    path("dues/", include("gongzhi.dues.urls")),
    path("transfers/", include("gongzhi.transfers.urls")),
    path("recruitment/", include("gongzhi.recruitment.urls")),
    path("demands/", include("gongzhi.demands.urls")),
    path("calendar/", include("gongzhi.workdays.urls")),
    path("collective/", include("gongzhi.collective.urls")),
    path("deliberation/", include("gongzhi.deliberation.urls")),
    path("notifications/", include("gongzhi.notifications.urls")),
    path("m/", include("gongzhi.portal.urls")),
    path("api/v1/", api.urls),
    path("open311/v2/", include("gongzhi.demands.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
]

# A page that does not exist answers in the layout of where it was asked (the portal, or the staff pages).
handler404 = "gongzhi.core.views.not_found"
