#!/usr/bin/env bash
# Reports the tests that skipped during a test run, and fails when a test skipped that this machine can run.
#
# Tests that cannot run as written (no tmpfs mount without root, an fd limit too low for the stated number
# of connections) call `support::skip`, which prints `SKIP <test>: <reason>` and appends that line to the
# file named by UNIONWIRE_SKIP_LOG. cargo hides the output of passing tests, so CI collects the file:
#
#   export UNIONWIRE_SKIP_LOG="$(mktemp)"
#   cargo test --all-targets
#   scripts/ci_skips.sh "$UNIONWIRE_SKIP_LOG"
#
# Run it from the shell that ran the tests (it reads that shell's fd limit and user). Fails (exit 1) when
# - T24 (`SKIP t24…`) skipped although this is root and a tmpfs mounts here, or
# - an abuse test (`SKIP t21…`) skipped although the soft fd limit is at least 20,000.
# Usage: scripts/ci_skips.sh SKIP_LOG
set -euo pipefail

log="${1:?usage: scripts/ci_skips.sh SKIP_LOG}"
[ -e "$log" ] || : >"$log"

count=$(grep -c '^SKIP ' "$log" || true)
echo "== skipped tests: $count"
grep '^SKIP ' "$log" || true

# What this machine can run.
can_mount=no
why_mount="not root"
if [ "$(id -u)" = 0 ]; then
  probe="$(mktemp -d)"
  if mount -t tmpfs -o size=1m tmpfs "$probe" 2>/dev/null; then
    can_mount=yes
    umount "$probe"
  else
    why_mount="root, but mounting a tmpfs is refused"
  fi
  rmdir "$probe"
fi
fds="$(ulimit -Sn)"
[ "$fds" = unlimited ] && fds=1000000000

failed=0
if [ "$can_mount" = yes ] && grep -q '^SKIP t24' "$log"; then
  echo "ci_skips: FAIL: T24 skipped, but this machine is root with a writable tmpfs" >&2
  failed=1
fi
if [ "$fds" -ge 20000 ] && grep -q '^SKIP t21' "$log"; then
  echo "ci_skips: FAIL: an abuse test (T21) skipped, but the soft fd limit is $fds (at least 20,000)" >&2
  failed=1
fi
if [ "$can_mount" = yes ]; then mount_note=yes; else mount_note="no ($why_mount)"; fi
echo "ci_skips: tmpfs mount: $mount_note; soft fd limit: $fds"
exit "$failed"
