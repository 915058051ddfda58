from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from gongzhi.imports.layout import SHEETS
from gongzhi.imports.runner import not_a_workbook
from gongzhi.imports.workbook import Book, NotAWorkbook, read_book


class ImportForm(forms.Form):
    sheets = SHEETS  # the sheets read from the workbook; a subclass names another register's

    file = forms.FileField(
        label=_("Workbook (.xlsx)"),
        allow_empty_file=True,  # refused below, with the same words as any other unreadable file
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("At most %(size)s.") % {
            "size": filesizeformat(settings.IMPORT_MAX_BYTES)
        }
        self.content = b""
        self.book = Book()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise ValidationError(
                _("The file is %(size)s; the largest accepted is %(max)s.")
                % {"size": filesizeformat(upload.size), "max": filesizeformat(settings.IMPORT_MAX_BYTES)}
            )
        content = upload.read()
        try:
            if not content:
                raise NotAWorkbook
            self.book = read_book(content, self.sheets)
        except NotAWorkbook:
            raise ValidationError(not_a_workbook().message) from None
        self.content = content
        return upload

    @property
    def filename(self) -> str:
        return PurePath(self.cleaned_data["file"].name or "").name or "upload.xlsx"
