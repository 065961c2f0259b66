"""Renderers of a Plan: text for terminals and logs, Markdown for pull requests, JSON."""
