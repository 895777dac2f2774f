"""Who may sign: ``signers:`` entries, and exact matching of git identities against them.

``signers:`` (the runbook's front matter, or the ``runbookgen`` plugin options in
``mkdocs.yml``) maps a sign-off label — the field's label, ``Engineering Manager`` — or
the name people write in it, ``Jane Doe``, to people, each given as a full email address
and/or a GitHub login::

    signers:
      Engineering Manager: [jane@example.com, jdoe]

Matching is exact (case-insensitive, as email domains and GitHub logins are): ``jdoe``
matches the login ``jdoe`` and GitHub's noreply address for it
(``12345+jdoe@users.noreply.github.com``), never ``jdoe@evil.example``. A git author is
whatever the committer typed, so a match says only that the names agree; ``signatures.py``
says what a signature adds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from runbookgen.errors import RunbookgenError
from runbookgen.text import quoted

# a GitHub login: letters, digits and single hyphens inside, 1-39 characters
_LOGIN = re.compile(r"@?(?P<login>[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})")
_EMAIL = re.compile(r"\A[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.[A-Za-z]{2,63}")
# GitHub's noreply addresses: 12345+login@users.noreply.github.com (and the older login@…)
_NOREPLY = re.compile(r"\A(?:[0-9]+\+)?(?P<login>[A-Za-z0-9-]{1,39})@users\.noreply\.github\.com")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class People:
    """The people allowed for one ``signers:`` key: emails and GitHub logins, casefolded."""

    emails: frozenset[str]
    logins: frozenset[str]

    def matches_email(self, email: str) -> bool:
        """``email`` is one of theirs, or GitHub's noreply address for one of their logins."""
        e = email.strip().casefold()
        if e in self.emails:
            return True
        login = github_login(e)
        return login is not None and login in self.logins

    def matches_signer(self, identity: str) -> bool:
        """A key's identity (an SSH principal, a GPG user id's email) is one of theirs."""
        i = identity.strip().casefold()
        return self.matches_email(i) or i.lstrip("@") in self.logins

    def __str__(self) -> str:
        return ", ".join(sorted(self.emails) + sorted(self.logins))


def github_login(email: str) -> str | None:
    """The GitHub login of a noreply address (casefolded), None for any other address."""
    m = _NOREPLY.fullmatch(email.strip().casefold())
    return m.group("login") if m else None


def name_key(text: str) -> str:
    """A label or name as ``signers:`` keys are compared: casefolded, spaces collapsed,
    without a leading ``@`` and markup stars."""
    return _SPACES.sub(" ", text.replace("*", " ")).strip().casefold().lstrip("@").strip()


def parse_signers(raw: object, source: str) -> dict[str, People]:
    """``signers:`` from ``source`` (a file name, for the error) → key → people.

    Raises :class:`RunbookgenError` naming the entry for anything but a mapping of names
    to an email address, a GitHub login, or a list of them.
    """
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise RunbookgenError(
            "'signers:' must map sign-off labels or names to email addresses and GitHub "
            f"logins, e.g. 'Engineering Manager: [jane@example.com, jdoe]' (got {type(raw).__name__})",
            source,
        )
    out: dict[str, People] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not name_key(key):
            raise RunbookgenError(f"'signers:' has a key that is not a label or name: {quoted(key)}", source)
        entries = [value] if isinstance(value, str) else value
        if not isinstance(entries, list) or not entries:
            raise RunbookgenError(
                f"'signers:' entry {quoted(key)} must be an email address, a GitHub login or a list of them",
                source,
            )
        out[name_key(key)] = _people(key, entries, source)
    return out


def _people(key: str, entries: Iterable[object], source: str) -> People:
    emails: set[str] = set()
    logins: set[str] = set()
    for entry in entries:
        text = entry.strip() if isinstance(entry, str) else None
        if text and _EMAIL.fullmatch(text):
            emails.add(text.casefold())
            continue
        m = _LOGIN.fullmatch(text) if text else None
        if m is None:
            raise RunbookgenError(
                f"'signers:' entry {quoted(key)}: {quoted(entry)} is neither a full email address "
                "(jane@example.com) nor a GitHub login (jdoe)",
                source,
            )
        logins.add(m.group("login").casefold())
    return People(frozenset(emails), frozenset(logins))
