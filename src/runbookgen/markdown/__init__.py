"""Markdown → model: the markdown-it setup, the task grammar, front matter and section kinds.

Everything else reads :class:`runbookgen.model.Runbook`, never Markdown tokens.
"""
