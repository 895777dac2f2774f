"""Text from run files cannot put markup or script into the site.

Every payload goes into every place a run file can hold text (item text, notes, skip
reasons, sign-off field values, section titles, front matter values); the site is built
for real and every HTML page and the search index are checked for live markup: script
elements, event-handler attributes, frames/objects, and javascript:/data:/vbscript: URLs.
The browser test opens the same pages in Chromium and asserts no dialog fires.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from runbookgen.web.safehtml import block, inline, safe_url, title_text
from test_site_support import Tree, make_repo, mkdocs_build, parse_html, seed_body, write_run

PAYLOADS = [
    "<script>alert(101)</script>",
    "<img src=x onerror=alert(102)>",
    "<svg onload=alert(103)>",
    "<svg><script>alert(104)</script></svg>",
    '<iframe src="javascript:alert(105)"></iframe>',
    "<iframe srcdoc='<script>alert(106)</script>'></iframe>",
    "[click](javascript:alert(107))",
    "[click](JaVaScRiPt:alert(108))",
    "[click](&#106;avascript:alert(109))",
    "[click](&#x6A;avascript&#x3A;alert(110))",
    "[click](java&#x09;script:alert(111))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxMTIpPC9zY3JpcHQ+)",
    "[click](vbscript:msgbox(113))",
    "![pic](javascript:alert(114))",
    "![pic](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMTE1KT4=)",
    "<javascript:alert(116)>",
    "[click](<javascript:alert(117)>)",
    '<a href="javascript:alert(118)">x</a>',
    "&lt;script&gt;alert(119)&lt;/script&gt;",
    "&#60;img src=x onerror=alert(120)&#62;",
    "<details open ontoggle=alert(121)>",
    '" onmouseover="alert(122)" x="',
    "' onfocus='alert(123)' autofocus='",
    "<style>*{background:url(javascript:alert(124))}</style>",
    "`</code><script>alert(125)</script>`",
    '<object data="javascript:alert(126)"></object><embed src=javascript:alert(127)>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(128)>",
    '<base href="javascript:alert(129)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(130)">',
    "[x](  javascript:alert(131) )",
    "[ref][r]\n\n[r]: javascript:alert(132)",
]
FRAMES = frozenset({"iframe", "frame", "frameset", "object", "embed", "applet", "base"})
URL_ATTRS = frozenset(
    {"href", "src", "action", "formaction", "data", "xlink:href", "srcdoc", "poster", "background", "content"}
)
BAD_SCHEME = re.compile(r"^(javascript|vbscript|data):", re.I)
CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def live_markup(tree: Tree, where: str) -> list[str]:
    """Everything in a parsed page that could run a payload (empty list = safe)."""
    problems = []
    for el in tree.all:
        if el.tag in FRAMES:
            problems.append(f"{where}: <{el.tag}>")
        if el.tag == "meta" and el.attrs.get("http-equiv", "").lower() == "refresh":
            problems.append(f"{where}: meta refresh")
        if el.tag in ("script", "style") and re.search(r"alert\(1\d\d\)|msgbox", el.text):
            problems.append(f"{where}: <{el.tag}> holds a payload")
        for name, value in el.attrs.items():
            if name.startswith("on"):
                problems.append(f"{where}: <{el.tag} {name}=…>")
            if name in URL_ATTRS and BAD_SCHEME.match(CONTROL.sub("", value)):
                problems.append(f"{where}: <{el.tag} {name}={value[:40]!r}>")
            if name == "style" and "javascript" in value.lower():
                problems.append(f"{where}: style with javascript")
    return problems


def payload_run(n: int, p: str) -> tuple[str, str]:
    """A run with the payload in every place a run file can hold text."""
    q = json.dumps(p)  # a JSON string is a valid YAML double-quoted scalar
    fm = "\n".join(
        [
            "---",
            "runbook: production-deployment",
            f"template_version: {q}",
            "template_digest: sha256:0",
            f"release: {q}",
            f"date: {q}",
            f"lead: {q}",
            f"status: {q}",
            "---",
            "",
        ]
    )
    one_line = p.replace("\n", " ")
    body = seed_body()
    body = body.replace("- [ ] All code reviewed and approved", f"- [x] All code reviewed {one_line}")
    body = body.replace(
        "- [ ] All tests passing (unit, integration, e2e)",
        "- [x] All tests passing (unit, integration, e2e)\n  " + p.replace("\n", "\n  "),
    )
    body = body.replace("- [ ] Secrets rotated (if needed)", f"- [x] ~~Secrets rotated~~ n/a: {one_line}")
    body = body.replace(
        "- [ ] Engineering Manager: _________________ Date: _______",
        f"- [x] Engineering Manager: {one_line} Date: {one_line}",
        1,
    )
    body = body.replace("### Testing", f"### Testing {one_line}")
    body = body.replace("**Completion Time**: _______", f"**Completion Time**: {one_line}")
    body = body.replace("- [ ] Error rate exceeds 1%", f"- [x] Error rate exceeds 1% {one_line}")
    return f"2026-01-{n:02d}-payload.md", fm + body


@pytest.fixture(scope="module")
def payload_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("xss") / "repo")
    for n, p in enumerate(PAYLOADS, 1):
        name, text = payload_run(n, p)
        (root / "runs" / "production-deployment" / name).write_text(text, encoding="utf-8")
    # a well-formed run with the payloads only in item text, so it is not shown as broken
    body = seed_body().replace(
        "- [ ] All code reviewed and approved",
        "- [x] All code reviewed " + " ".join(p.replace("\n", " ") for p in PAYLOADS),
    )
    write_run(
        root,
        "2026-02-01-v1.md",
        "---\nruntime: x\nrunbook: production-deployment\n"
        "template_version: 2.0.0\ntemplate_digest: sha256:0\nrelease: v1\ndate: 2026-02-01\n"
        "lead: '@eve'\nstatus: in-progress\n---\n",
        body,
    )
    proc = mkdocs_build(root)
    assert proc.returncode == 0, proc.stderr
    return root / "site"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_inline_and_block_rendering_is_inert(payload: str) -> None:
    for html in (inline(payload), block(payload)):
        assert live_markup(parse_html(html), payload) == []
        assert "<script" not in html and "<iframe" not in html
    assert not set("<>&\"'`") & set(title_text(payload))


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JavaScript:x",
        "java\tscript:x",
        "data:text/html,x",
        "vbscript:x",
        "DATA:image/png;base64,xx",
        "jav&#x09;ascript:x",
    ],
)
def test_bad_urls_refused(url: str) -> None:
    assert not safe_url(url)


@pytest.mark.parametrize(
    "url",
    ["https://example.com/a?b#c", "http://x", "mailto:a@b.c", "../runs/x/", "#anchor", "page.md", "?q=a:b"],
)
def test_good_urls_kept(url: str) -> None:
    assert safe_url(url)


def test_no_live_markup_anywhere_in_the_site(payload_site: Path) -> None:
    problems: list[str] = []
    pages = sorted(payload_site.rglob("*.html"))
    assert len(pages) > len(PAYLOADS)
    for path in pages:
        where = str(path.relative_to(payload_site))
        problems += live_markup(parse_html(path.read_text(encoding="utf-8")), where)
    assert problems == []


def test_search_index_holds_no_live_markup(payload_site: Path) -> None:
    index = json.loads((payload_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    problems: list[str] = []
    for doc in index["docs"]:
        for key in ("title", "text"):
            problems += live_markup(parse_html(doc[key]), f"index {doc['location']} {key}")
    assert problems == []


def test_payloads_are_shown_as_text(payload_site: Path) -> None:
    html = (payload_site / "runs/production-deployment/2026-02-01-v1/index.html").read_text()
    assert "&lt;script&gt;alert(101)&lt;/script&gt;" in html
    first = (payload_site / "runs/production-deployment/2026-01-01-payload/index.html").read_text()
    assert "&lt;script&gt;alert(101)&lt;/script&gt;" in first  # front matter value, escaped


# ---------------------------------------------------------------- git history is untrusted too
GIT_PAYLOADS = [
    *[p for p in PAYLOADS if "\n" not in p][:12],
    "<img src=x onerror=alert(1)>",
    '" onmouseover="alert(133)',
    "Mallory</time><script>alert(134)</script>",
]


def git_payload_repo(root: Path) -> Path:
    """A repository whose commit authors, emails and messages are the payloads, each
    ticking one box of one run (so every payload reaches a tick, a timeline or a sign-off)."""
    import os
    import subprocess

    from conftest import GIT_ENV

    def git(*args: str, n: int = 0, who: str = "Setup", email: str = "setup@example.com") -> None:
        stamp = f"2026-12-01T09:{n:02d}:00+00:00"
        env = {
            **os.environ,
            **GIT_ENV,
            "GIT_AUTHOR_NAME": who,
            "GIT_COMMITTER_NAME": who,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_EMAIL": email,
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_DATE": stamp,
        }
        proc = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr

    run = write_run(
        root,
        "2026-12-01-v9.md",
        "---\nrunbook: production-deployment\n"
        "template_version: 2.0.0\ntemplate_digest: sha256:0\nrelease: v9\n"
        "date: 2026-12-01\nlead: '@eve'\nstatus: in-progress\n---\n",
        seed_body(),
    )
    git("init", "-q", "-b", "main")
    git("add", "runs", "content", "mkdocs.yml")
    git("commit", "-q", "-m", "start")
    for n, p in enumerate(GIT_PAYLOADS, 1):
        text = run.read_text(encoding="utf-8")
        if n == len(GIT_PAYLOADS):  # the last one signs off
            text = text.replace(
                "- [ ] Engineering Manager: _________________ Date: _______",
                "- [x] Engineering Manager: Jane Date: 2026-12-01",
                1,
            )
        else:
            text = text.replace("- [ ] ", "- [x] ", 1)
        run.write_text(text, encoding="utf-8")
        git("commit", "-q", "-am", f"{p} (#{n})", n=n, who=p, email=f'm{n}@example.com" onclick="alert({n})')
    return run


@pytest.fixture(scope="module")
def git_payload_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("xssgit") / "repo")
    git_payload_repo(root)
    proc = mkdocs_build(root)
    assert proc.returncode == 0, proc.stderr
    return root / "site"


def test_git_authors_emails_and_messages_are_inert(git_payload_site: Path) -> None:
    problems: list[str] = []
    for path in sorted(git_payload_site.rglob("*.html")):
        where = str(path.relative_to(git_payload_site))
        problems += live_markup(parse_html(path.read_text(encoding="utf-8")), where)
    assert problems == []
    html = (git_payload_site / "runs/production-deployment/2026-12-01-v9/index.html").read_text()
    assert html.count('class="rbg-ticks"') == len(GIT_PAYLOADS)  # every payload commit is shown
    # shown as text (git drops < and > and leading quotes from names; the rest is escaped)
    assert '<b class="rbg-who">img src=x onerror=alert(1)</b>' in html
    assert '<b class="rbg-who">onmouseover=&#34;alert(133)</b>' in html
    assert "&lt;m13@example.com&#34; onclick=&#34;alert(13)&gt;" in html  # the email, in the commit list
    assert "&lt;script&gt;alert(101)&lt;/script&gt; (#1)" in html  # the message, in the commit list
