"""Shell command lines as a container's PID 1 runs them: does the program replace the shell?

A shell-form ``CMD``/``ENTRYPOINT`` runs as ``/bin/sh -c "<line>"``. The shell
is the container's PID 1 and does not pass SIGTERM on to a child, unless it
replaces itself with the program: an ``exec`` as the last command of the line
(``exec gunicorn ...``, ``cd /app && exec gunicorn ...``) does that, so the
program becomes PID 1 and receives the signal itself. Whether a shell execs a
lone command without being told to depends on the shell (bash does for a lone
command, dash forks it), so nothing else is taken as replacing it.
"""

from __future__ import annotations

import re
import shlex

SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "mksh"})
_C_FLAG = re.compile(r"-[a-zA-Z]*c[a-zA-Z]*")
"""``-c``, or ``-c`` with other single-letter options (``-ec``, ``-xc``)."""
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*", re.DOTALL)
_SEQUENCE = {";", "&&", "\n"}
"""Operators after which the shell runs the next command in the same process."""


def execs_program(line: str) -> bool:
    """Whether ``sh -c line`` ends by replacing the shell with a program (``exec prog``)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()<>")
    lexer.whitespace = " \t\r"  # a newline separates commands
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:
        return False  # an unterminated quote: sh -c fails, nothing to tell
    commands: list[list[str]] = [[]]
    for token in tokens:
        if token in _SEQUENCE:
            commands.append([])
        else:
            commands[-1].append(token)
    words = next((c for c in reversed(commands) if c), [])  # a trailing ';' ends the line, not a command
    while words and _ASSIGNMENT.fullmatch(words[0]):
        words = words[1:]  # NAME=value exec prog
    if not words or words[0] != "exec":
        return False
    if any(t in {"|", "||", "&", "|&", "(", ")"} for t in words):
        return False  # a pipeline, background job, subshell or || list keeps a shell around the program
    return _program(words[1:]) is not None


def _program(words: list[str]) -> str | None:
    """The program ``exec`` runs: its first word that is not a redirection (``exec >log`` runs none)."""
    index = 0
    while index < len(words):
        word = words[index]
        if set(word) <= set("<>&"):
            index += 2  # the operator and its target
        elif word.isdigit() and index + 1 < len(words) and set(words[index + 1]) <= set("<>&"):
            index += 3  # 2>&1, 2> file
        else:
            return word
    return None


def shell_script(args: tuple[str, ...]) -> str | None:
    """The command line of an exec-form ``["sh", "-c", "line"]``, or None when it does not run a shell."""
    if len(args) < 3 or args[0].rsplit("/", 1)[-1] not in SHELLS or not _C_FLAG.fullmatch(args[1]):
        return None
    return args[2]
