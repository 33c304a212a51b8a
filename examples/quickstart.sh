#!/usr/bin/env bash
# Quick start: `gate check` on the embedded local tracker, in a throw-away repository.
#
#   PATH="$PWD/.venv/bin:$PATH" bash examples/quickstart.sh
#
# 1. creates issue 1 and checks it: FAIL (exit 1), the issue has no review;
# 2. posts examples/review.md (a complete REVIEW of issue #1) as a comment;
# 3. checks again: PASS (exit 0).
# Exits 0 only when the two checks exit 1 and 0. Your own checkout is never touched.
set -euo pipefail

examples="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
review="$examples/review.md"

if ! command -v gate >/dev/null 2>&1; then
    echo "quickstart: 'gate' is not on PATH; run: PATH=\"\$PWD/.venv/bin:\$PATH\" bash examples/quickstart.sh" >&2
    exit 2
fi
if [ ! -f "$review" ]; then
    echo "quickstart: $review is missing" >&2
    exit 2
fi

# Echo each command (quoted where needed) before running it.
quote() {
    case "$1" in
        "" | *[!A-Za-z0-9_./:=@%+,-]*) printf "'%s'" "${1//\'/\'\\\'\'}" ;;
        *) printf '%s' "$1" ;;
    esac
}
run() {
    printf '\n$'
    for arg in "$@"; do printf ' '; quote "$arg"; done
    printf '\n'
    "$@"
}

work="$(mktemp -d "${TMPDIR:-/tmp}/review-gate-quickstart.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# The demo always uses the embedded tracker and its own identity, whatever the caller's
# environment says (a CI runner would otherwise pick the GitHub tracker).
export REVIEW_GATE_TRACKER=local REVIEW_GATE_AUTHOR=quickstart
unset REVIEW_GATE_ISSUE REVIEW_GATE_REPO REVIEW_GATE_REQUIRE_COMMIT GITHUB_ACTIONS || true
export GIT_AUTHOR_NAME="Quick Start" GIT_AUTHOR_EMAIL="quickstart@example.invalid"
export GIT_COMMITTER_NAME="Quick Start" GIT_COMMITTER_EMAIL="quickstart@example.invalid"

cd "$work"
run git init -q project
cd project
run git commit -q --allow-empty -m "chore: initial commit"
run gate issue new --title "Add a settings parser"

if run gate check --issue 1; then first=0; else first=$?; fi

run gate issue comment 1 --body-file "$review"

if run gate check --issue 1; then second=0; else second=$?; fi

echo
if [ "$first" -eq 1 ] && [ "$second" -eq 0 ]; then
    echo "quickstart: OK: gate check failed without a review (exit 1) and passed with one (exit 0)"
    exit 0
fi
echo "quickstart: FAILED: the first gate check exited $first (expected 1)," \
    "the second $second (expected 0)" >&2
exit 1
