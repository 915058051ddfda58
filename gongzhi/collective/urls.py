from django.urls import path

from gongzhi.collective.views import companies, decisions

app_name = "collective"
urlpatterns = [
    path("", companies.company_list, name="company_list"),
    path("export/", companies.company_list_export, name="company_list_export"),
    path("companies/new/", companies.company_create, name="company_create"),
    path("companies/<int:pk>/", companies.company_detail, name="company_detail"),
    path("companies/<int:pk>/export/", companies.company_export, name="company_export"),
    path("companies/<int:pk>/years/new/", companies.year_create, name="year_create"),
    path("years/<int:pk>/edit/", companies.year_edit, name="year_edit"),
    path("decisions/", decisions.decision_list, name="decision_list"),
    path("decisions/new/", decisions.decision_propose, name="decision_propose"),
    path("decisions/<int:pk>/", decisions.decision_detail, name="decision_detail"),
    path("decisions/<int:pk>/steps/", decisions.step_record, name="step_record"),
    path("decisions/<int:pk>/print/", decisions.decision_print, name="decision_print"),
    path("steps/<int:pk>/documents/", decisions.document_add, name="document_add"),
    path("documents/<int:pk>/", decisions.document_file, name="document_file"),
]
