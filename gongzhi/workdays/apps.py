from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    name = "gongzhi.workdays"
    label = "workdays"
    verbose_name = _("Working-day calendar")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from gongzhi.workdays.calendar import overrides_changed
        from gongzhi.workdays.models import CalendarDay

        post_save.connect(overrides_changed, sender=CalendarDay, dispatch_uid="workdays-saved")
        post_delete.connect(overrides_changed, sender=CalendarDay, dispatch_uid="workdays-deleted")
