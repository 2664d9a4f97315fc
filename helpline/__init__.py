"""Helpline: an open-source helpdesk."""

__version__ = "0.1.0"
