"""Read BBCode comments and descriptions as plain text (REGULATION.md, "Reading comments")."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_TAG_RE = re.compile(r"\[(/?)([a-z*][a-z0-9*]{0,15})([= ][^\[\]\n]{0,1000})?\]", re.IGNORECASE)
_BARE_LINK_RE = re.compile(r"https?://[^\s\[\]<>\"'«»]+", re.IGNORECASE)
# «>>» (chat) and «> » (a mail reply that became a comment) lines quote.
_CHAT_QUOTE_LINE_RE = re.compile(r"^[ \t]*>+(.*)$", re.MULTILINE)
_CHAT_QUOTE_BLOCK_RE = re.compile(r"^-{20,}[ \t]*\n(.*?)\n-{20,}[ \t]*$", re.MULTILINE | re.DOTALL)
_LINK_TAIL = ".,;:!?)»"
# A signature on its own lines after the text: a «--» line (the mail delimiter «-- »; a longer
# line of dashes separates text, which is read), «С уважением, …», «Отправлено с iPhone». It runs
# to the end, or to a postscript under it («P.S.», «ПС», «ЗЫ»), which is the writer's text again.
_POSTSCRIPT = r"\n[ \t]*(?:p\.?\s*(?:p\.?\s*)?s(?![a-z])|п\.?с(?![а-я])|зы(?![а-я]))"
_SIGNATURE_RE = re.compile(
    r"\n[ \t]*(?:--[ \t]*(?=\n|$)|с уважением|с наилучшими пожеланиями|best regards"
    rf"|kind regards|regards,|отправлено с |sent from )(?:(?!{_POSTSCRIPT})[\s\S])*"
)

# Tags that sit inside a word: stripping them must not split it («Со[B]гла[/B]совано»).
_INLINE_TAGS = frozenset({"b", "i", "u", "s", "color", "size", "font", "url"})
# A mention is a word of its own, even glued to the text: «Согласовано[USER=5]Иван[/USER]».
_MENTION_TAG = "user"
# Tags that end a line or a cell: they separate sentences.
_BLOCK_TAGS = frozenset(
    {
        "br",
        "p",
        "tr",
        "td",
        "th",
        "table",
        "list",
        "*",
        "code",
        "hr",
        "left",
        "center",
        "right",
        "justify",
    }
)
_FILE_TAGS = frozenset({"disk", "file", "document", "attachment"})


@dataclass(frozen=True, slots=True)
class PlainText:
    """What a rule reads from BBCode: visible text outside quotes, files and links."""

    text: str  # original case; spaces collapsed, line breaks kept as "\n"
    normalized: str  # text casefolded, ё → е
    files: int = 0
    links: tuple[str, ...] = ()
    quoted: str = ""  # normalized text that was inside quotes


def normalize(text: str) -> str:
    """Reading comments: ё is read as е and case is ignored."""
    return text.replace("ё", "е").replace("Ё", "Е").casefold().replace("ё", "е")


def _collapse(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _chat_quotes_to_bbcode(raw: str) -> str:
    """Chat messages quote with «>>» lines or a block between dashed lines: read them as [QUOTE]."""
    raw = _CHAT_QUOTE_BLOCK_RE.sub(lambda m: f"[QUOTE]{m.group(1)}[/QUOTE]", raw)
    return _CHAT_QUOTE_LINE_RE.sub(lambda m: f"[QUOTE]{m.group(1)}[/QUOTE]", raw)


def _option_target(option: str) -> str:
    return option.lstrip("=").strip().strip("\"'").strip()


class _Walker:
    """Mutable state of one pass over the tokens (private to read_bbcode)."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.quoted: list[str] = []
        self.links: list[str] = []
        self.files = 0
        self.quote_depth = 0
        self.img_depth = 0
        self.url_capture: list[str] | None = None
        self.after_mention = False

    def text(self, chunk: str) -> None:
        if self.img_depth:
            return
        if self.after_mention and chunk:
            chunk = f" {chunk}" if chunk[0].isalnum() else chunk
            self.after_mention = False
        if self.quote_depth:
            self.quoted.append(chunk)
            return
        self.out.append(chunk)
        if self.url_capture is not None:
            self.url_capture.append(chunk)

    def tag(self, closing: bool, name: str, option: str) -> None:
        if name == "quote":
            self._quote(closing)
        elif name == "img":
            self._img(closing)
        elif name == "url":
            self._url(closing, option)
        elif name in _FILE_TAGS or name.startswith("file"):
            self._file(closing)
        else:
            self._separator(name, closing)

    def _separator(self, name: str, closing: bool) -> None:
        if name == _MENTION_TAG:
            self.after_mention = closing
            if not closing:
                self.text(" ")
        elif name in _BLOCK_TAGS:
            self.text("\n")
        elif name not in _INLINE_TAGS:
            self.text(" ")

    def _file(self, closing: bool) -> None:
        if not (closing or self.quote_depth or self.img_depth):
            self.files += 1

    def _quote(self, closing: bool) -> None:
        if closing and self.quote_depth:
            self.quote_depth -= 1
        elif not closing:
            self.quote_depth += 1
        self.quoted.append("\n")
        self.text("\n")

    def _img(self, closing: bool) -> None:
        if closing:
            self.img_depth = max(self.img_depth - 1, 0)
            return
        if not self.quote_depth and not self.img_depth:
            self.files += 1
        self.img_depth += 1

    def _url(self, closing: bool, option: str) -> None:
        if closing:
            if self.url_capture is not None:
                self._link("".join(self.url_capture))
            self.url_capture = None
        elif option.startswith("="):
            self._link(option)
        else:
            self.url_capture = []

    def _link(self, target: str) -> None:
        if not self.quote_depth and not self.img_depth:
            cleaned = _option_target(target)
            if cleaned:
                self.links.append(cleaned)


def _bare_links(text: str) -> list[str]:
    return [m.group(0).rstrip(_LINK_TAIL) for m in _BARE_LINK_RE.finditer(text)]


def read_bbcode(bbcode: str) -> PlainText:
    """Reading comments: quotes dropped, mentions become names, tags stripped; never raises."""
    raw = _chat_quotes_to_bbcode(html.unescape(bbcode or ""))
    walker = _Walker()
    pos = 0
    for match in _TAG_RE.finditer(raw):
        walker.text(raw[pos : match.start()])
        walker.tag(bool(match.group(1)), match.group(2).lower(), match.group(3) or "")
        pos = match.end()
    walker.text(raw[pos:])
    text = _collapse("".join(walker.out))
    links = tuple(dict.fromkeys([*walker.links, *_bare_links(text)]))
    return PlainText(
        text=text,
        normalized=normalize(text),
        files=walker.files,
        links=links,
        quoted=normalize(_collapse("".join(walker.quoted))),
    )


def to_plain(bbcode: str) -> str:
    """Reading comments: the normalized plain text a rule compares words against."""
    return read_bbcode(bbcode).normalized


def without_signature(plain: str) -> str:
    """Reading comments: a mail-style signature under a comment says nothing about the task."""
    return _SIGNATURE_RE.sub("", plain)
