"""The documents the planner writes for people outside it, in Chinese (default) or English.

- :func:`connection_reply` -- the reply to a service applicant (报装答复);
- :func:`shutdown_notice` -- the 24-hour notice as a utility posts it (停水通知: area,
  accounts, time, reason, contact, emergency supply points);
- :func:`emergency_supply_plan` -- the emergency-supply plan of an outage over 24 hours.

Each takes the planning result and a language (``None``: the current one) and returns
plain text (UTF-8, Markdown-compatible headings). Every sentence is a catalog message
(``application/locale``); dates are written ``2025年7月1日`` and pressures
``0.28 MPa (28.0 m)``. Planning's own English reasons are worded again from the
structured result (:mod:`application.documents.wording`).
"""

from application.documents.notice import Contact, emergency_supply_plan, shutdown_notice
from application.documents.reply import connection_reply

__all__ = ["Contact", "connection_reply", "emergency_supply_plan", "shutdown_notice"]
