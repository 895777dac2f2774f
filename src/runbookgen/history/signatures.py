"""Commit signatures, checked against the trust store the repository configures.

git records a commit's author as typed; a signature is the only part of a commit that
proves something about who made it. The repository names the keys it trusts (plugin
options in ``mkdocs.yml``, under ``signoffs:``):

* ``allowed_signers``: an SSH allowed-signers file in git's own format (``git config
  gpg.ssh.allowedSignersFile``): ``jane@example.com namespaces="git" ssh-ed25519 AAAA…``;
* ``gpg_keys``: a file of ASCII-armoured OpenPGP public keys, imported into a temporary
  keyring (never the user's own).

git checks each signature (``%G?``, with the key's fingerprint ``%GF``/``%GP`` and the
signer ``%GS``). A signature is *good* here when the key is in the trust store and the
data is intact; the signer's identities are the SSH principals the allowed-signers file
gives the key, or the email addresses on the OpenPGP key. A key whose identity is
``noreply@github.com`` is GitHub's own (web editor, merge button): it vouches for the
account GitHub recorded as the commit's author, not for a person at a keyboard.

Only the commits asked for are checked (a sign-off's), in one ``git log`` process, and
results are kept per trust store in memory and under ``.cache/runbookgen/``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runbookgen.errors import RunbookgenError
from runbookgen.files import read_bytes, write_replace
from runbookgen.findings import Severity
from runbookgen.gitutil import git_env
from runbookgen.history.cache import trusted_cache_file
from runbookgen.text import quoted

GITHUB_SIGNER = "noreply@github.com"
REQUIRE = ("any", "matching-author", "verified")
# git's %G? letters, in words (https://git-scm.com/docs/pretty-formats)
STATUS_TEXT = {
    "G": "good signature",
    "U": "good signature by a key outside the trust store",
    "B": "bad signature (the commit was changed after it was signed)",
    "X": "good signature that has expired",
    "Y": "good signature by an expired key",
    "R": "good signature by a revoked key",
    "E": "signature by a key outside the trust store",
    "N": "not signed",
}
_FORMAT = "%H%x00%G?%x00%GF%x00%GP%x00%GS"
_CACHE_VERSION = 1


@dataclass(frozen=True, slots=True)
class Policy:
    """The ``signoffs:`` plugin options: what a sign-off must be, and the trusted keys.

    ``require``: ``any`` (default: findings are warnings), ``matching-author`` (a sign-off
    whose commit author is not an allowed signer, or that is stale, is an error) or
    ``verified`` (a sign-off must also be signed by a key of an allowed signer).
    ``verify_ticks`` also checks the commit of every tick a run page shows.
    """

    require: str = "any"
    allowed_signers: Path | None = None
    gpg_keys: Path | None = None
    verify_ticks: bool = False

    @property
    def has_trust_store(self) -> bool:
        return self.allowed_signers is not None or self.gpg_keys is not None

    @property
    def severity(self) -> Severity:
        """The severity of identity and staleness findings under this policy."""
        return "warning" if self.require == "any" else "error"

    def digest(self) -> str:
        """What verification results depend on: the trust store's files, byte for byte."""
        key = (self.allowed_signers, self.gpg_keys)
        stamp = tuple(_stamp(p) for p in key)
        hit = _DIGESTS.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        h = hashlib.sha256(str(_CACHE_VERSION).encode())
        for path in key:
            h.update(b"\0")
            if path is not None:
                h.update(path.read_bytes())
        _DIGESTS[key] = (stamp, h.hexdigest()[:32])
        return _DIGESTS[key][1]


_DIGESTS: dict[tuple[Path | None, Path | None], tuple[tuple[object, ...], str]] = {}


def _stamp(path: Path | None) -> object:
    """A file's size and modification time (re-read the trust store when it changes)."""
    if path is None:
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def policy_of(settings: dict[str, Any], root: Path, source: str = "mkdocs.yml") -> Policy:
    """The :class:`Policy` in the plugin ``settings`` (from ``source``); files are relative to
    ``root`` and must be inside it. Raises :class:`RunbookgenError` for a bad option."""
    raw = settings.get("signoffs")
    if raw is None:
        return Policy()
    if not isinstance(raw, dict):
        raise RunbookgenError("runbookgen option 'signoffs' must be a mapping (require: …)", source)
    unknown = sorted(set(raw) - {"require", "allowed_signers", "gpg_keys", "verify_ticks"})
    if unknown:
        raise RunbookgenError(
            f"runbookgen option 'signoffs' has unknown key {quoted(unknown[0])} (known: require, "
            "allowed_signers, gpg_keys, verify_ticks)",
            source,
        )
    require = raw.get("require", "any")
    if require not in REQUIRE:
        raise RunbookgenError(
            f"runbookgen option 'signoffs.require' must be one of {', '.join(REQUIRE)} "
            f"(got {quoted(require)})",
            source,
        )
    verify_ticks = raw.get("verify_ticks", False)
    if not isinstance(verify_ticks, bool):
        raise RunbookgenError("runbookgen option 'signoffs.verify_ticks' must be true or false", source)
    files = [_store_file(raw.get(k), k, root, source) for k in ("allowed_signers", "gpg_keys")]
    policy = Policy(require, files[0], files[1], verify_ticks)
    if (require == "verified" or verify_ticks) and not policy.has_trust_store:
        raise RunbookgenError(
            "signoffs: verifying signatures needs a trust store: set 'allowed_signers' (SSH, "
            "git's allowed signers format) and/or 'gpg_keys' (armoured OpenPGP public keys)",
            source,
        )
    return policy


def _store_file(value: object, key: str, root: Path, source: str) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise RunbookgenError(f"runbookgen option 'signoffs.{key}' must be a file path", source)
    path = (root / value).resolve()
    if not path.is_relative_to(root.resolve()):
        raise RunbookgenError(f"signoffs.{key}: {value} is outside the repository", source)
    if not path.is_file():
        raise RunbookgenError(f"signoffs.{key}: {value} does not exist or is not a file", source)
    return path


@dataclass(frozen=True, slots=True)
class Signature:
    """git's verdict on one commit's signature, against the trust store.

    ``status`` is git's ``%G?`` letter; ``key`` the signing key's fingerprint;
    ``identities`` what the trust store says the key belongs to (SSH principals, OpenPGP
    email addresses).
    """

    sha: str
    status: str
    key: str
    identities: tuple[str, ...]

    @property
    def good(self) -> bool:
        """Intact, by a key in the trust store (an imported OpenPGP key counts as trusted:
        gpg says 'unknown validity' for keys nobody certified, which is all of them here)."""
        if self.status == "G":
            return True
        return self.status == "U" and not self.key.startswith("SHA256:") and bool(self.identities)

    @property
    def by_github(self) -> bool:
        """Signed with GitHub's own key (web editor, merge button)."""
        return self.good and GITHUB_SIGNER in self.identities

    @property
    def text(self) -> str:
        if self.good:
            return f"good signature by {', '.join(self.identities)} (key {self.key})"
        if self.status == "U" and self.key.startswith("SHA256:"):
            return f"signature by SSH key {self.key}, which is not in the allowed signers file"
        words = STATUS_TEXT.get(self.status, f"signature status {quoted(self.status)}")
        return f"{words} (key {self.key})" if self.key else words

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "good": self.good,
            "key": self.key or None,
            "signer": list(self.identities),
            "text": self.text,
        }


_MEMORY: dict[tuple[str, str], Signature] = {}
_LOADED: set[tuple[str, str]] = set()  # (root, trust store digest) read from disk


def verify_commits(root: Path, shas: Iterable[str], policy: Policy) -> dict[str, Signature]:
    """The signature of each commit in ``shas``, checked against ``policy``'s trust store.

    Results are kept per trust store: in memory, and on disk (read once per process), so a
    build's worker processes share what the parent checked. Raises
    :class:`RunbookgenError` when git (or gpg, for ``gpg_keys``) cannot run.
    """
    wanted = list(dict.fromkeys(shas))
    if not wanted or not policy.has_trust_store:
        return {}
    digest = policy.digest()
    if (str(root), digest) not in _LOADED:
        _LOADED.add((str(root), digest))
        for sha, kept in _read_cache(root, digest).items():
            _MEMORY[(digest, sha)] = kept
    out = {sha: sig for sha in wanted if (sig := _MEMORY.get((digest, sha))) is not None}
    missing = [sha for sha in wanted if sha not in out]
    if missing:
        found = _run_verify(root, missing, policy)
        out.update(found)
        for sha, sig in found.items():
            _MEMORY[(digest, sha)] = sig
        disk = _read_cache(root, digest)  # what other processes added meanwhile
        disk.update(found)
        _write_cache(root, digest, disk)
    if len(_MEMORY) > 200_000:
        _MEMORY.clear()
        _LOADED.clear()
    return out


def _run_verify(root: Path, shas: list[str], policy: Policy) -> dict[str, Signature]:
    env = git_env()
    args = ["git", "-c", "log.showSignature=false"]
    if policy.allowed_signers is not None:
        args += ["-c", f"gpg.ssh.allowedSignersFile={policy.allowed_signers}"]
    else:  # nothing to check SSH signatures against: git reports them as unverifiable
        args += ["-c", f"gpg.ssh.allowedSignersFile={os.devnull}"]
    args += ["log", "--no-walk=unsorted", "--stdin", f"--format={_FORMAT}"]
    home = None
    uids: dict[str, tuple[str, ...]] = {}
    try:
        if policy.gpg_keys is not None:
            home, uids = _keyring(policy.gpg_keys)
        else:
            home = tempfile.mkdtemp(prefix="rbg-gpg-")  # an empty keyring, never the user's
        env["GNUPGHOME"] = home
        try:
            proc = subprocess.run(
                args,
                cwd=root,
                env=env,
                input=("\n".join(shas) + "\n").encode(),
                capture_output=True,
                check=False,
            )
        except OSError as exc:
            raise RunbookgenError(f"cannot check commit signatures: {exc}") from None
    finally:
        if home is not None:
            _drop_home(home)
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RunbookgenError(
            "cannot check commit signatures: git log failed: "
            + (detail[-1] if detail else f"exit {proc.returncode}")
        )
    out: dict[str, Signature] = {}
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        parts = line.split("\0")
        if len(parts) < 5:
            continue
        sha, status, key, primary, signer = parts[:5]
        if key.startswith("SHA256:"):  # SSH: the principal the allowed signers file gives it
            ids: tuple[str, ...] = ()
            if status == "G":  # git shows the principal the file gives the key (a list: split)
                ids = tuple(p for p in (x.strip().casefold() for x in signer.split(",")) if p)
        else:  # OpenPGP: the emails on the imported key, never what the signature claims
            ids = uids.get(primary.upper()) or uids.get(key.upper()) or ()
        out[sha] = Signature(sha, status or "N", key, ids)
    return out


def _keyring(keys: Path) -> tuple[str, dict[str, tuple[str, ...]]]:
    """A temporary GnuPG home with ``keys`` imported; primary and subkey fingerprints →
    the email addresses of the key's user ids."""
    if shutil.which("gpg") is None:
        raise RunbookgenError("signoffs.gpg_keys is set but gpg is not installed")
    home = tempfile.mkdtemp(prefix="rbg-gpg-")
    try:
        return home, _import_keys(home, keys)
    except BaseException:
        _drop_home(home)
        raise


def _import_keys(home: str, keys: Path) -> dict[str, tuple[str, ...]]:
    env = {**git_env(), "GNUPGHOME": home}
    base = ["gpg", "--batch", "--no-tty", "--quiet", "--no-autostart"]
    try:
        imp = subprocess.run([*base, "--import", str(keys)], env=env, capture_output=True, check=False)
        listed = subprocess.run(
            [*base, "--with-colons", "--fixed-list-mode", "--list-keys"],
            env=env,
            capture_output=True,
            check=False,
        )
    except OSError as exc:
        raise RunbookgenError(f"signoffs.gpg_keys: cannot run gpg: {exc}") from None
    uids: dict[str, tuple[str, ...]] = {}
    prints: list[str] = []
    emails: list[str] = []

    def flush() -> None:
        for fp in prints:
            uids[fp] = tuple(dict.fromkeys(emails))

    for row in listed.stdout.decode("utf-8", "replace").splitlines():
        cols = row.split(":")
        if cols[0] == "pub":
            flush()
            prints, emails = [], []
        elif cols[0] == "fpr" and len(cols) > 9:
            prints.append(cols[9].upper())
        elif cols[0] == "uid" and len(cols) > 9 and cols[1] not in ("r", "e"):
            uid = cols[9]
            if "<" in uid and uid.endswith(">"):
                emails.append(uid.rsplit("<", 1)[1][:-1].strip().casefold())
            elif "@" in uid:
                emails.append(uid.strip().casefold())
    flush()
    if not uids:
        detail = imp.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RunbookgenError(
            "signoffs.gpg_keys: no OpenPGP public key could be imported"
            + (f" ({detail[-1]})" if detail else ""),
            keys,
        )
    return uids


def _drop_home(home: str) -> None:
    """Remove a temporary GnuPG home (stopping any agent gpg started for it)."""
    if shutil.which("gpgconf") is not None:
        env = {**git_env(), "GNUPGHOME": home}
        subprocess.run(["gpgconf", "--kill", "all"], env=env, capture_output=True, check=False)
    shutil.rmtree(home, ignore_errors=True)


def _cache_file(root: Path) -> Path:
    return root / ".cache" / "runbookgen" / "signatures.json"


def _read_cache(root: Path, digest: str) -> dict[str, Signature]:
    """What this machine checked before (never a committed file: it would let a pull
    request say its own commits carry someone's good signature)."""
    path = _cache_file(root)
    if not trusted_cache_file(root, path):
        return {}
    try:
        data = json.loads(read_bytes(path, limit=None, root=root.resolve()))
        if data.get("digest") != digest:
            return {}
        return {
            sha: Signature(sha, str(s), str(k), tuple(str(i) for i in ids))
            for sha, (s, k, ids) in data["commits"].items()
        }
    except (OSError, RunbookgenError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _write_cache(root: Path, digest: str, sigs: dict[str, Signature]) -> None:
    path = _cache_file(root)
    if not trusted_cache_file(root, path):
        return  # a committed file (or one through a symlink) is left as it is
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.parent.resolve().is_relative_to(root.resolve()):
            return
        data = {
            "digest": digest,
            "commits": {s.sha: [s.status, s.key, list(s.identities)] for s in sigs.values()},
        }
        write_replace(path, json.dumps(data, separators=(",", ":")))
    except (OSError, RunbookgenError):
        pass
