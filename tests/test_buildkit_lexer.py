"""Substitution as BuildKit's shell lexer does it (frontend/dockerfile/shell/lex.go, ``ProcessWord``).

The cases are written from BuildKit's own lexer tests (shell/envVarTest and
TestProcessWithMatches in shell/lex_test.go), with one difference that is
k8slint's: a variable without a value is not the empty string but unknown
(:class:`Unresolved`), because a ``--build-arg`` may give it one; the default
of ``${V:-x}`` and the nothing of ``${V:+x}`` are still taken.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_security_linear import growth

from conftest import run_lint
from k8slint.model.dockerfile import MAX_EXPANDED_WORD, BadSubstitution, ExpansionTooLarge, Unresolved, substitute
from k8slint.model.objects import SourceFile
from k8slint.sources.dockerfiles import escape_character, parse_dockerfile

ERROR = "error"  # BuildKit refuses the word: the build fails
UNKNOWN = "unknown"  # k8slint cannot know the value before the build

# the environment of BuildKit's TestShellParser4EnvVars
ENV: dict[str, str | None] = {"PWD": "/home", "SHELL": "bash", "KOREAN": "한국어", "NULL": ""}


def expand(text: str, variables: dict[str, str | None] | None = None, escape: str = "\\") -> str:
    try:
        return substitute(text, ENV if variables is None else variables, escape=escape)
    except BadSubstitution:
        return ERROR
    except Unresolved:
        return UNKNOWN


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        # quotes are removed; nothing expands inside single quotes
        ("hello", "hello"),
        ("he'll'o", "hello"),
        ("he'llo", ERROR),
        ("he\\'llo", "he'llo"),
        ("he\\\\'llo", ERROR),
        ("abc\\tdef", "abctdef"),
        ('"abc\\tdef"', "abc\\tdef"),
        ('"abc\\\\tdef"', "abc\\tdef"),
        ("'abc\\tdef'", "abc\\tdef"),
        ("hello\\", "hello"),
        ("hello\\\\", "hello\\"),
        ('"hello', ERROR),
        ('"hello\\"', ERROR),
        ('"hel\'lo"', "hel'lo"),
        ("'hello", ERROR),
        ("'hello\\'", "hello\\"),
        ("\"''\"", "''"),
        ("'he${XX}'", "he${XX}"),
        ('"he${PWD}"', "he/home"),
        ("\"he'$PWD'\"", "he'/home'"),
        ("'$PWD'", "$PWD"),
        ("'\"hello\"'", '"hello"'),
        ('"he\\$PWD"', "he$PWD"),
        ("'he\\$PWD'", "he\\$PWD"),
        ("안'녕'하세요", "안녕하세요"),
        # a "$" that starts no name stays; positional and special parameters are never set
        ("$.", "$."),
        ("he$.x", "he$.x"),
        ("he$1x", "hex"),
        ("$999aaa", "aaa"),
        ("${001:-bbb}aaa", "bbbaaa"),
        ("$@@@", "@@"),
        ("${#:-bbb}", "bbb"),
        ("${$:+bbb}", ""),
        ("he$PWD", "he/home"),
        ("he\\$PWD", "he$PWD"),
        ("he\\\\$PWD", "he\\/home"),
        ("\\${}aaa", "${}aaa"),
        ("$KOREAN", "한국어"),
        # braces
        ("${}", ERROR),
        ("he${}xx", ERROR),
        ("he${.}", ERROR),
        ("${{aaa}", ERROR),
        ("${aaa", ERROR),
        ("he${PWD", ERROR),
        ("${:}", ERROR),
        ("${:-bbb}", ERROR),
        ("${PWD}}", "/home}"),
        ("he${PWD}", "he/home"),
        # defaults and alternatives, nested
        ("he${XXX:-000}xx", "he000xx"),
        ("he${PWD:-000}xx", "he/homexx"),
        ("he${XXX:-$PWD}xx", "he/homexx"),
        ("he${XXX:-${PWD:-yyy}}xx", "he/homexx"),
        ("he${XXX:-${YYY:-yyy}}xx", "heyyyxx"),
        ("he${XXX:+${PWD}}xx", "hexx"),
        ("he${PWD:+${SHELL}}xx", "hebashxx"),
        ("he${PWD:+000}xx", "he000xx"),
        ("he${PWD:+${PWD}:}xx", "he/home:xx"),
        ("he${XXX:-\\$PWD:}xx", "he$PWD:xx"),
        ("he${XXX:-\\${PWD}z}xx", "he${PWDz}xx"),
        ("${aaa:-bbb}}", "bbb}"),
        ("${aaa:-bbb", ERROR),
        ("${aaa:-bbb ${foo}", ERROR),
        ("${aaa:-bbb {foo}", "bbb {foo"),
        ("${aaa:-'}'}", "}"),
        # modifiers BuildKit does not have
        ("he${XXX:YYY}", ERROR),
        ("he${PWD:=000}xx", ERROR),
        ("${PWD=aaa}", ERROR),
        ("${PWD=}", ERROR),
        # required values
        ("he${PWD?}", "he/home"),
        ("he${PWD:?}", "he/home"),
        ("he${NULL?}", "he"),
        ("he${NULL:?}", UNKNOWN),  # BuildKit fails unless a build argument sets it
        ("he${XXX?}", UNKNOWN),
        # k8slint's difference: no value is not "" but unknown
        ("he${hi}xx", UNKNOWN),
        ("${PWD:+${XXX}}", UNKNOWN),
    ],
)
def test_words_as_buildkit_reads_them(word: str, expected: str) -> None:
    assert expand(word) == expected


@pytest.mark.parametrize(
    ("word", "variables", "expected"),
    [
        # "-" and "+" without ":" take a set but empty value as set
        ("${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}", {"FOO": "xxx", "BAR": ""}, "xxx  ccc"),
        ("${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}", {"FOO": "xxx", "BAR": ""}, "xxx bbb ccc"),
        ("${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}", {"FOO": "xxx", "BAR": ""}, "aaa bbb "),
        ("${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}", {"FOO": "xxx", "BAR": ""}, "aaa  "),
        ("${FOO:-}", {}, ""),
        # prefixes and suffixes: shortest with one #/%, longest with two
        ("${FOO#()[]{\\}^$.\\*\\?|\\\\}", {"FOO": "()[]{}^$.*?|\\x"}, "x"),
        ("${FOO%%\\**}", {"FOO": "xx**"}, "xx"),
        ("${FOO#*x*y}", {"FOO": "xxyy"}, "y"),
        ("${FOO#*}", {"FOO": "xxyy"}, "xxyy"),
        ("${FOO#$BAR}", {"FOO": "xxyy", "BAR": "x"}, "xyy"),
        ("${FOO#$BAR}", {"FOO": "xxyy", "BAR": ""}, "xxyy"),
        ("${FOO#}", {"FOO": "xxyy"}, "xxyy"),
        ("${FOO##*x}", {"FOO": "xxyy"}, "yy"),
        ("${FOO##}", {"FOO": "xxyy"}, "xxyy"),
        ("${FOO#?\\?}", {"FOO": "???y"}, "?y"),
        ("${ABC:-.}${FOO%x}${ABC:-.}", {"FOO": "xxyy"}, ".xxyy."),
        ("${FOO%%\\**\\*}", {"FOO": "a***yy*"}, "a"),
        ("${FOO%}", {"FOO": "xxyy"}, "xxyy"),
        ("${FOO%%$BAR}", {"FOO": "xxyy", "BAR": ""}, "xxyy"),
        ("${FOO:#}", {"FOO": "x"}, ERROR),
        ("${FOO:##}", {"FOO": "x"}, ERROR),
        ("${FOO:%}", {"FOO": "x"}, ERROR),
        ("${FOO:%%}", {"FOO": "x"}, ERROR),
        ("${FOO#\\x}", {"FOO": "x"}, ERROR),  # an escape the pattern does not know
        ("${FOO#x}", {"FOO": None}, UNKNOWN),
        # as Dockerfiles use them
        ("${VERSION%.*}", {"VERSION": "1.24.3"}, "1.24"),
        ("${VERSION%%.*}", {"VERSION": "1.24.3"}, "1"),
        ("${VERSION#*.}", {"VERSION": "1.24.3"}, "24.3"),
        ("${VERSION##*.}", {"VERSION": "1.24.3"}, "3"),
        ("${TAG#v}", {"TAG": "v2.1.0"}, "2.1.0"),
        ("${TARGETPLATFORM#linux/}", {"TARGETPLATFORM": "linux/arm64"}, "arm64"),
        # replacement: the first (leftmost, longest) match, or every one
        ("${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}", {"FOO": "/foo*/*/*.txt", "NEEDLE": "\\*/"}, "/foo.*/*.txt - /foo..*.txt"),
        ("${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}", {"FOO": "/tmp/tmp/bar.txt", "NEEDLE": "/tmp"}, "/tmp/bar.txt - /bar.txt"),
        (
            "${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}",
            {"FOO": "/a/foo/b/c.txt", "NEEDLE": "/?/", "REPLACEMENT": "/"},
            "/foo/b/c.txt - /foo/c.txt",
        ),
        ("${FOO/$NEEDLE/$REPLACEMENT}", {"FOO": "http://google.de", "NEEDLE": "http://", "REPLACEMENT": "https://"}, "https://google.de"),
        ("${FOO//\\//\\/}", {"FOO": "/tmp/foo.txt"}, "\\/tmp\\/foo.txt"),
        ("${FOO/$BAR/ww}", {"FOO": "xxyy", "BAR": ""}, "wwxxyy"),
        ("${FOO//ww}", {"FOO": "xxyy"}, ERROR),
        ("${FOO//}", {"FOO": "xxyy"}, ERROR),
        ("${FOO///}", {"FOO": "xxyy"}, "xxyy"),
        ("${VERSION//./-}", {"VERSION": "1.24.3"}, "1-24-3"),
        ("${VERSION/./-}", {"VERSION": "1.24.3"}, "1-24.3"),
        ("${V//?/x}", {"V": "abc"}, "xxx"),
        ("${V//*/x}", {"V": "abc"}, "x"),  # the empty match at the end, right after a match, is not replaced
        ("${V//b*/x}", {"V": "abcb"}, "ax"),
        ("${V/x/y}", {"V": None}, UNKNOWN),
    ],
)
def test_modifiers_as_buildkit_applies_them(word: str, variables: dict[str, str | None], expected: str) -> None:
    assert expand(word, variables) == expected


def test_the_escape_directive_changes_the_escape_character() -> None:
    assert escape_character("# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\n") == "`"
    assert escape_character("# syntax=docker/dockerfile:1\n#escape = `\nFROM x\n") == "`"
    assert escape_character("FROM x\n# escape=`\n") == "\\"  # a directive after the first instruction is a comment
    assert escape_character("# a comment\n# escape=`\nFROM x\n") == "\\"  # so after any other comment
    assert escape_character(" # escape=`\nFROM x\n") == "\\"
    # a Windows path keeps its backslashes; the backtick escapes
    assert expand("C:\\app\\${NAME}", {"NAME": "web"}, escape="`") == "C:\\app\\web"
    assert expand("C:\\app", {}) == "C:app"
    assert expand("a`$b", {}, escape="`") == "a$b"


def _doc(text: str):
    doc, problems = parse_dockerfile(SourceFile("Dockerfile", text))
    assert doc is not None and not problems
    return doc


def test_quotes_in_arg_env_and_from_are_removed() -> None:
    doc = _doc(
        "# syntax=docker/dockerfile:1\n"
        'ARG GO_VERSION="1.24"\n'
        "ARG BASE='alpine'\n"
        "FROM golang:${GO_VERSION}-alpine AS build\n"
        "ARG VERSION=1.2.3\n"
        'ENV MAJOR=${VERSION%%.*} MINOR="${VERSION%.*}" LITERAL=\'$VERSION\' SPACED="a b"\n'
        'FROM "${BASE}:${GO_VERSION//./-}"\n'
    )
    assert [(s.base, s.resolved) for s in doc.stages] == [("golang:1.24-alpine", True), ("alpine:1-24", True)]
    assert doc.stages[0].variables["MAJOR"] == "1"
    assert doc.stages[0].variables["MINOR"] == "1.2"
    assert doc.stages[0].variables["LITERAL"] == "$VERSION"  # not expanded inside single quotes
    assert doc.stages[0].variables["SPACED"] == "a b"


def test_a_windows_dockerfile_with_the_backtick_escape_keeps_its_paths() -> None:
    doc = _doc(
        "# escape=`\nARG WIN=ltsc2022\nFROM mcr.microsoft.com/windows/servercore:${WIN}\nENV APP=C:\\app\\bin `\n    DATA=C:\\data\n"
    )
    assert doc.stages[0].base == "mcr.microsoft.com/windows/servercore:ltsc2022"
    assert doc.stages[0].variables["APP"] == "C:\\app\\bin"
    assert doc.stages[0].variables["DATA"] == "C:\\data"


def test_quoted_arg_defaults_give_the_image_they_name(tmp_path: Path) -> None:
    # seen in jenkins, prometheus, buildx: `golang:"1.24"-alpine` was an invalid image, and the latest tag went unseen
    (tmp_path / "Dockerfile").write_text(
        'ARG GO_VERSION="1.24"\n'
        'ARG NGINX_TAG="latest"\n'
        "FROM golang:${GO_VERSION}-alpine AS build\n"
        "RUN go build -o /out/app ./...\n"
        "FROM nginx:${NGINX_TAG}\n"
        "COPY --from=build /out/app /usr/local/bin/app\n"
        "USER 101\n"
    )
    result = run_lint(tmp_path / "Dockerfile")
    found = {(f.rule, f.location.line) for f in result.findings}
    assert ("invalid-image-name", 3) not in found and ("invalid-image-name", 5) not in found
    assert ("image-tag-latest", 5) in found


def test_a_word_buildkit_refuses_is_not_guessed() -> None:
    doc = _doc('FROM alpine:3.20\nARG V="1.2\nENV W=${V} X="${}" Y=${V:x}\n')
    assert doc.stages[0].variables["V"] is None
    assert all(doc.stages[0].variables[name] is None for name in ("W", "X", "Y"))


def test_pattern_matching_takes_linear_work() -> None:
    # Python's re backtracks exponentially on "*a*a*a*b" against a run of "a": BuildKit's Go regexp does not,
    # and neither does the segment matcher
    hostile = {"V": "a" * 5000}

    def trim(text: str) -> None:
        try:
            substitute(text, hostile)
        except Unresolved:
            pass

    assert expand("${V%%*a*a*a*a*a*a*a*a*b}", hostile) == "a" * 5000
    assert growth(lambda n: "${V##" + "*a" * (n // 2) + "b}", trim, 500) < 3
    assert growth(lambda n: "${V//a/b}" * (n // 9), trim, 200) < 3


def test_nesting_and_size_are_bounded() -> None:
    with pytest.raises(ExpansionTooLarge):
        substitute("${A:-" * 500 + "x" + "}" * 500, {})
    assert substitute("${A:-" * 20 + "x" + "}" * 20, {}) == "x"
    with pytest.raises(ExpansionTooLarge):
        substitute("${V//a/" + "b" * 100 + "}", {"V": "a" * (MAX_EXPANDED_WORD // 50)})
