"""Reading comments: BBCode to plain text, files, links and quotes."""

from __future__ import annotations

import pytest

from rules import comments
from rules.comments import PlainText

READ = [
    pytest.param("", PlainText("", ""), id="empty"),
    pytest.param("Привет", PlainText("Привет", "привет"), id="plain"),
    pytest.param(
        "[USER=5]Иван Петров[/USER], добрый день",
        PlainText("Иван Петров, добрый день", "иван петров, добрый день"),
        id="mention-becomes-name",
    ),
    pytest.param(
        "[QUOTE]Старый текст[/QUOTE]Новый",
        PlainText("Новый", "новый", quoted="старый текст"),
        id="quote-removed",
    ),
    pytest.param(
        "[QUOTE]внешняя [QUOTE]внутренняя[/QUOTE] снова[/QUOTE]после",
        PlainText("после", "после", quoted="внешняя\nвнутренняя\nснова"),
        id="nested-quote",
    ),
    pytest.param(
        "[quote]нижний регистр[/quote]текст",
        PlainText("текст", "текст", quoted="нижний регистр"),
        id="lowercase-quote-tag",
    ),
    pytest.param(
        "[QUOTE]без конца", PlainText("", "", quoted="без конца"), id="unclosed-quote-swallows"
    ),
    pytest.param(
        "текст[/QUOTE] ещё", PlainText("текст\nещё", "текст\nеще"), id="stray-close-quote"
    ),
    pytest.param(
        "[URL=https://b24.ru/crm/deal/details/5/]сделка[/URL]",
        PlainText("сделка", "сделка", links=("https://b24.ru/crm/deal/details/5/",)),
        id="url-with-target",
    ),
    pytest.param(
        '[URL="https://x.ru/a"]ссылка[/URL]',
        PlainText("ссылка", "ссылка", links=("https://x.ru/a",)),
        id="url-quoted-target",
    ),
    pytest.param(
        "[URL]https://x.ru/b[/URL]",
        PlainText("https://x.ru/b", "https://x.ru/b", links=("https://x.ru/b",)),
        id="url-without-target",
    ),
    pytest.param("[URL=]пусто[/URL]", PlainText("пусто", "пусто"), id="url-empty-target"),
    pytest.param("[/URL]текст", PlainText("текст", "текст"), id="stray-close-url"),
    pytest.param(
        "см. https://x.ru/page?id=1. И всё",
        PlainText(
            "см. https://x.ru/page?id=1. И всё",
            "см. https://x.ru/page?id=1. и все",
            links=("https://x.ru/page?id=1",),
        ),
        id="bare-link-trailing-dot",
    ),
    pytest.param(
        "[QUOTE]https://x.ru/q [URL=https://x.ru/u]u[/URL][/QUOTE]",
        PlainText("", "", quoted="https://x.ru/q u"),
        id="links-in-quote-excluded",
    ),
    pytest.param("[DISK FILE ID=n12]", PlainText("", "", files=1), id="disk-file"),
    pytest.param("[DISK=34]", PlainText("", "", files=1), id="chat-disk"),
    pytest.param("[FILE ID=7]", PlainText("", "", files=1), id="file-tag"),
    pytest.param(
        "[IMG]https://x.ru/a.png[/IMG][IMG width=10]b.png[/IMG]",
        PlainText("", "", files=2),
        id="images-removed-and-counted",
    ),
    pytest.param("[IMG]a.png", PlainText("", "", files=1), id="unclosed-img"),
    pytest.param("[IMG][IMG]a[/IMG][/IMG][/IMG]т", PlainText("т", "т", files=1), id="nested-img"),
    pytest.param(
        "[IMG][DISK FILE ID=1][URL=https://x.ru]t[/URL][/IMG]",
        PlainText("", "", files=1),
        id="inside-img-ignored",
    ),
    pytest.param(
        "[QUOTE][DISK FILE ID=n1][IMG]a[/IMG][/QUOTE]",
        PlainText("", ""),
        id="files-in-quote-not-counted",
    ),
    pytest.param(
        "[B]Жирный[/B] [I]курсив[/I] [COLOR=#f00]красный[/COLOR]",
        PlainText("Жирный курсив красный", "жирный курсив красный"),
        id="inline-tags",
    ),
    pytest.param("Со[B]гла[/B]совано", PlainText("Согласовано", "согласовано"), id="inside-word"),
    pytest.param(
        "[LIST][*]один[*]два[/LIST]", PlainText("один\nдва", "один\nдва"), id="list-items"
    ),
    pytest.param("а[BR]б", PlainText("а\nб", "а\nб"), id="br"),
    pytest.param("а[SPOILER]б[/SPOILER]", PlainText("а б", "а б"), id="unknown-tag"),
    pytest.param("Ёж   и\t\tЁлка", PlainText("Ёж и Ёлка", "еж и елка"), id="yo-and-spaces"),
    pytest.param("[1] [ссылка] [b", PlainText("[1] [ссылка] [b", "[1] [ссылка] [b"), id="stray"),
    pytest.param("]]][[[", PlainText("]]][[[", "]]][[["), id="brackets"),
    pytest.param("&quot;да&quot;", PlainText('"да"', '"да"'), id="html-entities"),
    pytest.param(
        ">>цитата из чата\nответ",
        PlainText("ответ", "ответ", quoted="цитата из чата"),
        id="chat-quote-line",
    ),
    pytest.param(
        "Согласовано[USER=5]Иван[/USER]спасибо",
        PlainText("Согласовано Иван спасибо", "согласовано иван спасибо"),
        id="mention-glued",
    ),
    pytest.param(
        "[USER=5]Иван[/USER]: ок",
        PlainText("Иван: ок", "иван: ок"),
        id="mention-then-colon",
    ),
    pytest.param(
        "> письмо клиента\n  >> ещё глубже\nответ",
        PlainText("ответ", "ответ", quoted="письмо клиента\nеще глубже"),
        id="mail-quote-lines",
    ),
    pytest.param(
        "-" * 54 + "\nИван [20.11.2026]\nСогласовано\n" + "-" * 54 + "\nОтвет",
        PlainText("Ответ", "ответ", quoted="иван [20.11.2026]\nсогласовано"),
        id="chat-quote-block",
    ),
]


@pytest.mark.parametrize(("bbcode", "expected"), READ)
def test_read_bbcode(bbcode: str, expected: PlainText) -> None:
    assert comments.read_bbcode(bbcode) == expected


def test_to_plain_is_normalized_text() -> None:
    assert comments.to_plain("[USER=5]Алёна[/USER]: СОГЛАСОВАНО") == "алена: согласовано"


NORMALIZE = [
    pytest.param("Ёлка", "елка", id="capital-yo"),
    pytest.param("всё", "все", id="yo"),
    pytest.param("CRM", "crm", id="latin"),
    pytest.param("Straße", "strasse", id="casefold"),
]


@pytest.mark.parametrize(("text", "expected"), NORMALIZE)
def test_normalize(text: str, expected: str) -> None:
    assert comments.normalize(text) == expected


HOSTILE = [
    pytest.param("[" * 10_000, id="open-brackets"),
    pytest.param("[QUOTE]" * 5_000 + "x", id="deep-quotes"),
    pytest.param("[/QUOTE]" * 5_000, id="stray-closes"),
    pytest.param("[URL=" + "a" * 50_000, id="unterminated-option"),
    pytest.param("[B]" + "слово " * 200_000 + "[/B]", id="huge"),
    pytest.param("\x00[\x01]\ud800", id="control-and-surrogate"),
    pytest.param("-" * 30 + "\n" * 3 + "-" * 30, id="empty-chat-block"),
]


@pytest.mark.parametrize("bbcode", HOSTILE)
def test_read_bbcode_never_raises(bbcode: str) -> None:
    assert isinstance(comments.read_bbcode(bbcode), PlainText)
