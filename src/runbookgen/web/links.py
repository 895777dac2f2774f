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


def github_ref_url(
    github: str | None, view: str, ref: str, path: str = "", line: int | None = None
) -> str | None:
    """A GitHub page of ``path`` on branch ``ref``: ``view`` is ``blob`` (the file, at ``#L<line>``),
    ``edit`` (the web editor) or ``tree`` (the branch). Branch and path are percent-encoded
    (a ``#`` or ``?`` in a branch name would otherwise end the URL's path); None without a
    GitHub ``repo_url``."""
    from urllib.parse import quote

    if not github or not ref:
        return None
    url = f"{github}/{view}/{quote(ref, safe='/')}"
    if path:
        url += "/" + quote(path, safe="/")
    if line:
        url += f"#L{line}"
    return url


def run_src_uri(runs_url: str, in_runs: str) -> str:
    """A run page's path in the site, from the run file's path inside the runs directory:
    ``<runs_url>/<runbook>/<run>.md`` (its badges are ``<badges_dir>/<that, no .md>.svg``)."""
    return f"{runs_url.strip('/') or 'runs'}/{in_runs}"


def pages_url(site_url: str | None, remote_url: str | None) -> str | None:
    """Where the site is published: ``site_url`` from ``mkdocs.yml``, else the GitHub Pages
    address of a GitHub remote (``https://OWNER.github.io/REPO/``); None when unknown (a
    custom domain needs ``site_url``)."""
    import re

    if site_url and site_url.startswith(("https://", "http://")):
        return site_url.rstrip("/") + "/"
    m = re.match(
        r"^(?:https://(?:[^@/]+@)?github\.com/|ssh://git@github\.com/|git@github\.com:)"
        r"(?P<owner>[A-Za-z0-9-]{1,39})/(?P<repo>[A-Za-z0-9._-]{1,100}?)(?:\.git)?/?$",
        (remote_url or "").strip(),
    )
    if m is None:
        return None
    owner, repo = m.group("owner"), m.group("repo")
    if repo.lower() == f"{owner.lower()}.github.io":
        return f"https://{owner.lower()}.github.io/"
    return f"https://{owner.lower()}.github.io/{repo}/"


def run_badge_markdown(
    site: str, runs_url: str, badges_dir: str, in_runs: str, label: str, directory_urls: bool = True
) -> str:
    """The Markdown of a run's progress badge linking to its page, for a pull request
    description: the badge is rebuilt with every site build, so it follows the branch."""
    from urllib.parse import quote

    src_uri = run_src_uri(runs_url, in_runs)
    badge = f"{site}{quote(badges_dir.strip('/'))}/{quote(posixpath.splitext(src_uri)[0])}.svg"
    page = site + quote(page_url(src_uri, directory_urls))
    alt = label.replace("[", "(").replace("]", ")")
    return f"[![{alt}]({badge})]({page})"
