"""Background work of notifications: e-mail goes out of the request, after the commit."""

from django.core.mail import send_mail
from django.tasks import task
from django.utils import timezone

from cchc.core.links import absolute_url
from cchc.notifications.models import Notification


@task
def email_notification(notification_id: int) -> bool:
    """Send one notification by e-mail (once); return whether it was sent. Its link is
    absolute (SITE_URL): a relative one means nothing in a mail reader."""
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or notification.emailed_at or not notification.user.email:
        return False
    send_mail(
        subject=f"[CCHC] {notification.title}",
        message=f"{notification.body}\n\n{absolute_url(notification.url)}".strip(),
        from_email=None,
        recipient_list=[notification.user.email],
    )
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return True
