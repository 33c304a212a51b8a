"""Issue 10, items 1 and 2, beyond the generated classes: the other routes to the gate's own
files (directories removed with what they hold, ``find``, git's own file commands,
archives, downloads named like the URL, ``cd``/``env -C``, editors and ``sed w``, paths
computed with ``git rev-parse`` or ``$(which ...)``, ``xargs`` with unknown input), and the
everyday file changes next to them that touch nothing protected. Decided on a real gated
checkout that holds every protected file, as the hook decides."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import GIT_ENV
from tests.shell_cases import protected_checkout, tamper_routes


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    with pytest.MonkeyPatch.context() as mp:
        root = tmp_path_factory.mktemp("routes")
        for key, value in GIT_ENV.items():
            mp.setenv(key, value)
        mp.setenv("HOME", str(root / "home"))
        yield protected_checkout(root)


@pytest.mark.parametrize(
    "command",
    [
        "rm -rf .claude",
        "rm -rf .codex",
        "rm -r .git/hooks",
        "rm -rf ~/.claude",
        'rm -rf "$CODEX_HOME"',
        "rm -rf .",
        "rm -rf ..",
        "rm -rf ~",
        'rm -rf "$HOME"',
        "mv .claude /tmp/claude-away",
        "mv .git/hooks /tmp/hooks-away",
        "chmod -R a-x .git/hooks",
        "chown -R nobody .claude",
        "find .git/hooks -delete",
        "find .git -name pre-push -delete",
        "find . -name 'pre-*' -delete",
        "find . -name settings.local.json -exec rm {} +",
        "find . -path '*/.codex/*' -exec rm -f {} \\;",
        "find .git/hooks -type f -exec chmod -x {} +",
        "find ~ -name settings.json -delete",
        "git rm .review-gate.toml",
        "git rm -r .claude",
        "git mv .pre-commit-config.yaml x.yaml",
        "git clean -fdx",
        "git clean -fX",
        "rsync -a --delete /tmp/empty/ .claude/",
        "cp -r /tmp/evil/.claude .",
        "tar -xf /tmp/evil.tar -C .codex",
        "tar -xzf /tmp/evil.tgz -C . .review-gate.toml",
        "tar xf /tmp/evil.tar .git/hooks/pre-push",
        "unzip -o /tmp/evil.zip -d .claude",
        "cp -t .claude /tmp/settings.json",
        "cp /tmp/settings.local.json .claude/",
        "ln -sf /tmp/evil .git/hooks/",
        "curl -O https://example.invalid/.review-gate.toml",
        "wget https://example.invalid/x/.pre-commit-config.yaml",
        "cd .git/hooks && rm pre-push",
        "cd .git && rm hooks/pre-push",
        "cd && rm .claude/settings.json",
        "cd ~/.codex && echo {} > hooks.json",
        "rm .git/hook*/*",
        "rm .review-gate.*",
        "rm .claude/*.json",
        "rm -f .git/hooks/{pre-push,commit-msg}",
        'rm "$(git rev-parse --git-dir)/hooks/pre-push"',
        'rm "$(git rev-parse --git-path hooks)/commit-msg"',
        "F=.review-gate.toml; G=$F; rm $G",
        "D=.claude; rm $HOME/$D/settings.json",
        "find . -name .review-gate.toml | xargs rm",
        "git ls-files '*.toml' | xargs rm -f",
        "ls .git/hooks/* | xargs -I{} rm {}",
        "cat list.txt | xargs rm -- .review-gate.toml",
        'for f in .git/hooks/*; do rm "$f"; done',
        "rm $(ls .claude/*.json)",
        "sed -i 's/x/y/' $(git ls-files .pre-commit-config.yaml)",
        "git config include.path /tmp/x",
        "git config --file .git/config core.hooksPath /x",
        "sed -i '/hooksPath/d' ~/.gitconfig",
        "env -C .git rm hooks/pre-push",
        "awk '{ print > \".review-gate.toml\" }' /dev/null",
        "sed -n 'w .review-gate.toml' /dev/null",
        "sed 's/a/b/w .git/hooks/pre-push' notes.txt",
        "vim -c 'w! .review-gate.toml' -c q",
        "ex -sc 'wq! .claude/settings.json'",
        "vim -c '%s/true/false/' -c wq pyproject.toml",
        "git checkout -- .review-gate.toml",
        "git checkout main -- .pre-commit-config.yaml",
        "git restore --source=HEAD~1 .review-gate.toml",
        "rm -rf $(git rev-parse --show-toplevel)",
        'rm -rf "$(git rev-parse --git-dir)"',
        'cp /tmp/evil "$(git rev-parse --git-path hooks)/pre-push"',
        "exec 3> .review-gate.toml",
        ": > .pre-commit-config.yaml",
        "pushd .claude && rm settings.local.json",
        "python3 -c \"import shutil; shutil.rmtree('.claude')\"",
        "node -e \"require('fs').rmSync('.git/hooks', {recursive: true})\"",
        "echo '{}' > s.tmp && mv s.tmp .claude/settings.local.json",
    ],
)
def test_more_routes_to_the_gates_files(
    command: str, checkout: tuple[Path, dict[str, str]]
) -> None:
    repo, environ = checkout
    assert tamper_routes(command, repo, environ), command


@pytest.mark.parametrize(
    "command",
    [
        "rm -rf build dist src/__pycache__",
        "rm -rf /tmp/scratch",
        "rm -f .git/index.lock",
        "rm -rf .git/rebase-merge",
        "find . -name '*.pyc' -delete",
        "find . -name __pycache__ -exec rm -rf {} +",
        "find src -type f -exec chmod 644 {} +",
        "git clean -fd",
        "git clean -n -x",
        "git rm --cached .claude/settings.local.json",
        "git rm src/app.py",
        "ls .git/hooks | xargs -n1 echo",
        "git ls-files | xargs wc -l",
        "mv src/app.py src/main.py",
        "cp -r src /tmp/src-copy",
        "cp .review-gate.toml /tmp/review-gate.toml.bak",
        "tar -xf /tmp/a.tar -C /tmp/unpacked",
        "unzip /tmp/a.zip -d build",
        "echo x > /tmp/notes.txt",
        "cat .review-gate.toml > /tmp/config-copy.toml",
        'echo done > "$TMPDIR/status"',
        "curl -o /tmp/page.html https://example.invalid/",
        "wget -O - https://example.invalid/ | head",
        "sed -i 's/a/b/' src/app.py",
        "perl -pi -e 's/a/b/' src/app.py",
        "chmod +x scripts/run.sh",
        "touch src/__init__.py",
        "cd src && rm -f app.pyc",
        "cd .git && ls hooks",
        "rsync -a src/ /tmp/backup/",
        "python3 -c \"open('/tmp/out.txt', 'w').write('x')\"",
        "python3 -c \"import os; os.remove('build/x.o')\"",
        "git restore --staged .review-gate.toml",
        "git checkout main",
        "git checkout -b feature/8-next",
        "git restore src/app.py",
        "sed 's/w x/y/' notes.txt",
        "sed -n 's/x/y/p' notes.txt",
        "vim -c 'set ft=toml' -c q .review-gate.toml",
        "awk '{ print > \"/tmp/split-\" NR }' notes.txt",
        "env -C src ls",
        "find . -name '*.log' | xargs rm -f",
        "git ls-files -z '*.pyc' | xargs -0 rm -f",
        'echo x > "$OUT/config"',
    ],
)
def test_everyday_file_changes_touch_nothing_protected(
    command: str, checkout: tuple[Path, dict[str, str]]
) -> None:
    repo, environ = checkout
    assert not tamper_routes(command, repo, environ), command
