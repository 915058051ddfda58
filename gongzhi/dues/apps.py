from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuesConfig(AppConfig):
    name = "gongzhi.dues"
    label = "dues"
    verbose_name = _("Party dues")
