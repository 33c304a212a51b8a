"""Shell command tables shared by the shell-analysis tests and the agent-hook tests.

- PR_CREATING: ``analyse(cmd).pr_creations`` is non-empty (the hook gates them).
- UNDECIDABLE: ``analyse(cmd).undecidable`` is non-empty (the hook denies them, fail closed).
- DENIED_WITHOUT_REVIEW = PR_CREATING + UNDECIDABLE.
- PR_DIRECT: plain PR creations that a valid review lets through.
- LOOKALIKES: mention PR creation but create nothing: ``analyse(cmd).matters`` is False.
- TAMPERING / NOT_TAMPERING: denied / not denied as tampering in a gated checkout that has
  none of the gate's files installed (``analyse(cmd).tampering`` or ``.paths`` non-empty; no
  tampering, PR creation or undecidable construct). Whether a path is one of the gate's own
  files is decided by the hook with the checkout in hand, so cases that depend on files
  being there live in ``tests/shell_tamper_*_test.py``.
"""

from __future__ import annotations

import shlex
from pathlib import Path


def _nested(command: str, levels: int) -> str:
    for _ in range(levels):
        command = "bash -c " + shlex.quote(command)
    return command


PR_DIRECT: list[str] = [
    "gh pr create",
    'gh pr create --title "Add x" --body "Closes #7"',
    "gh pr create --fill",
    "gh pr new --fill",
    "gh pr create -R owner/repo --head feature/7-x --base main -t t -b b",
]

PR_CREATING: list[str] = [
    *PR_DIRECT,
    # quoting, escapes, paths
    "\\gh pr create",
    '"gh" pr create',
    "'g'h pr create",
    "g\\h pr create",
    "gh 'pr' \"create\"",
    "gh p\\r cr'ea'te",
    "$'\\x67h' pr create",
    "$'gh' pr $'\\143reate'",
    '$"gh" pr create',
    "/usr/bin/gh pr create",
    "./bin/gh pr create",
    "~/bin/gh pr create",
    "/opt/homebrew/bin/gh pr new",
    "GH_TOKEN=x gh pr create",
    "gh --repo o/r pr create",
    "gh pr --repo o/r create",
    "gh pr create --help-me-not",
    # compound commands
    "git push -u origin HEAD && gh pr create --fill",
    "make test; gh pr create",
    "false || gh pr create",
    "(gh pr create)",
    "{ gh pr create; }",
    "if true; then gh pr create; fi",
    "for i in 1; do gh pr create; done",
    "while true; do gh pr create; break; done",
    "case x in x) gh pr create;; esac",
    "f() { gh pr create; }; f",
    "function f { gh pr new; }\nf",
    "gh pr create &",
    "! gh pr create",
    "echo start\ngh pr create\necho done",
    "gh pr create | tee log.txt",
    "gh pr create 2>&1 >/dev/null",
    "gh pr create <<< 'y'",
    # substitutions
    "echo $(gh pr create)",
    "echo `gh pr create`",
    'URL="$(gh pr create --fill)"',
    "cat <(gh pr create)",
    "export X=$(gh pr create)",
    "[[ -n $(gh pr create) ]]",
    "cat <<EOF\n$(gh pr create)\nEOF",
    # nested shells and eval
    "bash -c 'gh pr create'",
    'sh -c "gh pr create --fill"',
    "bash -lc 'gh pr create'",
    "zsh -c 'gh pr new'",
    "dash -c 'gh pr create'",
    "/bin/bash -e -c 'gh pr create'",
    "bash -c \"bash -c 'gh pr create'\"",
    "eval 'gh pr create'",
    'eval "gh" "pr" "create"',
    "bash <<EOF\ngh pr create\nEOF",
    "bash <<'EOF'\ngh pr create --fill\nEOF",
    "cat <<EOF | bash\ngh pr create\nEOF",
    "echo 'gh pr create' | bash",
    "echo gh pr create | sh -s",
    "bash <<< 'gh pr create'",
    "source <(echo gh pr create)",
    "trap 'gh pr create' EXIT",
    # wrappers
    "command gh pr create",
    "builtin command gh pr create",
    "env gh pr create",
    "env -i PATH=/usr/bin gh pr create",
    "env -u GH_TOKEN A=1 gh pr create",
    "sudo gh pr create",
    "sudo -u bob -E gh pr create",
    "time gh pr create",
    "timeout 30 gh pr create",
    "timeout -s KILL 5m gh pr create",
    "nice -n 10 gh pr create",
    "nohup gh pr create &",
    "exec gh pr create",
    "stdbuf -oL gh pr create",
    "setsid gh pr create",
    "sudo env A=1 timeout 5 nice nohup /usr/bin/gh pr create",
    "echo create | xargs gh pr",
    "echo 'gh pr create' | xargs -I{} sh -c {}",
    "find . -maxdepth 0 -exec gh pr create \\;",
    "watch -n 60 gh pr create",
    "ssh host gh pr create",
    "uv run gh pr create",
    "coproc gh pr create",
    "docker exec -it box gh pr create",
    "kubectl exec pod -c app -- gh pr create",
    "printf 'gh pr create\\n' | bash",
    # gh api REST
    "gh api repos/o/r/pulls -f title=t -f head=h -f base=main",
    "gh api /repos/o/r/pulls -X POST",
    "gh api -XPOST repos/o/r/pulls",
    "gh api --method=POST repos/o/r/pulls",
    "gh api --method post repos/o/r/pulls",
    "gh api repos/{owner}/{repo}/pulls -F title=t",
    "gh api repos/o/r/pulls --input pr.json",
    "gh api https://api.github.com/repos/o/r/pulls --raw-field title=t",
    "gh api repos/o/r/pulls/ --field title=t",
    "gh api repos/$OWNER/$REPO/pulls -f title=t",
    "gh api repos/o/r/issues/../pulls -f title=t",
    # gh api GraphQL
    "gh api graphql -f query='mutation { createPullRequest(input: {}) { pullRequest { url } } }'",
    "gh api graphql -F query='mutation($i: CreatePullRequestInput!) { createPullRequest(input: $i) { clientMutationId } }'",  # noqa: E501
    # curl / wget / HTTPie / hub
    'curl -X POST https://api.github.com/repos/o/r/pulls -d \'{"title":"t"}\'',
    "curl -XPOST -H 'Authorization: token x' https://api.github.com/repos/o/r/pulls",
    "curl --request POST https://api.github.com/repos/o/r/pulls",
    "curl https://api.github.com/repos/o/r/pulls -d @pr.json",
    'curl -s --json \'{"title":"t"}\' https://api.github.com/repos/o/r/pulls',
    "curl -F title=t https://ghe.example.com/api/v3/repos/o/r/pulls",
    'curl -H "Authorization: Bearer $T" -d "{}" "$API/repos/$O/$R/pulls"',
    'curl https://api.github.com/graphql -d \'{"query":"mutation { createPullRequest(input:{}) { x } }"}\'',  # noqa: E501
    'wget --post-data=\'{"title":"t"}\' https://api.github.com/repos/o/r/pulls',
    "wget --method=POST https://api.github.com/repos/o/r/pulls",
    "wget --post-file pr.json -O- https://api.github.com/repos/o/r/pulls",
    "http POST https://api.github.com/repos/o/r/pulls title=t head=h base=main",
    "http https://api.github.com/repos/o/r/pulls title=t",
    "https api.github.com/repos/o/r/pulls title=t",
    "xh post api.github.com/repos/o/r/pulls title=t",
    "hub pull-request -m 'title'",
    "hub pull-request --no-edit",
    "git pull-request -m t",
    "hub api -X POST repos/o/r/pulls",
    # red team: line continuations, brace expansion, aliases, variables set in the command
    "gh pr cre\\\nate",
    "g\\\nh pr create",
    "gh pr c{r,}eate",
    "gh {pr,} create",
    "shopt -s expand_aliases\nalias g=gh\ng pr create",
    "alias g='gh pr'; g create",
    "X=gh; $X pr create",
    'CMD="gh pr create"; eval "$CMD"',
    "A=g;B=h;C=p;D=r;E=cre;F=ate; $A$B $C$D $E$F",
    "set -- gh pr cr eate; $1 $2 $3$4",
    "gh pr create\x00x",
    "gh\x00 pr create",
    "gh pr create --help=false",
    "cat <<EOF\n`gh pr create`\nEOF",
    # red team: stdin into groups, xargs -0, parallel
    "echo gh pr create | (sh)",
    "echo gh pr create | { true; sh; }",
    "echo 'gh pr create' | xargs -0 sh -c",
    "printf 'pr\\0create' | xargs -0 gh",
    "parallel gh pr ::: create",
    "parallel ::: 'gh pr create'",
    # red team: programs this hook has no model of, running a command line or code
    "ssh localhost -- gh pr create",
    "runuser -u me -- gh pr create",
    "xvfb-run -a gh pr create",
    "fakeroot gh pr create",
    "chroot / gh pr create",
    "systemd-run --user gh pr create",
    "screen -dm gh pr create",
    "docker run --rm img gh pr create",
    "pipx run gh pr create",
    'retry() { "$@"; }; retry gh pr create',
    "tmux new -d 'gh pr create'",
    "vim -c '!gh pr create' -c q",
    "expect -c 'spawn gh pr create'",
    "nix-shell -p gh --run 'gh pr create'",
    "at now <<< 'gh pr create'",
    "batch <<EOF\ngh pr new\nEOF",
    # red team: commands git runs
    "git -c core.editor='gh pr create' commit",
    "git -c core.sshCommand='gh pr create' fetch",
    "git rebase --exec 'gh pr create' HEAD~1",
    "git rebase -x 'gh pr create' HEAD~1",
    "git bisect run gh pr create",
    "git submodule foreach 'gh pr create'",
    "git config core.pager 'gh pr create'",
    "GIT_EDITOR='gh pr create' git commit",
    "PAGER='gh pr create' git log",
    "curl -d x https://api.github.com/repositories/123/pulls",
    "gh api repositories/123/pulls -f title=x",
    "${HOME}/bin/gh pr create",
    "alias echo=gh; echo pr create",
    "nsenter -t 1 gh pr create",
]

UNDECIDABLE: list[str] = [
    "$GH pr create",
    "${GH:-gh} pr create",
    '"$(echo gh)" pr create',
    "`which gh` pr create",
    "$(printf gh) pr new",
    "g* pr create",
    'eval "$(echo Z2ggcHIgY3JlYXRl | base64 -d)"',
    "echo Z2ggcHIgY3JlYXRl | base64 -d | bash",
    "echo 'tcreate rp hg' | rev | sh",
    "gh pr $SUB",
    "gh $(echo pr) create",
    "cat cmds | xargs gh pr",
    "gh api $ENDPOINT -f title=t",
    "gh api -X $METHOD repos/o/r/pulls",
    "gh api graphql -F query=@mutation.graphql",
    'gh api graphql -f query="$Q"',
    "gh api graphql --input q.json",
    "curl -X POST $URL/pulls",
    "curl -X $M https://api.github.com/repos/o/r/pulls",
    'python -c \'import subprocess; subprocess.run(["gh", "pr", "create"])\'',
    "python3 -c \"import subprocess; subprocess.run(['gh','pr','create'])\"",
    "node -e \"require('child_process').spawnSync('gh',['pr','new'])\"",
    "python3 -c \"import os; os.system('gh pr create')\"",
    'node -e \'require("child_process").execSync("gh pr create")\'',
    "perl -e 'system(\"gh pr create\")'",
    'ruby -e \'system("gh", "pr", "create")\'',
    "awk 'BEGIN { system(\"gh pr create\") }'",
    "printf 'gh pr create\\n' > x.sh && chmod +x x.sh && ./x.sh",
    "python - <<EOF\nimport requests\nrequests.post('https://api.github.com/repos/o/r/pulls')\nEOF",
    "python -c \"from github import Github; Github().get_repo('o/r').create_pull(title='t')\"",
    "source ./create-pr.sh",
    ". scripts/pr_create.sh",
    "bash ./scripts/open-pull-request.sh",
    "cat > /tmp/p.sh <<'EOF'\ngh pr create\nEOF\nbash /tmp/p.sh",
    "gh pr create (",
    "gh alias set pc 'pr create'",
    _nested("gh pr create", 10),
    # red team
    "{gh,pr} create",
    "{ sh; } <<< 'gh pr create'",
    "g$(echo h) $(echo p)r cr$(echo e)ate",
    "${X}h p${Y}r cr${Z}eate",
    "retry 3 ${G}h pr cr${X}eate",
    'X=ls; [ -n "$Y" ] && X=gh; $X pr create',
    "gh extension exec pr-create",
    "gh pr-create --fill",
    "curl -K cfg https://api.github.com/repos/o/r/pulls",
    "curl --config pr.cfg",
    "curl --variable x=1 --expand-url https://api.github.com/repos/o/r/{{x}}pulls -d x",
    "wget -i urls.txt --post-data x",
    "wget -e method=POST https://api.github.com/repos/o/r/pulls",
    "sed -n '1e gh pr create' <<< x",
    "crontab <<< '* * * * * gh pr create'",
    "ghx pr create",
    "mygh pr new --fill",
    'echo() { gh "$@"; }; echo pr create',
]

DENIED_WITHOUT_REVIEW: list[str] = PR_CREATING + UNDECIDABLE

LOOKALIKES: list[str] = [
    "echo gh pr create",
    "echo 'gh pr create'",
    'printf "%s\\n" "gh pr create"',
    'grep -rn "gh pr create" .',
    "rg 'gh pr create' src/",
    'git commit -m "gh pr create"',
    'git commit -m "Support gh pr create and /repos/o/r/pulls"',
    "cat <<EOF\ngh pr create\nEOF",
    "cat <<'EOF' > notes.md\nrun gh pr create when done\nEOF",
    "# gh pr create",
    "ls # gh pr create",
    "gh pr list",
    "gh pr view 7",
    "gh pr checks 7",
    "gh pr status",
    "gh pr diff 7",
    "gh pr create --help",
    "gh pr create -h",
    "gh help pr create",
    "gh issue create --title t --body b",
    "gh api repos/o/r/pulls",
    "gh api repos/o/r/pulls?state=open",
    "gh api -X GET repos/o/r/pulls -f state=open",
    "gh api repos/o/r/pulls/1/comments -f body=x",
    "gh api repos/o/r/pulls/1/reviews -f event=APPROVE",
    "gh api repos/o/r/issues/7/comments -f body='gh pr create'",
    "gh api graphql -f query='{ viewer { login } }'",
    'gh api graphql -f query=\'query { repository(owner:"o", name:"r") { pullRequests(first:1) { nodes { id } } } }\'',  # noqa: E501
    "curl https://api.github.com/repos/o/r/pulls",
    "curl -s https://api.github.com/repos/o/r/pulls | jq .",
    'curl -X POST https://api.github.com/repos/o/r/issues/7/comments -d \'{"body":"x"}\'',
    "curl -G https://api.github.com/repos/o/r/pulls -d state=open",
    "wget https://api.github.com/repos/o/r/pulls",
    "http GET api.github.com/repos/o/r/pulls",
    "http api.github.com/repos/o/r/pulls",
    "hub pr list",
    "git pull origin main",
    "command -v gh",
    "which gh && gh --version",
    "python -c 'print(1)'",
    "bash -c 'echo gh pr create'",
    "eval 'echo gh pr create'",
    "echo 'gh pr list' | bash",
    "$EDITOR notes.txt",
    "ls $HOME",
    "echo (",
    'jq ".pulls" data.json',
    "man gh-pr-create",
    "gh --version",
    # red team: ordinary commands the wider analysis must leave alone
    "gate issue comment 7 --body 'Next: gh pr create --fill'",
    "gh pr comment 7 --body 'gh pr create done'",
    "tee notes.md <<'EOF'\ngh pr create later\nEOF",
    "sed -i 's/gh pr new/gh pr create/' README.md",
    "notify-send 'Created a new PR'",
    "mytool --message 'create new pr'",
    "gh co 7",
    "apt-get install -y gh git curl",
    "parallel -j4 gzip ::: *.log",
    "printf 'pr create' | xargs -0 echo",
    "bash -c bash -c 'gh pr create'",
    "gh pr p{r,} create",
    "curl -d x https://h/x --next https://api.github.com/repos/o/r/pulls",
    "VERSION=$(cat VERSION); echo v$VERSION",
    "x=gh_pr_cr; $x${y}eate",
    "pip uninstall -y foo",
    "npm uninstall left-pad",
    "cat .claude/settings.json",
    "jq . .claude/settings.local.json",
    "gate install claude",
    "pre-commit install",
    "git-lfs pull",
    "gh api repositories/123/pulls",
    # issue 10: printing or matching the text of a PR command, test selectors
    "python -c \"print('gh pr create')\"",
    "python3 -c \"import re, sys; print(re.findall('gh pr create', sys.stdin.read()))\"",
    "node -e \"console.log('gh pr create')\"",
    "ruby -e 'puts \"gh pr create\"'",
    "perl -e 'print \"gh pr create\\n\"'",
    "awk '/gh pr create/ { print }' notes.md",
    "pytest -k pr_create",
    "npm test -- --grep createPullRequest",
    "npm run test -- --grep createPullRequest",
    "npx jest -t createPullRequest",
    "npx vitest run -t create_pull_request",
    "make test ARGS='-k pr_create'",
    "./scripts/test.sh -k pr_create",
    "go test -run TestCreatePullRequest ./...",
]

TAMPERING: list[str] = [
    "git push --no-verify",
    "git push origin main --no-verify",
    "git push --no-verify origin HEAD",
    "git push --no-verif",
    "git commit --no-verify -m x",
    "git commit -n -m x",
    "git commit -nm x",
    "git commit -anm x",
    "git commit -m x -n",
    "git commit -S -n -m x",
    "git -c core.hooksPath=/dev/null push",
    "git -c core.hookspath=/tmp commit -m x",
    "git -c CORE.HOOKSPATH= push origin main",
    "git --config-env=core.hooksPath=EMPTY push",
    "git --config-env core.hooksPath=EMPTY commit -m x",
    "git -C repo -c core.hooksPath=x push",
    "git config core.hooksPath /dev/null",
    "git config --local core.hooksPath .nohooks",
    "git config --global core.hooksPath /tmp/x",
    "git config set core.hooksPath /tmp/x",
    "git config --unset core.hooksPath",
    "git config alias.p 'push --no-verify'",
    "SKIP=review-gate-pre-push git push",
    "SKIP=flake8,review-gate-commit-msg git commit -m x",
    "export SKIP=review-gate",
    "env SKIP=review-gate git push",
    "GIT_CONFIG_PARAMETERS=\"'core.hooksPath'='/dev/null'\" git push",
    "GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.hooksPath GIT_CONFIG_VALUE_0=/x git push",
    "HUSKY=0 git push",
    "sudo git push --no-verify",
    "bash -c 'git push --no-verify'",
    "git add . && git commit -nm wip && git push",
    "cd repo; (git push --no-verify)",
    "rm .git/hooks/pre-push",
    "chmod -x .git/hooks/pre-push",
    "echo 'exit 0' > .git/hooks/pre-push",
    "git merge --no-verify feature",
    # red team
    "rm -rf .git/hook*",
    "rm -rf .git/{hooks,x}",
    "rm -r .git/./hooks",
    "rm -r .git//hooks/",
    "cd .git/hooks && rm pre-push",
    "cd .git && rm hooks/pre-push",
    'rm "$(git rev-parse --git-dir)/hooks/pre-push"',
    "find .git/hooks -delete",
    "python3 -c \"import os; os.remove('.git/hooks/pre-push')\"",
    "git config --remove-section core",
    "git config --rename-section core x",
    "git config --edit",
    "sed -i '/hooksPath/d' .git/config",
    "echo '[core] hooksPath=/x' >> .git/config",
    "git config include.path /tmp/x",
    "git send-pack origin HEAD",
    "git push --no-verify\x00",
    "gate uninstall git",
    "gate uninstall claude",
    "pre-commit uninstall -t pre-push",
    "rm .claude/settings.local.json",
    "echo '{}' > .claude/settings.local.json",
    "mv .codex/hooks.json /tmp",
    "/usr/lib/git-core/git-push --no-verify",
    "git-commit -nm x",
    "$(git --exec-path)/git-push --no-verify",
    # issue 10: the gate's own files, removing the gate, agents without hooks
    "sed -i 's/protect = true/protect = false/' .review-gate.toml",
    "perl -pi -e 's/true/false/' .review-gate.toml",
    "echo 'protect = false' > .review-gate.toml",
    "tee .pre-commit-config.yaml < /dev/null",
    "cp /tmp/evil .git/hooks/pre-push",
    "ln -sf /dev/null .git/hooks/pre-push",
    "curl -o .git/hooks/pre-push https://example.invalid/x",
    "dd if=/dev/null of=.git/hooks/commit-msg",
    "rm ~/.claude/settings.json",
    "echo '{}' > $HOME/.codex/config.toml",
    "git config --system core.hooksPath /x",
    "git config --worktree --unset core.hooksPath",
    "git config --file .git/config core.hooksPath x",
    "echo '[core] hooksPath = /x' > /tmp/inc && git -c include.path=/tmp/inc push",
    "printf '[core]\\nhooksPath=/x' > g.cfg && GIT_CONFIG_GLOBAL=g.cfg git push",
    "pip uninstall -y review-gate",
    "python3 -m pip uninstall review_gate",
    "pipx uninstall review-gate",
    "uv tool uninstall review-gate",
    "uv pip uninstall Review.Gate",
    "claude --bare -p hi",
    "claude --settings '{\"disableAllHooks\": true}' -p hi",
    "CLAUDE_CODE_SIMPLE=1 claude -p hi",
    "codex --disable hooks exec hi",
]

NOT_TAMPERING: list[str] = [
    "git push",
    "git push -n",
    "git push --dry-run origin main",
    "git push origin main",
    "git push -- --no-verify",
    "git commit -m x",
    "git commit -mn",
    "git commit -Sn -m x",
    "git commit -m -n",
    "git commit -am 'fix -n flag'",
    'git commit -m "mention --no-verify in message"',
    "git config core.hooksPath",
    "git config --get core.hooksPath",
    "git config user.name bob",
    "git -c user.name=x commit -m y",
    "git -c core.hooksPath=x status",
    "SKIP=flake8 git commit -m x",
    "PRE_COMMIT_ALLOW_NO_CONFIG=1 git commit -m x",
    "git status",
    "git log -n 5",
    "git merge -n feature",
    "cat .git/hooks/pre-push",
    "ls .git/hooks",
    "echo --no-verify",
    "grep -r hooksPath .",
    # red team
    "git -c core.editor='code --wait' commit",
    "git rebase -x 'pytest -q' HEAD~3",
    "find . -name '*.pyc' -delete",
    "rm -rf $TMPDIR/x",
    "rm -f .git/index.lock",
    "git config --get-regexp 'alias.*'",
    "git -c core.pager=cat log",
    "cd .git && ls hooks",
    "rm -rf build/hooks",
    "git push --delete origin old",
    # issue 10: reading the gate's files is not writing them
    "sed -n 1,5p .git/hooks/pre-push",
    "sed -n p .claude/settings.json",
    "perl -ne 'print' .git/hooks/pre-push",
    "cp .git/hooks/pre-push /tmp/hook-copy",
    "cp .claude/settings.json /tmp/settings-copy",
    "rsync .claude/settings.json /tmp/settings-copy",
    "install .git/hooks/pre-push /tmp/hook-copy",
    "grep -n protect .review-gate.toml",
    "less .pre-commit-config.yaml",
    "head -5 ~/.claude/settings.json",
    "sed 's/a/b/' .claude/settings.json > /tmp/out.json",
    "python -c \"print(open('.git/hooks/pre-push').read())\"",
    "tar -cf /tmp/a.tar .claude",
    "git config --global --get core.hooksPath",
    "pip uninstall -y requests",
    "claude -p 'review the diff'",
    "git clean -fd",
    "rm -rf build dist",
]


# -- a checkout with every one of the gate's files in place (tests/shell_tamper_*_test.py) --

#: The gate's own files, relative to the checkout; installed by :func:`protected_checkout`.
CHECKOUT_FILES = (
    ".review-gate.toml",
    ".pre-commit-config.yaml",
    "pyproject.toml",
    ".claude/settings.json",
    ".claude/settings.local.json",
    ".codex/hooks.json",
    ".codex/config.toml",
    ".git/hooks/pre-push",
    ".git/hooks/commit-msg",
    ".git/hooks/pre-commit",
    ".git/config",
    ".git/info/exclude",
)
#: The same under the home directory and $CODEX_HOME, as a command spells them.
HOME_FILES = (
    "~/.claude/settings.json",
    "~/.claude/settings.local.json",
    "~/.codex/config.toml",
    "$HOME/.codex/hooks.json",
    "${HOME}/.claude/settings.json",
    "$CODEX_HOME/hooks.json",
    "$CODEX_HOME/config.toml",
)


def protected_checkout(root: Path) -> tuple[Path, dict[str, str]]:
    """``(checkout, environment)``: a worker checkout (``feature/7-x``, so it is gated) with
    the gate's configuration committed on the base branch and in the checkout, the agent
    hook settings, installed git hooks, and the user's agent settings under ``HOME`` and
    ``CODEX_HOME``. The environment is the one the hook sees (``HOME``, ``CODEX_HOME``, and a
    ``PATH`` that finds this environment's ``gate``)."""
    import os
    import sys

    from tests.helpers import commit_file, git, init_repo_with_remote, set_base_config

    home, codex_home = root / "home", root / "codex-home"
    repo, _ = init_repo_with_remote(root)
    git(repo, "checkout", "-q", "-b", "feature/7-x")
    set_base_config(repo, "protect = true\n")
    git(repo, "merge", "-q", "--ff-only", "main")
    commit_file(repo, ".pre-commit-config.yaml", "repos: []\n")
    commit_file(repo, "pyproject.toml", "[project]\nname = 'x'\n\n[tool.review-gate]\n")
    commit_file(repo, "src/app.py", "print('hi')\n")
    for rel in CHECKOUT_FILES:
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_text("#!/bin/sh\nexec gate hook\n" if "/hooks/" in rel else "{}\n")
    for rel in (".claude/settings.json", ".claude/settings.local.json", ".codex/hooks.json"):
        (home / rel).parent.mkdir(parents=True, exist_ok=True)
        (home / rel).write_text("{}\n")
    codex_home.mkdir()
    for name in ("hooks.json", "config.toml"):
        (codex_home / name).write_text("{}\n")
    (home / ".codex" / "config.toml").write_text("{}\n")
    bin_dir = str(Path(sys.executable).parent)
    environ = {
        **os.environ,
        "HOME": str(home),
        "CODEX_HOME": str(codex_home),
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
    }
    return repo, environ


_REPOSITORIES: dict[Path, object] = {}


def tamper_routes(command: str, repo: Path, environ: dict[str, str]) -> list[tuple[str, str, str]]:
    """What the PreToolUse hook finds in ``command`` run in ``repo``: every tamper route as
    (route, what it does, kind), before it asks whether the checkout is gated."""
    from review_gate import target
    from review_gate.hooks.pr_gate import _routes
    from review_gate.shell import analyse

    if repo not in _REPOSITORIES:
        _REPOSITORIES[repo] = target.Repository(repo)
    found: list[tuple[str, str, str]] = _routes(
        analyse(command),
        _REPOSITORIES[repo],  # type: ignore[arg-type]
        repo,
        environ,
    )
    return found


def hook_reason(command: str, repo: Path, environ: dict[str, str]) -> str | None:
    """The PreToolUse hook's deny reason for a Bash call of ``command`` in ``repo``."""
    import json

    from review_gate.hooks.agent import decide_pre_tool_use

    payload = {
        "hook_event_name": "PreToolUse",
        "cwd": str(repo),
        "tool_name": "Bash",
        "tool_input": {"command": command},
    }
    return decide_pre_tool_use(json.dumps(payload).encode(), environ)
