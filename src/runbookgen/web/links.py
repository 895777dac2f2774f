"""URLs between the site's pages, relative so the site works from any sub-path or ``file://``.

MkDocs decides where a page lands (``history.md`` → ``history/``); :func:`page_url` repeats
that rule so the core can link pages without importing MkDocs. Repository URLs (edit
links, pull requests, commits) are derived here too, from ``repo_url``.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit


def page_url(src_uri: str, directory_urls: bool = True) -> str:
    """The URL MkDocs gives a Markdown page (relative to the site root)."""
    stem, _ = posixpath.splitext(src_uri)
    if posixpath.basename(stem) in ("index", "README"):
        d = posixpath.dirname(stem)
        return f"{d}/" if d else ""
    return f"{stem}/" if directory_urls else f"{stem}.html"


def root_prefix(url: str) -> str:
    """Relative path from a page at ``url`` back to the site root (``""``, ``"../"`` …)."""
    return "../" * url.count("/")


@dataclass(frozen=True)
class Links:
    """Relative links from the page at ``url``."""

    url: str
    directory_urls: bool = True

    @property
    def root(self) -> str:
        return root_prefix(self.url)

    def page(self, src_uri: str, anchor: str = "") -> str:
        target = page_url(src_uri, self.directory_urls)
        href = self.root + target if target else (self.root or "./")
        return href + (f"#{anchor}" if anchor else "")

    def file(self, path: str) -> str:
        return self.root + path


def edit_base(repo_url: str | None, edit_uri: str | None, docs_dir: str) -> str | None:
    """The repository's "edit file" URL prefix for paths relative to the repository root.

    MkDocs' ``edit_uri`` points into ``docs_dir``; run files live beside it, so the
    trailing ``docs_dir`` segment is removed. ``None`` when there is no ``repo_url``.
    """
    if not repo_url:
        return None
    if edit_uri is None:
        if "github.com" in repo_url or "gitlab.com" in repo_url:
            edit_uri = "edit/master/docs/"
        elif "bitbucket.org" in repo_url:
            edit_uri = "src/default/docs/"
        else:
            return None
    base = urljoin(repo_url.rstrip("/") + "/", edit_uri).rstrip("/")
    tail = "/" + docs_dir.strip("/")
    if base.endswith(tail):
        base = base[: -len(tail)]
    return base + "/"


def github_base(repo_url: str | None) -> str | None:
    """``https://github.com/owner/repo`` when ``repo_url`` is a GitHub repository, else None
    (pull request numbers only become links where the URL scheme is known)."""
    if not repo_url:
        return None
    u = urlsplit(repo_url.strip())
    parts = [p for p in u.path.split("/") if p]
    if (
        u.scheme not in ("http", "https")
        or u.hostname not in ("github.com", "www.github.com")
        or len(parts) < 2
    ):
        return None
    name = parts[1][:-4] if parts[1].endswith(".git") else parts[1]
    return f"https://github.com/{parts[0]}/{name}"
