"""Alerts to the team's own channel: a JSON message POSTed to a webhook (Slack, Teams, ...).

Off unless ALERT_WEBHOOK_URL is set. Delivery never fails a run: the caller logs the outcome.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import Mapping

WEBHOOK_ENV = "ALERT_WEBHOOK_URL"
TIMEOUT_S = 5.0


def webhook_url() -> str | None:
    """Return the webhook URL from the environment, or None when alerts are off."""
    return os.environ.get(WEBHOOK_ENV, "").strip() or None


def post_json(url: str, payload: Mapping[str, object]) -> str | None:
    """POST `payload` as JSON; return None on success, else why it was not delivered."""
    if urlsplit(url).scheme not in {"http", "https"}:
        return f"{WEBHOOK_ENV} must be an http(s) URL"
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        data=json.dumps(payload, default=str).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
            status = int(response.status)
    except (urllib.error.URLError, OSError) as error:
        return f"{type(error).__name__}: {error}"
    return None if status < 300 else f"HTTP {status}"  # noqa: PLR2004
