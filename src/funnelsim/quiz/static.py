"""A quiz without a kernel: readable HTML with an inline script, and plain text.

On GitHub, nbviewer, an HTML export or the static course there is no Python to
grade answers. :func:`to_html` writes the questions as ordinary HTML (readable
when scripts are stripped, as GitHub does) plus one inline ``<script>``
(``quiz.js``, next to this module) that makes them answerable in the browser
with instant feedback and a score; it loads nothing from another host. The
answer keys the script needs are **not** in plain text: each question's key is
JSON XOR-ed with a keystream (xorshift32, seeded from the question) and
base64-encoded, so neither the source nor a glance at the output gives the
answers away. This is obfuscation against reading, not security against a
determined student; a static page records no progress.

:func:`to_text` is the same quiz as plain text (the ``text/plain`` fallback).
Questions whose answer comes from the student's own simulation are shown with
:data:`EXAMPLE_SEED` here, so a committed notebook's output is the same for
every author; in a live notebook each student gets their own seed.
"""

from __future__ import annotations

import base64
import html
import json
import re
import zlib
from functools import cache
from importlib import resources
from typing import Any

from ..course import language
from .bank import (
    UI,
    Classification,
    Matching,
    MultipleChoice,
    Numeric,
    Ordering,
    Question,
    Quiz,
    SingleChoice,
)

__all__ = ["EXAMPLE_SEED", "decode_key", "encode_key", "markup", "to_html", "to_text"]

#: The seed used for simulated answers on pages without a kernel.
EXAMPLE_SEED = 0


def markup(text: str) -> str:
    """Escape ``text`` for HTML, keeping ``code`` and **bold** of the bank's texts."""
    out = html.escape(text)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", out)


# --------------------------------------------------------------------------- keys


def _keystream(seed: int, n: int) -> bytes:
    x = seed & 0xFFFFFFFF or 0x9E3779B9
    out = bytearray()
    for _ in range(n):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        out.append(x & 0xFF)
    return bytes(out)


def encode_key(key: Any, salt: str) -> tuple[int, str]:
    """``(seed, blob)``: ``key`` as JSON, XOR-ed with the keystream of ``salt``, base64."""
    seed = zlib.crc32(salt.encode())
    raw = json.dumps(key, ensure_ascii=False, separators=(",", ":")).encode()
    mixed = bytes(a ^ b for a, b in zip(raw, _keystream(seed, len(raw)), strict=True))
    return seed, base64.b64encode(mixed).decode("ascii")


def decode_key(seed: int, blob: str) -> Any:
    """Inverse of :func:`encode_key` (what the page's script does)."""
    mixed = base64.b64decode(blob)
    raw = bytes(a ^ b for a, b in zip(mixed, _keystream(seed, len(mixed)), strict=True))
    return json.loads(raw.decode())


def _full_key(q: Question, lang: str, seed: int) -> dict[str, Any]:
    key = q.key(seed, lang)
    key["explanation"] = q.explanation(lang) if q.explanation else ""
    key["hint"] = q.hint(lang) if q.hint else ""
    return key


# --------------------------------------------------------------------------- HTML

_CSS = """
.fsq{font-family:inherit;max-width:56em}
.fsq ol.fsq-qs>li{margin:0 0 1.2em 0}
.fsq ul{list-style:none;padding-left:.5em;margin:.3em 0}
.fsq select,.fsq input[type=text]{margin:.15em .3em}
.fsq .fsq-fb{margin-left:.6em}
.fsq .fsq-ok{color:#1a7f37}.fsq .fsq-no{color:#b42318}.fsq .fsq-part{color:#9a6700}
.fsq .fsq-note{font-style:italic;opacity:.8}
.fsq .fsq-score{font-weight:bold}
"""


def _select(options: list[tuple[str, str]], lang: str) -> str:
    opts = [f'<option value="">{html.escape(UI["choose"](lang))}</option>']
    opts += [f'<option value="{html.escape(v)}">{markup(label)}</option>' for v, label in options]
    return f"<select>{''.join(opts)}</select>"


def _question_html(q: Question, number: int, lang: str, seed: int, group: str) -> str:
    text = markup(q.prompt(seed)(lang))
    if isinstance(q, Numeric) and q.simulation is not None:
        text += " " + markup(UI["example_seed"](lang).replace("{seed}", str(seed)))
    body = [f"<p>{text}</p>"]
    if isinstance(q, SingleChoice | MultipleChoice):
        kind = "radio" if isinstance(q, SingleChoice) else "checkbox"
        rows = [
            f'<li><label><input type="{kind}" name="{group}-{number}" value="{i}"> '
            f"{markup(c.text(lang))}</label></li>"
            for i, c in enumerate(q.shown_choices())
        ]
        body.append(f"<ul>{''.join(rows)}</ul>")
    elif isinstance(q, Numeric):
        unit = f" {markup(q.unit(lang))}" if q.unit else ""
        body.append(f'<p><input type="text" size="12" inputmode="decimal">{unit}</p>')
    elif isinstance(q, Ordering):
        options = [(str(i), q.items[rank](lang)) for i, rank in enumerate(q.shown)]
        listing = "".join(f"<li>{markup(label)}</li>" for _, label in options)
        rows = [
            f"<li>{html.escape(UI['position'](lang).replace('{n}', str(k + 1)))}: "
            f"{_select(options, lang)}</li>"
            for k in range(len(q.items))
        ]
        body.append(f"<ul>{listing}</ul><ul class='fsq-parts'>{''.join(rows)}</ul>")
    elif isinstance(q, Matching):
        options = [(str(i), q.pairs[p][1](lang)) for i, p in enumerate(q.shown)]
        listing = "".join(
            f"<li>{chr(65 + i)}. {markup(label)}</li>" for i, (_, label) in enumerate(options)
        )
        letters = [(v, f"{chr(65 + i)}") for i, (v, _) in enumerate(options)]
        rows = [f"<li>{markup(left(lang))} → {_select(letters, lang)}</li>" for left, _ in q.pairs]
        body.append(f"<ul>{listing}</ul><ul class='fsq-parts'>{''.join(rows)}</ul>")
    elif isinstance(q, Classification):
        options = [(cid, label(lang)) for cid, label in q.categories]
        rows = [f"<li>{markup(item(lang))} → {_select(options, lang)}</li>" for item in q.items]
        body.append(f"<ul class='fsq-parts'>{''.join(rows)}</ul>")
    salt = f"{q.id}/{lang}"
    kseed, blob = encode_key(_full_key(q, lang, seed), salt)
    body.append(
        f'<p><button type="button" class="fsq-check" hidden>{html.escape(UI["check"](lang))}'
        f'</button><span class="fsq-fb"></span></p>'
    )
    return (
        f'<li class="fsq-q" data-kind="{q.kind}" data-k="{kseed}" data-b="{blob}">'
        f"{''.join(body)}</li>"
    )


@cache
def _script() -> str:
    return resources.files("funnelsim.quiz").joinpath("quiz.js").read_text("utf-8")


def to_html(quiz: Quiz, *, lang: str | None = None, seed: int = EXAMPLE_SEED) -> str:
    """The quiz as self-contained HTML: readable as it is, answerable when scripts run.

    Parameters
    ----------
    quiz : Quiz
    lang : {"en", "ru"} or None
        The language (:func:`funnelsim.course.language`).
    seed : int
        The seed of simulated answers (:data:`EXAMPLE_SEED` by default).

    Returns
    -------
    str
        One ``<div>`` with a ``<style>`` and a ``<script>``; no request to any host.
    """
    lang = language(lang)
    group = f"fsq{zlib.crc32(f'{quiz.lesson}/{lang}/{seed}'.encode()):08x}"
    questions = "".join(
        _question_html(q, i, lang, seed, group) for i, q in enumerate(quiz.questions, start=1)
    )
    phrases = {k: v(lang) for k, v in UI.items()}
    script = _script().replace("__UI__", json.dumps(phrases, ensure_ascii=False))
    return (
        f'<div class="fsq" id="{group}"><style>{_CSS}</style>'
        f"<h3>{markup(quiz.title(lang))}</h3>"
        f'<p class="fsq-note">{html.escape(UI["static_note"](lang))}</p>'
        f'<ol class="fsq-qs">{questions}</ol>'
        f'<p class="fsq-score"></p>'
        f"<script>{script}</script></div>"
    )


def to_text(quiz: Quiz, *, lang: str | None = None, seed: int = EXAMPLE_SEED) -> str:
    """The quiz as plain text, answers left out (the ``text/plain`` fallback)."""
    lang = language(lang)
    lines = [quiz.title(lang), "", UI["static_note"](lang), ""]
    for number, q in enumerate(quiz.questions, start=1):
        prompt = q.prompt(seed)(lang)
        if isinstance(q, Numeric) and q.simulation is not None:
            prompt += " " + UI["example_seed"](lang).replace("{seed}", str(seed))
        lines.append(f"{number}. {prompt}")
        if isinstance(q, SingleChoice | MultipleChoice):
            box = "( )" if isinstance(q, SingleChoice) else "[ ]"
            lines += [f"   {box} {c.text(lang)}" for c in q.shown_choices()]
        elif isinstance(q, Numeric):
            lines.append(f"   ____ {q.unit(lang) if q.unit else ''}".rstrip())
        elif isinstance(q, Ordering):
            lines += [f"   - {q.items[rank](lang)}" for rank in q.shown]
        elif isinstance(q, Matching):
            lines += [f"   {left(lang)} → ?" for left, _ in q.pairs]
            lines += [f"   {chr(65 + i)}. {q.pairs[p][1](lang)}" for i, p in enumerate(q.shown)]
        elif isinstance(q, Classification):
            cats = " / ".join(label(lang) for _, label in q.categories)
            lines.append(f"   [{cats}]")
            lines += [f"   - {item(lang)} → ?" for item in q.items]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
