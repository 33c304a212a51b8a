#!/bin/sh
# review-gate's plugin hook (Claude Code and Codex): run the installed `gate hook EVENT`.
#
# Both clients treat a hook that cannot start (exit 127) or exits 1 as a non-blocking
# error and let the tool call go ahead, so a missing `gate` must not end that way: the
# PreToolUse hook then denies (exit 2, reason on stderr) every call that could open a
# pull request -- shell commands and MCP tools, which only `gate` can tell apart. File
# edits (Write, Edit, apply_patch, ...) cannot open one and only get a warning.
event="$1"
gate=$(command -v gate 2>/dev/null)
if [ -n "$gate" ]; then
    exec "$gate" hook "$event"
fi
input=$(cat)
install="install review-gate so that \`gate\` is on PATH (pipx install git+https://github.com/review-gate/review-gate), or disable the plugin (/plugin)"
case "$event" in
pre-tool-use)
    tool=$(printf '%s' "$input" | tr -d '\r\n' |
        sed -n 's/.*"tool_name"[[:space:]]*:[[:space:]]*"\([A-Za-z_]*\)".*/\1/p')
    case "$tool" in
    Write | Edit | MultiEdit | NotebookEdit | apply_patch)
        echo "review-gate: \`gate\` is not on PATH, so this edit was not checked: $install" >&2
        exit 1
        ;;
    esac
    echo "review-gate: denied: the review-gate plugin is enabled but \`gate\` is not on PATH, so this call cannot be checked for opening a pull request (fail closed): $install" >&2
    exit 2
    ;;
*)
    echo "review-gate: \`gate\` is not on PATH, so the $event hook did not run: $install" >&2
    exit 1
    ;;
esac
