"""Sign-offs you can rely on, tried with real git, real SSH and OpenPGP keys, real signatures.

Each repository is built commit by commit with chosen authors, dates and signing keys
(``ssh-keygen`` and ``gpg`` generate the keys; git signs). What is shown:

* a forged author (anyone can type ``GIT_AUTHOR_EMAIL``) passes author matching by
  construction, and under ``signoffs: {require: verified}`` it is an error;
* a good SSH or OpenPGP signature by a key the trust store gives an allowed signer is
  ``verified``; a good signature by a key of someone else, an unknown key, no signature and
  a bad (tampered) signature are not;
* GitHub's own key (web editor, merge button) vouches for the author's account only;
* staleness follows the commit graph: a backdated untick after a sign-off is stale, and so
  is one made on a branch the sign-off had not seen;
* ``signers:`` entries match exactly: ``jdoe`` is GitHub's ``12345+jdoe@users.noreply…``,
  never ``jdoe@evil.example``; a malformed entry is one clear error.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from conftest import GIT_ENV, SEED, run_cli
from runbookgen import history as h
from runbookgen.errors import RunbookgenError
from runbookgen.history.identity import parse_signers
from runbookgen.project import Project
from runbookgen.records.schema import digest

pytestmark = pytest.mark.skipif(
    shutil.which("ssh-keygen") is None or shutil.which("gpg") is None, reason="needs ssh-keygen and gpg"
)

RUN = "runs/production-deployment/2026-12-01-v2.4.0.md"
FRONT = f"""---
runbook: production-deployment
template_version: 2.0.0
template_digest: {digest(SEED.read_text(encoding="utf-8"))}
release: v2.4.0
date: 2026-12-01
lead: "@alice"
status: in-progress
---
"""
JANE = ("Jane Doe", "jane@example.com")
BOB = ("Bob Signer", "bob@example.com")
DAN = ("Dan Lead", "dan@example.com")
MALLORY = ("Mallory", "mallory@example.com")
ALICE = ("Alice Ops", "alice@example.com")
EM = "- [ ] Engineering Manager: _________________ Date: _______"
SIGNERS = """\
      signers:
        Engineering Manager: [jane@example.com, jdoe]
        DevOps Lead: bob@example.com
        QA Lead: [qa@example.com]
        Deployment Lead: [dan@example.com]
"""
STRICT = """\
      signoffs:
        require: verified
        allowed_signers: .github/allowed_signers
        gpg_keys: .github/signing-keys.asc
"""


@dataclass
class Keys:
    dir: Path
    gnupg: Path  # the signers' own keyring (secret keys), never the one runbookgen reads
    gpg: dict[str, str]  # email -> fingerprint

    def ssh(self, who: str) -> Path:
        return self.dir / who


def _gpg(home: Path, *args: str) -> str:
    env = {**os.environ, "GNUPGHOME": str(home)}
    proc = subprocess.run(["gpg", "--batch", "--no-tty", *args], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keys]:
    d = tmp_path_factory.mktemp("keys")
    for who in ("jane", "mallory", "eve"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", who, "-f", str(d / who)], check=True
        )
    home = d / "gnupg"
    home.mkdir(mode=0o700)
    prints = {}
    for uid in ("Bob Signer <bob@example.com>", "GitHub <noreply@github.com>", "Carol <carol@example.com>"):
        _gpg(home, "--passphrase", "", "--quick-gen-key", uid, "ed25519", "sign", "never")
        email = uid.split("<")[1].rstrip(">")
        listing = _gpg(home, "--with-colons", "--list-keys", email)
        prints[email] = next(r.split(":")[9] for r in listing.splitlines() if r.startswith("fpr"))
    try:
        yield Keys(d, home, prints)
    finally:
        subprocess.run(["gpgconf", "--kill", "all"], env={**os.environ, "GNUPGHOME": str(home)}, check=False)


class Repo:
    """A run repository where every commit has a chosen author, date and signing key."""

    def __init__(self, root: Path, keys: Keys, settings: str) -> None:
        self.root, self.keys = root, keys
        root.mkdir()
        (root / "content").mkdir()
        (root / "content" / "production-deployment.md").write_bytes(SEED.read_bytes())
        (root / "mkdocs.yml").write_text(
            f"site_name: t\ndocs_dir: content\nplugins:\n  - runbookgen:\n{settings}", encoding="utf-8"
        )
        (root / ".github").mkdir()
        jane = (keys.dir / "jane.pub").read_text().strip()
        mallory = (keys.dir / "mallory.pub").read_text().strip()
        (root / ".github" / "allowed_signers").write_text(
            f'jane@example.com namespaces="git" {jane}\nmallory@example.com namespaces="git" {mallory}\n'
        )
        trusted = _gpg(keys.gnupg, "--armor", "--export", keys.gpg["bob@example.com"])
        trusted += _gpg(keys.gnupg, "--armor", "--export", keys.gpg["noreply@github.com"])
        (root / ".github" / "signing-keys.asc").write_text(trusted)
        (root / "runs" / "production-deployment").mkdir(parents=True)
        (root / RUN).write_text(FRONT + SEED.read_text(encoding="utf-8"), encoding="utf-8")
        self.git("init", "-q", "-b", "main")
        self.commit("New run v2.4.0", ALICE, "08:00")

    def git(
        self, *args: str, who: tuple[str, str] = ALICE, when: str = "08:00", sign: str | None = None
    ) -> str:
        stamp = datetime.fromisoformat(f"2026-12-01T{when}:00+00:00").isoformat()
        env = {
            **os.environ,
            **GIT_ENV,
            "GIT_AUTHOR_NAME": who[0],
            "GIT_AUTHOR_EMAIL": who[1],
            "GIT_COMMITTER_NAME": who[0],
            "GIT_COMMITTER_EMAIL": who[1],
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_DATE": stamp,
            "GNUPGHOME": str(self.keys.gnupg),
        }
        pre: list[str] = []
        if sign in ("jane", "mallory", "eve"):
            pre = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={self.keys.ssh(sign)}"]
        elif sign is not None:
            pre = ["-c", "gpg.format=openpgp", "-c", f"user.signingkey={self.keys.gpg[sign]}"]
        if sign is not None and args[0] in ("commit", "merge"):
            args = (args[0], "-S", *args[1:])
        proc = subprocess.run(["git", *pre, *args], cwd=self.root, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    def edit(self, *pairs: tuple[str, str]) -> None:
        p = self.root / RUN
        text = p.read_text(encoding="utf-8")
        for old, new in pairs:
            assert old in text, old
            text = text.replace(old, new, 1)
        p.write_text(text, encoding="utf-8")

    def commit(self, message: str, who: tuple[str, str], when: str, sign: str | None = None) -> str:
        self.git("add", "-A", who=who, when=when)
        self.git("commit", "-q", "-m", message, who=who, when=when, sign=sign)
        return self.git("rev-parse", "HEAD").strip()

    def sign(self, label: str, name: str, who: tuple[str, str], when: str, sign: str | None = None) -> str:
        self.edit(
            (
                f"- [ ] {label}: _________________ Date: _______",
                f"- [x] {label}: {name} Date: 2026-12-01",
            )
        )
        return self.commit(f"{label} signs", who, when, sign)

    def check(self) -> tuple[int, dict]:
        h.clear_cache()
        res = run_cli("check", RUN, "--format", "json", cwd=self.root)
        assert res.stdout, res.stderr
        return res.returncode, json.loads(res.stdout)


def tick(text: str) -> tuple[str, str]:
    return f"- [ ] {text}", f"- [x] {text}"


def _by_label(data: dict) -> dict[str, dict]:
    return {f"{s['label']}@{s['line']}": s for s in data["signoffs"]}


# ---------------------------------------------------------------------- verified


def test_strictest_setup_verifies_good_signatures_only(tmp_path: Path, keys: Keys) -> None:
    r = Repo(tmp_path / "strict", keys, SIGNERS + STRICT)
    r.sign("Engineering Manager", "Jane Doe", JANE, "09:00", sign="jane")  # SSH, allowed
    r.sign("DevOps Lead", "Bob Signer", BOB, "09:05", sign="bob@example.com")  # OpenPGP, allowed
    # a good signature by a key in the trust store, but Mallory's, with QA's address typed in
    r.sign("QA Lead", "Quinn", ("Quinn QA", "qa@example.com"), "09:10", sign="mallory")
    r.sign("Deployment Lead", "Dan Lead", DAN, "09:15")  # not signed
    r.sign("Engineering Manager", "Jane Doe", JANE, "09:20", sign="eve")  # unknown SSH key
    code, data = r.check()
    assert code == 1
    assert len(data["signoffs"]) == 5
    ordered = sorted(data["signoffs"], key=lambda s: s["line"])
    got = {s["label"]: s for s in reversed(ordered)}  # the first of two with one label wins
    em, post = (s for s in ordered if s["label"] == "Engineering Manager")
    assert em["state"] == "verified" and em["verified"] is True and not em["findings"]
    assert em["signature"]["good"] and em["signature"]["signer"] == ["jane@example.com"]
    assert em["signature"]["key"].startswith("SHA256:")
    devops = got["DevOps Lead"]
    assert devops["state"] == "verified" and devops["signature"]["key"] == keys.gpg["bob@example.com"]
    assert devops["signature"]["signer"] == ["bob@example.com"]
    qa = got["QA Lead"]
    assert qa["state"] == "author-matches" and not qa["verified"]
    assert qa["signature"]["good"] and qa["signature"]["signer"] == ["mallory@example.com"]
    assert [f["code"] for f in qa["findings"]] == ["signoff-unverified"]
    assert "signed by mallory@example.com, not one of its signers" in qa["findings"][0]["message"]
    dl = got["Deployment Lead"]
    assert dl["state"] == "author-matches" and dl["signature"]["status"] == "N"
    assert "not signed" in dl["findings"][0]["message"]
    assert post["signature"]["status"] == "U" and not post["signature"]["good"]
    assert "not in the allowed signers file" in post["findings"][0]["message"]
    errors = [f for f in data["findings"] if f["severity"] == "error"]
    assert sorted(f["code"] for f in errors) == ["signoff-unverified"] * 3
    assert data["errors"] == 3


def test_forged_author_passes_author_matching_and_fails_verified(tmp_path: Path, keys: Keys) -> None:
    r = Repo(tmp_path / "forged", keys, SIGNERS)
    # Mallory commits as Jane: git records whatever she typed
    r.sign("Engineering Manager", "Jane Doe", JANE, "09:00")
    code, data = r.check()
    assert code == 0 and data["errors"] == 0 and data["warnings"] == 0
    (so,) = data["signoffs"]
    assert so["state"] == "author-matches" and so["verified"] is False and so["signature"] is None
    # the same history under the strictest policy
    settings = (r.root / "mkdocs.yml").read_text() + STRICT
    (r.root / "mkdocs.yml").write_text(settings)
    code, data = r.check()
    assert code == 1
    (so,) = data["signoffs"]
    assert so["state"] == "author-matches" and not so["verified"]
    assert [(f["code"], f["severity"]) for f in data["findings"]] == [("signoff-unverified", "error")]


def test_a_committed_signature_cache_cannot_vouch_for_a_forged_signoff(tmp_path: Path, keys: Keys) -> None:
    """Checked signatures are cached in .cache/runbookgen/signatures.json, keyed by the trust
    store (public). A pull request that commits that file — or a symlink to one — saying
    its unsigned commit carries Jane's good signature must not make the sign-off verified."""
    from runbookgen.history import policy
    from runbookgen.project import Project

    r = Repo(tmp_path / "cache-forged", keys, SIGNERS + STRICT)
    sha = r.sign("Engineering Manager", "Jane Doe", JANE, "09:00")  # not signed
    digest = policy(Project.from_root(r.root)).digest()
    forged = {"digest": digest, "commits": {sha: ["G", "SHA256:forged", ["jane@example.com"]]}}
    for layout in ("file", "symlink"):
        if layout == "file":
            cache = r.root / ".cache" / "runbookgen"
            cache.mkdir(parents=True)
            (cache / "signatures.json").write_text(json.dumps(forged))
            r.git("add", "-f", ".cache/runbookgen/signatures.json")
        else:
            r.git("rm", "-q", "-r", "--cached", ".cache")
            shutil.rmtree(r.root / ".cache")
            (r.root / "evidence" / "runbookgen").mkdir(parents=True)
            (r.root / "evidence" / "runbookgen" / "signatures.json").write_text(json.dumps(forged))
            (r.root / ".cache").symlink_to("evidence")
            r.git("add", "-f", ".cache", "evidence")
        r.commit(f"add a signature cache ({layout})", MALLORY, "09:30")
        code, data = r.check()
        (so,) = data["signoffs"]
        assert so["state"] == "author-matches" and not so["verified"], layout
        assert so["signature"]["status"] == "N" and not so["signature"]["good"], layout
        assert code == 1 and [f["code"] for f in so["findings"]] == ["signoff-unverified"], layout
        assert json.loads((r.root / ".cache" / "runbookgen" / "signatures.json").read_text()) == forged


def test_matching_author_policy_makes_a_mismatch_an_error(tmp_path: Path, keys: Keys) -> None:
    r = Repo(tmp_path / "match", keys, SIGNERS)
    r.sign("Engineering Manager", "Jane Doe", MALLORY, "09:00")
    code, data = r.check()
    assert code == 0
    assert [(f["code"], f["severity"]) for f in data["findings"]] == [("signoff-identity", "warning")]
    assert data["signoffs"][0]["state"] == "mismatch"
    (r.root / "mkdocs.yml").write_text(
        (r.root / "mkdocs.yml").read_text() + "      signoffs:\n        require: matching-author\n"
    )
    code, data = r.check()
    assert code == 1
    assert [(f["code"], f["severity"]) for f in data["findings"]] == [("signoff-identity", "error")]
    assert "mallory@example.com" in data["findings"][0]["message"]


def test_github_key_vouches_for_the_author_account_only(tmp_path: Path, keys: Keys) -> None:
    r = Repo(tmp_path / "webflow", keys, SIGNERS + STRICT)
    web_jdoe = ("J. Doe", "12345+jdoe@users.noreply.github.com")
    r.sign("Engineering Manager", "Jane Doe", web_jdoe, "09:00", sign="noreply@github.com")
    r.sign("QA Lead", "Quinn", MALLORY, "09:05", sign="noreply@github.com")
    code, data = r.check()
    by = {s["label"]: s for s in data["signoffs"]}
    assert by["Engineering Manager"]["state"] == "verified"
    assert "GitHub's key" in by["Engineering Manager"]["detail"]
    assert by["QA Lead"]["state"] == "mismatch" and not by["QA Lead"]["verified"]
    assert code == 1 and [f["code"] for f in data["findings"]] == ["signoff-unverified"]


def test_bad_signature_and_unknown_openpgp_key(tmp_path: Path, keys: Keys) -> None:
    r = Repo(tmp_path / "bad", keys, SIGNERS + STRICT)
    r.edit(tick("All code reviewed and approved"))
    good = r.commit("Reviewed", JANE, "09:00", sign="jane")
    carol = r.sign("Engineering Manager", "Jane Doe", JANE, "09:05", sign="carol@example.com")
    # tamper: the same signed commit with another message, written as a new object
    raw = r.git("cat-file", "commit", good).replace("Reviewed", "Reviewed!")
    proc = subprocess.run(
        ["git", "hash-object", "-t", "commit", "-w", "--stdin"],
        cwd=r.root,
        input=raw,
        capture_output=True,
        text=True,
        check=True,
    )
    tampered = proc.stdout.strip()
    project = Project.from_root(r.root)
    sigs = h.verify_commits(r.root, [good, tampered, carol], h.policy(project))
    assert sigs[good].good and sigs[good].status == "G"
    assert sigs[tampered].status == "B" and not sigs[tampered].good and "bad signature" in sigs[tampered].text
    assert sigs[carol].status == "E" and not sigs[carol].good and not sigs[carol].identities
    code, data = r.check()
    (so,) = data["signoffs"]
    assert so["signature"]["status"] == "E" and code == 1
    assert "outside the trust store" in data["findings"][0]["message"]
    # results are cached by the trust store's contents, on disk for the next run
    cached = json.loads((r.root / ".cache" / "runbookgen" / "signatures.json").read_text())
    assert carol in cached["commits"]


# ---------------------------------------------------------------------- order by graph


def test_backdated_untick_after_the_signoff_is_stale(tmp_path: Path, keys: Keys) -> None:
    r = Repo(tmp_path / "backdated", keys, SIGNERS)
    r.edit(tick("All code reviewed and approved"))
    r.commit("Reviewed", ALICE, "09:00")
    signed = r.sign("Engineering Manager", "Jane Doe", JANE, "10:00")
    # made after the sign-off, dated before it (author and committer date)
    r.edit(("- [x] All code reviewed and approved", "- [ ] All code reviewed and approved"))
    late = r.commit("Quietly reopened", MALLORY, "08:30")
    rh = h.load_history(Project.from_root(r.root), use_cache=False).for_run(RUN)
    order = [(e.commit.sha, e.kind) for e in rh.events if e.kind in ("ticked", "unticked")]
    assert order.index((late, "unticked")) > order.index((signed, "ticked"))  # graph, not dates
    code, data = r.check()
    stale = [f for f in data["findings"] if f["code"] == "signoff-stale"]
    assert len(stale) == 1 and stale[0]["severity"] == "warning" and code == 0
    assert "All code reviewed and approved" in stale[0]["message"] and late[:7] in stale[0]["message"]
    assert data["signoffs"][0]["stale"] is True


def test_untick_on_a_branch_the_signoff_had_not_seen_is_stale(tmp_path: Path, keys: Keys) -> None:
    r = Repo(tmp_path / "branch", keys, SIGNERS + "      signoffs: {require: matching-author}\n")
    r.edit(tick("All code reviewed and approved"), tick("All tests passing"))
    r.commit("Reviewed", ALICE, "09:00")
    r.git("checkout", "-q", "-b", "reopen")
    r.edit(("- [x] All code reviewed and approved", "- [ ] All code reviewed and approved"))
    branch = r.commit("Reopen review", MALLORY, "09:10")
    r.git("checkout", "-q", "main")
    r.sign("Engineering Manager", "Jane Doe", JANE, "09:20")
    r.git("merge", "-q", "--no-ff", "-m", "Merge pull request #7 from reopen", "reopen", when="09:30")
    code, data = r.check()
    stale = [f for f in data["findings"] if f["code"] == "signoff-stale"]
    assert len(stale) == 1 and stale[0]["severity"] == "error" and code == 1
    assert branch[:7] in stale[0]["message"] and "had not seen" in stale[0]["message"]


def test_ticking_open_items_after_the_signoff_is_progress_not_staleness(tmp_path: Path, keys: Keys) -> None:
    r = Repo(tmp_path / "progress", keys, SIGNERS)
    r.edit(tick("All code reviewed and approved"))
    r.commit("Reviewed", ALICE, "09:00")
    r.sign("Engineering Manager", "Jane Doe", JANE, "09:10")
    r.edit(tick("All tests passing"))
    r.commit("Tests pass", ALICE, "09:20")
    code, data = r.check()
    assert code == 0 and data["findings"] == [] and data["signoffs"][0]["stale"] is False


# ---------------------------------------------------------------------- exact identities


def test_login_matches_githubs_noreply_address_not_another_domain(tmp_path: Path, keys: Keys) -> None:
    r = Repo(tmp_path / "login", keys, SIGNERS)
    r.sign("Engineering Manager", "J Doe", ("J Doe", "jdoe@evil.example"), "09:00")
    r.sign("Engineering Manager", "J Doe", ("J Doe", "12345+JDoe@users.noreply.github.com"), "09:10")
    code, data = r.check()
    states = [s["state"] for s in sorted(data["signoffs"], key=lambda s: s["line"])]
    assert states == ["mismatch", "author-matches"] and code == 0  # warnings by default
    (f,) = data["findings"]
    assert f["code"] == "signoff-identity" and "jdoe@evil.example" in f["message"]


def test_without_signers_the_name_must_be_the_author_exactly(tmp_path: Path, keys: Keys) -> None:
    r = Repo(tmp_path / "names", keys, "      history: true\n")
    r.sign("Engineering Manager", "jdoe", ("J Doe", "jdoe@evil.example"), "09:00")  # no local-part match
    r.sign("DevOps Lead", "Bob Signer", BOB, "09:10")  # the author's name
    code, data = r.check()
    by = {s["label"]: s["state"] for s in data["signoffs"]}
    assert by == {"Engineering Manager": "mismatch", "DevOps Lead": "author-matches"} and code == 0
    assert [f["code"] for f in data["findings"]] == ["signoff-identity"]


@pytest.mark.parametrize(
    ("entry", "where"),
    [
        ("        Engineering Manager: [Jane Doe]\n", "'Jane Doe' is neither a full email address"),
        ("        Engineering Manager: [jane@]\n", "'jane@' is neither"),
        ("        Engineering Manager: []\n", "must be an email address, a GitHub login or a list"),
        ("        Engineering Manager: {a: b}\n", "must be an email address, a GitHub login or a list"),
    ],
)
def test_malformed_signers_entry_is_one_clear_error(
    tmp_path: Path, keys: Keys, entry: str, where: str
) -> None:
    r = Repo(tmp_path / "bad", keys, "      signers:\n" + entry)
    r.sign("Engineering Manager", "Jane Doe", JANE, "09:00")
    res = run_cli("check", RUN, cwd=r.root)
    assert res.returncode != 0 and res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: mkdocs.yml: ") and where in lines[0], lines
    assert "Traceback" not in res.stderr


def test_malformed_signers_in_the_runbook_names_the_runbook(tmp_path: Path, keys: Keys) -> None:
    r = Repo(tmp_path / "fm", keys, "      history: true\n")
    tpl = r.root / "content" / "production-deployment.md"
    tpl.write_text("---\nsigners:\n  QA Lead: 42\n---\n" + SEED.read_text(encoding="utf-8"), encoding="utf-8")
    r.sign("QA Lead", "Quinn", JANE, "09:00")
    res = run_cli("check", RUN, cwd=r.root)
    assert res.returncode != 0
    assert res.stderr.strip().splitlines() == [
        "Error: content/production-deployment.md: 'signers:' entry 'QA Lead' must be an email "
        "address, a GitHub login or a list of them"
    ]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("      signoffs: {require: trusted}\n", "must be one of any, matching-author, verified"),
        ("      signoffs: {require: verified}\n", "needs a trust store"),
        ("      signoffs: {allowed_signers: ../outside}\n", "is outside the repository"),
        ("      signoffs: {gpg_keys: missing.asc}\n", "does not exist"),
        ("      signoffs: {requires: verified}\n", "unknown key 'requires'"),
    ],
)
def test_bad_policy_options_are_one_clear_error(
    tmp_path: Path, keys: Keys, options: str, message: str
) -> None:
    r = Repo(tmp_path / "opts", keys, options)
    r.sign("Engineering Manager", "Jane Doe", JANE, "09:00")
    res = run_cli("check", RUN, cwd=r.root)
    lines = res.stderr.strip().splitlines()
    assert res.returncode != 0 and len(lines) == 1 and message in lines[0], lines


def test_parse_signers_and_exact_matching() -> None:
    people = parse_signers({"Engineering Manager": ["Jane@Example.com", "@JDoe"], "QA": "qa@x.io"}, "m")
    em = people["engineering manager"]
    assert em.matches_email("jane@example.com") and em.matches_email("JANE@EXAMPLE.COM")
    assert em.matches_email("12345+jdoe@users.noreply.github.com")
    assert em.matches_email("jdoe@users.noreply.github.com")  # GitHub's older noreply form
    assert not em.matches_email("jdoe@evil.example")
    assert not em.matches_email("jane@example.com.evil.example")
    assert not em.matches_email("12345+jdoex@users.noreply.github.com")
    assert em.matches_signer("jdoe") and not em.matches_signer("jdo")
    assert people["qa"].matches_email("qa@x.io")
    for bad in ({"QA": "-jdoe"}, {"QA": "jdoe--x"}, {"QA": "a b"}, {"QA": None}, ["QA"]):
        with pytest.raises(RunbookgenError):
            parse_signers(bad, "mkdocs.yml")


def test_verify_ticks_marks_ticks_signed_by_their_author(tmp_path: Path, keys: Keys) -> None:
    opts = STRICT.replace("require: verified", "require: any\n        verify_ticks: true")
    r = Repo(tmp_path / "ticks", keys, SIGNERS + opts)
    r.edit(tick("All code reviewed and approved"))
    signed = r.commit("Reviewed", JANE, "09:00", sign="jane")
    r.edit(tick("All tests passing"))
    forged = r.commit("Tests pass", JANE, "09:05", sign="mallory")  # good, but Mallory's key
    r.edit(tick("Linting passes"))
    unsigned = r.commit("Lint", JANE, "09:10")
    project = Project.from_root(r.root)
    rh = h.load_history(project, use_cache=False).for_run(RUN)
    commits = [e.commit for e in rh.events]
    marked = h.verified_ticks(project, commits)
    assert set(marked) == {signed} and forged not in marked and unsigned not in marked
    assert marked[signed].identities == ("jane@example.com",)
    project.settings["signoffs"] = {"allowed_signers": ".github/allowed_signers"}  # option off
    assert h.verified_ticks(project, commits) == {}


def test_ancestry_follows_the_graph_also_for_commits_head_lacks(tmp_path: Path, keys: Keys) -> None:
    from runbookgen.history.gitlog import Ancestry

    r = Repo(tmp_path / "graph", keys, "      history: true\n")
    base = r.git("rev-parse", "HEAD").strip()
    r.git("checkout", "-q", "-b", "run/x")
    r.edit(tick("All tests passing"))
    tip = r.commit("On the run branch", ALICE, "09:00")
    r.git("checkout", "-q", "main")
    r.edit(tick("Linting passes"))
    main = r.commit("On main", ALICE, "08:30")
    graph = Ancestry(r.root)
    assert graph.seen_by(main, {base, tip, main}) == {base, main}
    assert graph.seen_by(tip, {base, tip, main}) == {base, tip}  # the branch is not in HEAD
