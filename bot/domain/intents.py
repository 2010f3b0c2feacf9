"""What a resident's free text is about: greetings, thanks, yes/no and the common questions.

The phrases live in `bot/phrases.toml`, a table office staff can extend without touching
Python (its header says how). This module only reads that table and matches a message to one
`Intent`, forgivingly: case, punctuation and repeated letters ("halooo") are ignored, a word of
four letters or more may carry one typo, and a phrase matches when all its words appear in the
message, in any order. The longest matching phrase wins; on a tie, the intent listed first in
the file.

Matching is cheap whatever is sent: a message longer than `MAX_CHARS` is not matched at all
(it is judged by its length before any pattern runs).
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources

from bot.domain.operator_error import OperatorError

#: Longer messages are not matched (a real question to the office, or noise).
MAX_CHARS = 200
#: Only this many words of a message are looked at.
MAX_WORDS = 30


class Intent(StrEnum):
    """What a message is about; the names are the sections of `phrases.toml`."""

    HILANG = "hilang"
    WAKIL = "wakil"
    AMBIL = "ambil"
    BLANKO = "blanko"
    PUSAT = "pusat"
    SYARAT = "syarat"
    REKAM = "rekam"
    JAM = "jam"
    ALAMAT = "alamat"
    KONTAK = "kontak"
    KELUARGA = "keluarga"
    CEK = "cek"
    BANTUAN = "bantuan"
    SALAM = "salam"
    SAPA = "sapa"
    TERIMA_KASIH = "terima_kasih"
    YA = "ya"
    TIDAK = "tidak"


class PhraseTableError(OperatorError):
    """`phrases.toml` is malformed: names the section (or the line) and what is wrong; `run`
    refuses to start with it, in one line."""


@dataclass(frozen=True, slots=True)
class Phrase:
    words: tuple[str, ...]  # a word ending in "*" matches as a prefix
    whole: bool  # the message must be exactly this (fillers aside)

    @classmethod
    def parse(cls, text: str) -> Phrase:
        whole = text.startswith("=")
        words: list[str] = []
        for raw in text.removeprefix("=").split():
            star = "*" if raw.endswith("*") else ""
            words.extend(word + star for word in _words(raw.rstrip("*")))
        return cls(words=tuple(words), whole=whole)


@dataclass(frozen=True, slots=True)
class PhraseTable:
    fillers: frozenset[str]
    #: Shorthand read as the full word before matching ("kpn" -> "kapan").
    shorthand: dict[str, str]
    phrases: tuple[tuple[Intent, Phrase], ...]  # in the file's order
    #: Every word the phrases spell out: a message word found here is never read as a typo of
    #: another word ("gimana" is not "dimana").
    vocabulary: frozenset[str]

    @classmethod
    def parse(cls, data: dict[str, object]) -> PhraseTable:
        fillers = _string_list(data.get("fillers", {"words": []}), "fillers", "words")
        shorthand_section = data.get("singkatan", {})
        if not isinstance(shorthand_section, dict) or not all(
            isinstance(v, str) for v in shorthand_section.values()
        ):
            raise PhraseTableError("[singkatan]: setiap singkatan harus berisi teks")
        shorthand = {key.casefold(): value.casefold() for key, value in shorthand_section.items()}
        known = {intent.value: intent for intent in Intent}
        phrases: list[tuple[Intent, Phrase]] = []
        for name, section in data.items():
            if name in ("fillers", "singkatan"):
                continue
            if name not in known:
                raise PhraseTableError(f"[{name}]: bukan maksud yang dikenal bot")
            for text in _string_list(section, name, "phrases"):
                phrase = Phrase.parse(text)
                if not phrase.words:
                    raise PhraseTableError(f"[{name}]: kalimat kosong {text!r}")
                phrases.append((known[name], phrase))
        missing = set(Intent) - {intent for intent, _ in phrases}
        if missing:
            names = ", ".join(sorted(m.value for m in missing))
            raise PhraseTableError(f"tidak ada kalimat untuk: {names}")
        vocabulary = {w.rstrip("*") for _, phrase in phrases for w in phrase.words}
        return cls(
            fillers=frozenset(_words(" ".join(fillers))),
            shorthand=shorthand,
            phrases=tuple(phrases),
            vocabulary=frozenset(vocabulary),
        )


def _string_list(section: object, name: str, key: str) -> list[str]:
    values = section.get(key) if isinstance(section, dict) else None
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise PhraseTableError(f"[{name}]: '{key}' harus daftar teks")
    return list(values)


PHRASES_FILE = "bot/domain/phrases.toml"


def _read_phrases() -> str:
    return resources.files("bot.domain").joinpath("phrases.toml").read_text(encoding="utf-8")


_AT_LINE = re.compile(r"\(at line (\d+), column \d+\)")


def load_table() -> PhraseTable:
    """The packaged phrase table; PhraseTableError (one Indonesian line, with the line number
    of a syntax error) when office staff left it broken."""
    try:
        data = tomllib.loads(_read_phrases())
    except (OSError, UnicodeDecodeError) as exc:
        raise PhraseTableError(f"{PHRASES_FILE} tidak bisa dibaca: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        found = _AT_LINE.search(str(exc))
        where = f" baris {found.group(1)}" if found else ""
        raise PhraseTableError(
            f"{PHRASES_FILE}{where} salah tulis ({_AT_LINE.sub('', str(exc)).strip()}); "
            "perbaiki baris itu (lihat petunjuk di awal berkas), lalu mulai ulang bot"
        ) from None
    try:
        return PhraseTable.parse(data)
    except PhraseTableError as exc:
        raise PhraseTableError(f"{PHRASES_FILE} {exc}") from None


# --- normalising a message --------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W_]+|[^\w\s]", re.UNICODE)
_REPEATS = re.compile(r"(.)\1{2,}")  # "halooo" -> "halo"; "ss" in "assalamualaikum" stays
_JOINERS = str.maketrans({"'": "", "’": "", "`": "", "-": " ", "_": " ", ".": " "})
#: Emoji modifiers and joiners that only change how an emoji looks.
_EMOJI_DECOR = re.compile("[\ufe0e\ufe0f\u200d\U0001f3fb-\U0001f3ff]")


def _words(text: str) -> list[str]:
    """The words (and emoji) of a text, casefolded, punctuation and repeated letters dropped."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_JOINERS)
    text = _REPEATS.sub(r"\1", _EMOJI_DECOR.sub("", text))
    return [tok for tok in _TOKEN.findall(text) if not unicodedata.category(tok[0]).startswith("P")]


# --- matching ---------------------------------------------------------------------------------


def _close(a: str, b: str) -> bool:
    """At most one edit (insert, delete, substitute, swap of neighbours) between a and b."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def _word_matches(pattern: str, word: str, vocabulary: frozenset[str]) -> bool:
    if pattern.endswith("*"):
        stem = pattern[:-1]
        if word.startswith(stem):
            return True
        return len(stem) >= 4 and word not in vocabulary and _close(stem, word[: len(stem)])
    if pattern == word:
        return True
    return len(pattern) >= 4 and len(word) >= 4 and word not in vocabulary and _close(pattern, word)


def _phrase_matches(
    phrase: Phrase, words: list[str], content: list[str], vocabulary: frozenset[str]
) -> bool:
    if phrase.whole:
        if len(content) != len(phrase.words):
            return False
        pairs = zip(phrase.words, content, strict=True)
        return all(_word_matches(p, w, vocabulary) for p, w in pairs)
    return all(any(_word_matches(p, w, vocabulary) for w in words) for p in phrase.words)


@dataclass(frozen=True, slots=True)
class Matcher:
    table: PhraseTable

    def match(self, text: str) -> Intent | None:
        """The intent of a resident's free text, or None when nothing fits."""
        if not text or len(text) > MAX_CHARS:
            return None
        words = [self.table.shorthand.get(w, w) for w in _words(text)[:MAX_WORDS]]
        if not words:
            return None
        content = [w for w in words if w not in self.table.fillers] or words
        best: tuple[int, Intent] | None = None
        for intent, phrase in self.table.phrases:
            if best is not None and len(phrase.words) <= best[0]:
                continue
            if _phrase_matches(phrase, words, content, self.table.vocabulary):
                best = (len(phrase.words), intent)
        return best[1] if best else None


@functools.cache
def default_matcher() -> Matcher:
    """The matcher for the packaged `phrases.toml`, read on first use; `run` reads it before
    it starts (`check_data_files`), so a malformed file stops the start in one line instead of
    failing a resident's message later."""
    return Matcher(load_table())


def match(text: str) -> Intent | None:
    return default_matcher().match(text)


def words(text: str) -> list[str]:
    """The words of a message as the matcher reads them (casefolded, shorthand spelled out)."""
    if len(text) > MAX_CHARS:
        return []
    shorthand = default_matcher().table.shorthand
    return [shorthand.get(w, w) for w in _words(text)[:MAX_WORDS]]
