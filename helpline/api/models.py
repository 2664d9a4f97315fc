from __future__ import annotations

from django.db import models

from helpline.core.clock import now


class IdempotencyKey(models.Model):
    """The first answer to a POST sent with an Idempotency-Key, replayed when the POST is retried.

    The row is inserted before the request runs (`status_code` NULL = still running), so a second
    request with the same key waits for no one: it is told 409 until the first has finished.
    """

    owner = models.CharField(max_length=64, help_text="Who sent it: 'agent:12', 'customer:5'.")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    response_content_type = models.CharField(max_length=100, blank=True)
    response_headers = models.JSONField(default=dict, blank=True, help_text="Location, ETag… of the answer.")
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="idempotency_key_unique")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.owner}:{self.key}"
