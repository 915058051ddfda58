"""An upload of the territory workbook and how far its import has got."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Refused")


class ImportStage(models.TextChoices):
    CHECKING = "checking", _("Checking rows")
    SAVING = "saving", _("Saving")


class ImportJob(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="import_jobs"
    )
    filename = models.CharField(_("file name"), max_length=255)
    # Which import this is: the dotted path of its Importer; empty for the territory's.
    importer = models.CharField(_("import kind"), max_length=100, blank=True, default="")
    # The uploaded workbook, kept until the job finishes (a worker may pick it up later).
    content = models.BinaryField(_("content"), blank=True, default=b"")
    # The language of the upload request: messages of a queued job are written in it.
    language = models.CharField(_("language"), max_length=16, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING, db_index=True
    )
    stage = models.CharField(
        _("stage"), max_length=10, choices=ImportStage.choices, default=ImportStage.CHECKING
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    # [{"sheet": ..., "row": ..., "column": ..., "message": ...}], already translated.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # {"places": n, "service_points": n, "organisations": n}
    created = models.JSONField(_("created"), default=dict, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="importjob_user_recent")]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.is_finished else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))
