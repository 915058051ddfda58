"""Staff pages of resident demands. Every change is a POST to its own URL; the names are used by the
services (detail), the navigation (worklist) and the browser tests."""

from django.urls import path

from gongzhi.demands import questions
from gongzhi.demands.views import catalogue, detail, intake, lists, stats

ACTIONS = (
    "accept",
    "dispatch",
    "contact",
    "transfer",
    "return",
    "extend",
    "resolve",
    "escalate",
    "reject",
    "merge",
)

app_name = "demands"
urlpatterns = [
    path("", lists.worklist, name="worklist"),
    path("worklist.<str:fmt>", lists.worklist_export, name="worklist_export"),
    path("bulk-dispatch/", lists.bulk_dispatch, name="bulk_dispatch"),
    path("all/", lists.demand_list, name="list"),
    path("all.<str:fmt>", lists.list_export, name="list_export"),
    path("new/", intake.demand_create, name="create"),
    path("grid-report/", intake.grid_report, name="grid_report"),
    path("lookup/places/", intake.place_lookup, name="place_lookup"),
    path("lookup/similar/", intake.similar_lookup, name="similar_lookup"),
    path("lookup/questions/", questions.questions_partial, name="questions"),
    path("stats/", stats.demand_stats_page, name="stats"),
    path("categories/", catalogue.category_list, name="category_list"),
    path("categories/new/", catalogue.category_create, name="category_create"),
    path("categories/<int:pk>/", catalogue.category_edit, name="category_edit"),
    path("categories/<int:pk>/questions/", catalogue.question_add, name="question_add"),
    path("questions/<int:pk>/", catalogue.question_edit, name="question_edit"),
    path("questions/<int:pk>/remove/", catalogue.question_remove, name="question_remove"),
    path("stats.xlsx", stats.demand_stats_export, name="stats_export"),
    path("photos/<int:pk>/", detail.demand_photo, name="photo"),
    path("<int:pk>/", detail.demand_detail, name="detail"),
    path("<int:pk>/reveal/", detail.demand_reveal, name="reveal"),
    path("<int:pk>/similar/", detail.demand_similar, name="similar"),
    *[path(f"<int:pk>/{name}/", detail.demand_action, {"action": name}, name=name) for name in ACTIONS],
]
