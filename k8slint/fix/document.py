"""The text of one YAML document, with where each node starts and ends, for edits made on the text.

The loader keeps where each key starts (k8slint.model.positions); an edit also
needs where a value ends and how a mapping is indented, so the document is
composed once more here with PyYAML's pure-Python composer, whose marks count
characters of the very text the loader read. Nothing is ever re-dumped: an
edit replaces a span of the text, and everything outside it stays as written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import yaml


class NotEditable(Exception):
    """The place cannot be edited safely on the text (an alias, a merge key, a flow or block scalar)."""


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the characters ``start``..``end`` of a file's text with ``text``."""

    start: int
    end: int
    text: str


class YamlDocument:
    def __init__(self, text: str, span: tuple[int, int], item: int | None, *, json: bool = False) -> None:
        self.text = text
        self.json = json
        """A JSON file: values are rewritten in JSON's quoting, and no YAML block is written into it."""
        self.offset = span[0]
        self.newline = "\r\n" if "\r\n" in text[span[0] : span[1]] else "\n"
        try:
            roots = [node for node in yaml.compose_all(text[span[0] : span[1]], Loader=yaml.SafeLoader) if node is not None]
        except yaml.YAMLError as exc:
            raise NotEditable(f"the document does not parse: {exc}") from None
        if not roots:
            raise NotEditable("the document is empty")
        self.root: yaml.Node = roots[0]
        self._seen = Counter(id(node) for node in _walk(self.root))
        if item is not None:
            items = self.value(("items",))
            if not isinstance(items, yaml.SequenceNode) or item >= len(items.value):
                raise NotEditable("no such List item")
            self.root = items.value[item]

    # finding nodes
    def entry(self, path: tuple[Any, ...]) -> tuple[yaml.Node | None, yaml.Node] | None:
        """(key node, value node) of ``path`` (key None for a list item); None when it is not there.

        Raises NotEditable when the way there passes an alias (an edit would change every place that
        uses it), a merge key or a repeated key (the loader and the API would read different entries).
        """
        key: yaml.Node | None = None
        node = self.root
        self._own(node)
        for part in path:
            if isinstance(node, yaml.MappingNode):
                keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
                if "<<" in keys or len(keys) != len(node.value):
                    raise NotEditable("a merge key or a non-scalar key")
                matches = [(k, v) for k, v in node.value if k.value == str(part)]
                if len(matches) > 1:
                    raise NotEditable(f"the key {part!r} is repeated")
                if not matches:
                    return None
                key, node = matches[0]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if not 0 <= part < len(node.value):
                    return None
                key, node = None, node.value[part]
            else:
                return None
            self._own(node)
        return key, node

    def value(self, path: tuple[Any, ...]) -> yaml.Node | None:
        found = self.entry(path)
        return None if found is None else found[1]

    def _own(self, node: yaml.Node) -> None:
        if self._seen[id(node)] > 1:
            raise NotEditable("an alias shares this node with another place")

    # spans and edits
    def start(self, node: yaml.Node) -> int:
        return self.offset + node.start_mark.index

    def end(self, node: yaml.Node) -> int:
        return self.offset + node.end_mark.index

    def replace_value(self, node: yaml.Node, value: str | int) -> Edit:
        """Replace a one-line scalar with ``value``, quoted as the old one was (JSON's way in a JSON
        file; a plain scalar stays plain unless the value would read otherwise)."""
        style = getattr(node, "style", None)
        if isinstance(value, str) and (self.json or style == '"'):
            import json

            text = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, str) and style == "'":
            text = "'" + value.replace("'", "''") + "'"
        else:
            text = scalar_text(value)
        return self.replace_scalar(node, text)

    def yaml_only(self, what: str) -> None:
        """Refuse to write a YAML block (``what``) into a JSON file."""
        if self.json:
            raise NotEditable(f"a JSON file: {what} is not written into it")

    def replace_scalar(self, node: yaml.Node, text: str) -> Edit:
        """Replace a plain or quoted scalar written on one line."""
        if not isinstance(node, yaml.ScalarNode) or node.style not in (None, '"', "'") or node.start_mark.line != node.end_mark.line:
            raise NotEditable("not a one-line plain or quoted scalar")
        return Edit(self.start(node), self.end(node), text)

    def line_start(self, offset: int) -> int:
        return self.text.rfind("\n", 0, offset) + 1

    def column(self, node: yaml.Node) -> int:
        return node.start_mark.column

    def block_mapping(self, path: tuple[Any, ...]) -> yaml.MappingNode:
        node = self.value(path)
        if not isinstance(node, yaml.MappingNode) or node.flow_style or not node.value:
            raise NotEditable(f"{'.'.join(map(str, path))} is not a block mapping with keys")
        return node

    def insert_first(self, path: tuple[Any, ...], lines: list[str]) -> Edit:
        """Lines inserted as the first entries of the block mapping at ``path``, at its indentation
        (``lines`` are indented relative to it: one step is ``"  "``, replaced by the document's step)."""
        self.yaml_only("a block of fields")
        mapping = self.block_mapping(path)
        first_key = mapping.value[0][0]
        indent = self.column(first_key)
        at = self.start(first_key)
        if self.text[self.line_start(at) : at].strip():
            raise NotEditable("the mapping's first key does not start its line")
        step = max(indent - self._parent_column(path), 1)
        text = "".join(" " * indent + _reindent(line, step) + self.newline for line in lines)
        where = self.line_start(at)
        # above the comment lines right over the first key: they are about it
        while where > self.offset:
            previous = self.line_start(where - 1)
            line = self.text[previous:where].strip()
            if not line.startswith("#") or self.text[previous:where].find("#") != indent:
                break
            where = previous
        return Edit(where, where, text)

    def _parent_column(self, path: tuple[Any, ...]) -> int:
        found = self.entry(path)
        if found is None or found[0] is None:
            return 0
        return self.column(found[0])

    def own_line(self, key: yaml.Node, value: yaml.Node) -> tuple[int, int]:
        """The line of a ``key: value`` entry written alone on it (a trailing comment allowed): where the
        line starts and where it ends, its line break included."""
        self.yaml_only("a block of fields")
        start = self.line_start(self.start(key))
        if self.text[start : self.start(key)].strip():
            raise NotEditable("the entry shares its line with other text")
        if not isinstance(value, yaml.ScalarNode) or value.style not in (None, '"', "'") or value.start_mark.line != key.start_mark.line:
            raise NotEditable("not a one-line scalar entry")
        newline = self.text.find("\n", self.end(value))
        end = len(self.text) if newline < 0 else newline + 1
        rest = self.text[self.end(value) : end].strip()
        if rest and not rest.startswith("#"):
            raise NotEditable("the entry's line holds other text")
        return start, end

    def child_step(self, key: yaml.Node, mapping: yaml.Node) -> int:
        """How far the block ``mapping`` under ``key`` is indented past the key (at least one column)."""
        if not isinstance(mapping, yaml.MappingNode) or not mapping.value:
            return 2
        return max(self.column(mapping.value[0][0]) - self.column(key), 1)

    def remove_item(self, path: tuple[Any, ...]) -> Edit:
        """Remove a list item: its whole lines in a block sequence, the item and its comma in a flow one."""
        *parent, index = path
        sequence = self.value(tuple(parent))
        item = self.value(path)
        if not isinstance(sequence, yaml.SequenceNode) or item is None or not isinstance(index, int):
            raise NotEditable("not a list item")
        if sequence.flow_style:
            items = sequence.value
            if len(items) == 1:
                raise NotEditable("the only item of a flow sequence")
            if index + 1 < len(items):
                return Edit(self.start(item), self.start(items[index + 1]), "")
            return Edit(self._end_of_previous(items[index - 1]), self.end(item), "")
        start = self.line_start(self.start(item))
        if self.text[start : self.start(item)].strip() != "-":
            raise NotEditable("the item shares its line with other text")
        if any(isinstance(n, yaml.ScalarNode) and n.style in ("|", ">") for n in _walk(item)):
            raise NotEditable("the item holds a block scalar")
        # A block node ends where the next token starts, comments and blank lines after it
        # included: the item ends with its last scalar (or flow collection), then its line.
        last = max(self.offset + n.end_mark.index for n in _walk(item) if not _is_block_collection(n))
        newline = self.text.find("\n", last)
        end = len(self.text) if newline < 0 else newline + 1
        rest = self.text[last:end].strip()
        if rest and not rest.startswith("#"):
            raise NotEditable("the item's last line holds other text")
        return Edit(start, end, "")

    def _end_of_previous(self, node: yaml.Node) -> int:
        return self.end(node)


def _is_block_collection(node: yaml.Node) -> bool:
    return isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style


def _reindent(line: str, step: int) -> str:
    stripped = line.lstrip(" ")
    levels = (len(line) - len(stripped)) // 2
    return " " * (levels * step) + stripped


def _walk(node: yaml.Node) -> list[yaml.Node]:
    """Every node reached from ``node``, an aliased node once per place that uses it."""
    out: list[yaml.Node] = []
    stack = [node]
    visiting: set[int] = set()
    while stack:
        current = stack.pop()
        out.append(current)
        if id(current) in visiting:
            continue  # a recursive alias
        if isinstance(current, yaml.MappingNode):
            visiting.add(id(current))
            for key, value in current.value:
                stack.extend((key, value))
        elif isinstance(current, yaml.SequenceNode):
            visiting.add(id(current))
            stack.extend(current.value)
    return out


def scalar_text(value: Any) -> str:
    """``value`` written as one YAML scalar (quoted where a plain scalar would read otherwise)."""
    dumped: str = yaml.safe_dump(value, default_flow_style=True, width=1 << 30, allow_unicode=True)
    return dumped.removesuffix("\n...\n").rstrip("\n")
