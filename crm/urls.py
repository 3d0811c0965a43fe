from __future__ import annotations

from django.urls import path

from . import views

app_name = "crm"

urlpatterns = [
    path("institutions/", views.institution_list, name="institution_list"),
    path("institutions/new/", views.institution_create, name="institution_create"),
    path("institutions/duplicates/", views.institution_duplicates, name="institution_duplicates"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution_detail"),
    path("institutions/<int:pk>/edit/", views.institution_edit, name="institution_edit"),
    path("institutions/<int:pk>/merge/", views.institution_merge, name="institution_merge"),
    path("institutions/<int:pk>/history/", views.institution_history, name="institution_history"),
    path(
        "institutions/<int:pk>/interactions/new/",
        views.interaction_create,
        name="interaction_create",
    ),
    path("institutions/<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path(
        "contacts/<int:pk>/personal-data/",
        views.contact_personal_data,
        name="contact_personal_data",
    ),
    path(
        "contacts/<int:pk>/personal-data.<str:fmt>",
        views.contact_export,
        name="contact_export",
    ),
    path("institutions/<int:pk>/milestones/new/", views.milestone_create, name="milestone_create"),
    path("milestones/<int:pk>/delete/", views.milestone_delete, name="milestone_delete"),
    path("follow-ups/<int:pk>/done/", views.follow_up_toggle, name="follow_up_toggle"),
    path("my-work/", views.my_work, name="my_work"),
    path("autocomplete/users/", views.autocomplete_users, name="autocomplete_users"),
    path("autocomplete/buildings/", views.autocomplete_buildings, name="autocomplete_buildings"),
    path(
        "autocomplete/institutions/",
        views.autocomplete_institutions,
        name="autocomplete_institutions",
    ),
]
