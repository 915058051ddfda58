from django.utils import timezone
from django_tasks import task

from gongzhi.notifications.channels import CHANNELS
from gongzhi.notifications.models import Notification


@task()
def deliver_notification(notification_id: int) -> list[str]:
    """Deliver by every channel not yet used; idempotent, so a retried task sends nothing twice."""
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None:
        return []
    sent = []
    for name, channel in CHANNELS.items():
        if name in notification.delivered:
            continue
        if channel(notification):
            # Recorded at once: should a later channel fail, the retry must not send this one again.
            notification.delivered[name] = timezone.now().isoformat()
            notification.save(update_fields=["delivered"])
            sent.append(name)
    return sent
