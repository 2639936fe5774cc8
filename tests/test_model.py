"""The hand-written parsers: quantities, image references, label selectors.

Quantity cases are the published ones of k8s.io/apimachinery's quantity tests
(TestQuantityParse, its invalid list, and the JSON white-space cases).
"""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from k8slint.model.images import ImageError, parse_image
from k8slint.model.quantity import QuantityError, parse_quantity
from k8slint.model.selectors import SelectorError, from_label_selector, from_map

KI, MI, GI, TI, PI, EI = (1024**n for n in range(1, 7))
INT64_MAX = 2**63 - 1

VALID_QUANTITIES = [
    ("0", 0),
    ("0n", 0),
    ("0u", 0),
    ("0m", 0),
    ("0Ki", 0),
    ("0k", 0),
    ("0Mi", 0),
    ("0M", 0),
    ("0Gi", 0),
    ("0G", 0),
    ("0Ti", 0),
    ("0T", 0),
    ("1", 1),
    ("1Ki", KI),
    ("8Ki", 8 * KI),
    ("7Mi", 7 * MI),
    ("6Gi", 6 * GI),
    ("5Ti", 5 * TI),
    ("4Pi", 4 * PI),
    ("3Ei", 3 * EI),
    ("10Ti", 10 * TI),
    ("100Ti", 100 * TI),
    ("5n", F(5, 10**9)),
    ("4u", F(4, 10**6)),
    ("3m", F(3, 1000)),
    ("9", 9),
    ("8k", 8000),
    ("50k", 50000),
    ("7M", 7 * 10**6),
    ("6G", 6 * 10**9),
    ("5T", 5 * 10**12),
    ("40T", 4 * 10**13),
    ("300T", 3 * 10**14),
    ("2P", 2 * 10**15),
    ("1E", 10**18),
    ("1E-3", F(1, 1000)),
    ("1e3", 1000),
    ("1E6", 10**6),
    ("1e9", 10**9),
    ("1E12", 10**12),
    ("1e15", 10**15),
    ("1E18", 10**18),
    ("1e14", 10**14),
    ("1e13", 10**13),
    ("100.035k", 100035),
    ("0.001", F(1, 1000)),
    ("0.0005k", F(1, 2)),
    ("0.005", F(5, 1000)),
    ("0.05", F(5, 100)),
    ("0.5", F(1, 2)),
    ("0.00050k", F(1, 2)),
    ("0.00500", F(5, 1000)),
    ("0.05000", F(5, 100)),
    ("0.50000", F(1, 2)),
    ("0.5e0", F(1, 2)),
    ("0.5e-1", F(5, 100)),
    ("0.5e-2", F(5, 1000)),
    ("10.035M", 10035000),
    ("1.2e3", 1200),
    ("1.3E+6", 1300000),
    ("1.40e9", 14 * 10**8),
    ("1.53E12", 153 * 10**10),
    ("1.6e15", 16 * 10**14),
    ("1.7E18", 17 * 10**17),
    ("9.01", F(901, 100)),
    ("8.1k", 8100),
    ("7.123456M", 7123456),
    ("6.987654321G", 6987654321),
    ("5.444T", 5444 * 10**9),
    ("40.1T", 401 * 10**11),
    ("300.2T", 3002 * 10**11),
    ("2.5P", 25 * 10**14),
    ("1.01E", 101 * 10**16),
    # rounded up to whole nano-units, binary values capped at 2^63-1
    ("3.001n", F(4, 10**9)),
    ("1.1E-9", F(2, 10**9)),
    ("0.0000000001", F(1, 10**9)),
    ("0.0000000005", F(1, 10**9)),
    ("0.00000000050", F(1, 10**9)),
    ("0.5e-9", F(1, 10**9)),
    ("0.9n", F(1, 10**9)),
    ("0.00000012345", F(124, 10**9)),
    ("0.00000012354", F(124, 10**9)),
    ("9Ei", INT64_MAX),
    ("9223372036854775807Ki", INT64_MAX),
    ("12E", 12 * 10**18),
    ("100.035Ki", F(10243584, 100)),
    ("0.5Mi", MI // 2),
    ("0.05Gi", F(536870912, 10)),
    ("0.025Ti", F(274877906944, 10)),
    ("0.000000000001Ki", F(2, 10**9)),
    (".001", F(1, 1000)),
    (".0001k", F(1, 10)),
    ("1.", 1),
    ("1.G", 10**9),
]


@pytest.mark.parametrize("text,value", VALID_QUANTITIES)
def test_quantities_parse_as_the_api_server_does(text: str, value) -> None:
    assert parse_quantity(text) == value
    assert parse_quantity("+" + text) == value
    assert parse_quantity("-" + text) == -value


@pytest.mark.parametrize(
    "text", ["1.1.M", "1+1.0M", "0.1mi", "0.1am", "aoeu", ".5i", "1i", "-3.01i", "-3.01e-", "", "1K", "1gb", "5 Mi", "e3"]
)
def test_invalid_quantities(text: str) -> None:
    with pytest.raises(QuantityError):
        parse_quantity(text)


def test_quantity_values_from_yaml_types() -> None:
    # JSON numbers and strings with surrounding white space (UnmarshalJSON trims it)
    assert parse_quantity(" 1") == parse_quantity("1 ") == parse_quantity(1) == 1
    assert parse_quantity(0.1) == F(1, 10)
    assert parse_quantity(-1) == -1
    for bad in (True, None, [1], {"a": 1}, float("nan"), float("inf")):
        with pytest.raises(QuantityError):
            parse_quantity(bad)
    assert parse_quantity("1e99999999") > 10**100  # bounded work on absurd exponents


@pytest.mark.parametrize(
    "image,domain,path,tag,digest",
    [
        ("test_com", None, "test_com", None, None),
        ("test.com:tag", None, "test.com", "tag", None),
        ("test.com:5000", None, "test.com", "5000", None),
        ("test.com/repo:tag", "test.com", "repo", "tag", None),
        ("test:5000/repo", "test:5000", "repo", None, None),
        ("test:5000/repo:tag", "test:5000", "repo", "tag", None),
        ("lowercase:Uppercase", None, "lowercase", "Uppercase", None),
        ("sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com", "bar/baz/quux", None, None),
        ("sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux", "some-long-tag", None),
        ("b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app", "test.example.com", None),
        ("xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", "xn--n3h.com", None),
        ("foo_bar.com:8080", None, "foo_bar.com", "8080", None),
        ("foo/foo_bar.com:8080", None, "foo/foo_bar.com", "8080", None),
        ("[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", "repo", None, None),
        ("[2001:db8::1]/repo:tag", "[2001:db8::1]", "repo", "tag", None),
        ("192.168.1.1:5000/repo", "192.168.1.1:5000", "repo", None, None),
        ("localhost/repo", "localhost", "repo", None, None),
        ("Uppercase.com/repo", "Uppercase.com", "repo", None, None),
        ("a/" * 127 + "a", None, "a/" * 127 + "a", None, None),
    ],
)
def test_valid_image_references(image, domain, path, tag, digest) -> None:
    reference = parse_image(image)
    assert (reference.domain, reference.path, reference.tag, reference.digest) == (domain, path, tag, digest)


@pytest.mark.parametrize(
    "image",
    [
        "",
        ":justtag",
        "@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "repo@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",  # 62 hex digits
        "validname@invaliddigest:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "repo@sha256:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
        "Uppercase:tag",
        "aa/asdf$$^/aa",
        "a:" + "a" * 129,
        "a/" * 128 + "a",
        "test.com/Uppercase",
        "[fe80::1%eth0]:5000/repo",
        "repo:-tag",
        "-repo",
        "repo-",
        "re___po",
        "a//b",
    ],
)
def test_invalid_image_references(image: str) -> None:
    with pytest.raises(ImageError):
        parse_image(image)


def test_label_selector_semantics_against_a_brute_force_model() -> None:
    selector = from_label_selector(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["fe", "be"]},
                {"key": "canary", "operator": "DoesNotExist"},
                {"key": "track", "operator": "NotIn", "values": ["beta"]},
                {"key": "team", "operator": "Exists"},
            ],
        }
    )
    keys = {
        "app": ["web", "api", None],
        "tier": ["fe", "db", None],
        "canary": ["x", None],
        "track": ["beta", "ga", None],
        "team": ["a", None],
    }
    import itertools

    for combo in itertools.product(*keys.values()):
        labels = {k: v for k, v in zip(keys, combo, strict=False) if v is not None}
        expected = (
            labels.get("app") == "web"
            and labels.get("tier") in ("fe", "be")
            and "canary" not in labels
            and labels.get("track") != "beta"
            and "team" in labels
        )
        assert selector.matches(labels) == expected, labels


@pytest.mark.parametrize(
    "raw,path",
    [
        ({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]}, ("matchExpressions", 0, "values")),
        ({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}, ("matchExpressions", 0, "values")),
        ({"matchExpressions": [{"key": "a", "operator": "Equals"}]}, ("matchExpressions", 0, "operator")),
        ({"matchExpressions": [{"operator": "Exists"}]}, ("matchExpressions", 0, "key")),
        ({"matchLabels": ["a"]}, ("matchLabels",)),
    ],
)
def test_invalid_selectors_are_rejected_with_their_path(raw, path) -> None:
    with pytest.raises(SelectorError) as info:
        from_label_selector(raw)
    assert info.value.path == path


def test_map_selector_and_empty() -> None:
    assert from_map({"app": "x"}).matches({"app": "x", "b": "c"})
    assert not from_map({"app": "x"}).matches({"app": "y"})
    assert from_label_selector({}).empty
