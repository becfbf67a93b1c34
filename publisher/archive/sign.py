"""A detached signature over a bag's tag manifest, made and checked with OpenSSH.

What a bag's own manifests prove is limited: anyone who can write the bag can change a file
and recompute every checksum, the tag manifests, METS's checksums and the Payload-Oxum, and
the bag verifies again. A signature made with a key the archive keeps closes that: the bag's
``tagmanifest-sha512.txt`` (which covers bag-info and both payload manifests, and through
them every payload file) is signed with ``ssh-keygen -Y sign`` into
``tagmanifest-sha512.txt.sig``, an ordinary SSH signature (namespace ``publisher-archive``)
that anyone can check with OpenSSH alone::

    ssh-keygen -Y verify -f allowed_signers -I archive@paper -n publisher-archive \\
        -s tagmanifest-sha512.txt.sig < tagmanifest-sha512.txt

``publisher verify --signers allowed_signers`` does the same for every bag (the allowed
signers file, kept apart from the bags, says whose keys count). Ed25519 signatures are
deterministic, so a signed bag is as reproducible as an unsigned one.

The signing key is the house's (``[tool.publisher.archive] sign_key``) or ``--sign KEY``:
a private key file, or a ``.pub`` file whose private key is in ``ssh-agent``. ssh-keygen
runs without a terminal: a key protected by a passphrase must be in the agent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import Problem, PublisherError, Severity

SIGNED = "tagmanifest-sha512.txt"
SIGNATURE = SIGNED + ".sig"
NAMESPACE = "publisher-archive"
# Seconds ssh-keygen may take: it signs or checks in milliseconds; past a minute it waits for
# something that will not come (an agent that never answers) and is stopped, the bag unsigned
# and the build failed, or the signature reported as not checked.
TIMEOUT = 60.0


def _ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if found is None:
        raise PublisherError(Problem("ssh-keygen (OpenSSH) is not installed", hint="run `make "
                                     "setup` (it installs Debian's openssh-client)", code="sign"))
    return found


def _run(args: list[str], data: bytes) -> subprocess.CompletedProcess:
    # a session of its own: no terminal to ask a passphrase on, so it never waits for one
    return subprocess.run([_ssh_keygen(), *args], input=data, capture_output=True,
                          timeout=TIMEOUT, start_new_session=True, check=False,
                          env={**os.environ, "SSH_ASKPASS_REQUIRE": "never"})


def sign_bag(bag: dict[str, bytes], key: Path) -> dict[str, bytes]:
    """The bag's files (paths relative to the bag) with the signature of its tag manifest."""
    return {**bag, SIGNATURE: signature(bag[SIGNED], key)}


def signature(tag_manifest: bytes, key: Path) -> bytes:
    """The SSH signature of a bag's ``tagmanifest-sha512.txt`` (SIGNED), its SIGNATURE file."""
    if not key.is_file():
        raise PublisherError(Problem("the signing key does not exist", key,
                                     hint="make one with `ssh-keygen -t ed25519 -f KEY`, or fix "
                                          "[tool.publisher.archive] sign_key / --sign", code="sign"))
    try:
        done = _run(["-Y", "sign", "-q", "-n", NAMESPACE, "-f", str(key)], tag_manifest)
    except subprocess.TimeoutExpired:
        done = None
    if done is None or done.returncode != 0 or not done.stdout.startswith(b"-----BEGIN SSH SIGNATURE"):
        why = (done.stderr.decode("utf-8", "replace").strip() if done else
               f"ssh-keygen did not answer in {TIMEOUT:g} s and was stopped") or "no signature"
        raise PublisherError(Problem(f"cannot sign the bag with {key.name}: {why[:300]}", key,
                                     hint="give an unencrypted private key, or add it to ssh-agent "
                                          "and give its .pub file", code="sign"))
    return done.stdout


def check_signature(bag_dir: Path, signers: Path | None) -> list[Problem]:
    """The signature of the bag's tag manifest against ``signers`` (an OpenSSH allowed
    signers file): nothing when it holds; a problem when it does not, when the bag is
    unsigned though signers were given, or (a warning) when a signature cannot be checked
    because none were given."""
    sig_path, signed_path = bag_dir / SIGNATURE, bag_dir / SIGNED
    if not sig_path.is_file():
        if signers is None:
            return []
        return [Problem("the bag is not signed: its manifests prove only that its files agree "
                        "with one another, not that the archive wrote them", sig_path,
                        hint="sign bags when they are made (publisher archive --sign KEY)",
                        code="signature")]
    if signers is None:
        return [Problem("the bag is signed, but no --signers file was given: the signature is "
                        "not checked", sig_path, hint="give the archive's allowed signers file",
                        code="signature", severity=Severity.WARNING)]
    if not signers.is_file():
        return [Problem("the allowed signers file does not exist", signers, code="signature")]
    try:
        signature, signed = sig_path.read_bytes(), signed_path.read_bytes()
    except OSError as exc:
        return [Problem(f"cannot read the signature: {exc.strerror}", sig_path, code="signature")]
    with tempfile.TemporaryDirectory() as tmp:
        sig_file = Path(tmp) / "sig"
        sig_file.write_bytes(signature)
        try:
            found = _run(["-Y", "find-principals", "-f", str(signers), "-s", str(sig_file)], b"")
            principal = found.stdout.decode("utf-8", "replace").split("\n")[0].strip()
            if found.returncode != 0 or not principal:
                return [Problem("the tag manifest is signed by no key of the allowed signers (or the "
                                "signature is damaged)", sig_path, hint="the bag was signed by "
                                "someone else, or changed and signed again", code="signature")]
            done = _run(["-Y", "verify", "-f", str(signers), "-I", principal, "-n", NAMESPACE,
                         "-s", str(sig_file)], signed)
        except subprocess.TimeoutExpired:
            return [Problem(f"the signature is not checked: ssh-keygen did not answer in {TIMEOUT:g} s "
                            "and was stopped", sig_path, hint="check it again; if ssh-keygen hangs "
                            "again, check it by hand (ssh-keygen -Y verify, docs/archive.md)",
                            code="signature")]
    if done.returncode != 0:
        return [Problem(f"the signature of {SIGNED} does not hold: the tag manifest changed after "
                        f"{principal} signed it", signed_path, hint="the bag's manifests were "
                        "recomputed: its files cannot be trusted", code="signature")]
    return []

