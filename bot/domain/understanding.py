"""What a resident's free text means: a classifier trained on what residents really write.

The corpus (`data/understanding/corpus.tsv`: text, intent, kind) and the intents with their
meaning and advice (`data/understanding/intents.toml`) are read lazily, on the first reading or
on `warm_up()`, never at import; a broken file gives one Indonesian line naming the file and the
line (`UnderstandingDataError`). The model is trained from them then (one to three seconds on a busy
machine) and kept for the process.

A reading combines three things:

- the phrase table (`bot.domain.intents`, `phrases.toml`), as high-precision rules: when one
  of its phrases accounts for every word of the message ("jam buka", "makasih pak", "=p"), its
  intent is taken, unless the classifier prefers a more precise intent declared under that
  phrase section (`parent` in intents.toml: "salah nama" is in [hilang], but it is `salah_data`);
- a linear classifier (averaged passive-aggressive updates, in numpy: no scikit-learn to load;
  its scores turned into probabilities by a softmax) over character n-grams of the message as
  written (typos, dialect spellings), the same with shorthand and dialect words spelled out
  ("sy sdh rekam" -> "saya sudah rekam", "ambek" -> "ambil"), and its words and word pairs,
  with words glued together split ("ktpsayakapanjadi") and negation and aspect marked: in "sdh
  rekam tp blm jadi" the words read `sudah:rekam` and `neg:jadi`, so it is not "belum rekam"
  (`neg:rekam`);
- the numbers: any NIK/KK-like run of digits is kept unparsed in `nik_candidates`.

A greeting before the question ("assalamualaikum pak, ktp saya hilang") is read past: the rest
is read alone and taken when the model is sure of it (`Reading.greeted`: greet back first).

`Reading.confidence` is the model's probability of its first intent (1.0 for a phrase-table
rule); below `SURE` the caller should ask "Maksud Bapak/Ibu…?" with `alternatives`. The figures
(accuracy per intent, held out and cross-validated, and time) come from bench/understanding.py.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import math
import re
import threading
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.domain.intents import Intent, default_matcher
from bot.domain.operator_error import OperatorError

if TYPE_CHECKING:
    import numpy

    #: A sparse vector: the indices of its features and their values.
    Vector = tuple[numpy.ndarray[Any, Any], numpy.ndarray[Any, Any]]

#: The corpus and the intents' descriptions (in the repository, beside the other data).
DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "understanding"
CORPUS_FILE = "corpus.tsv"
INTENTS_FILE = "intents.toml"
#: Messages longer than this are offered to the staff desk (a plea, a complaint).
LONG_CHARS = 200
#: Only the beginning of a message is read by the model (a long one is still read)...
READ_CHARS = 1000
#: ...and searched for numbers.
SCAN_CHARS = 5000
#: Below this confidence the caller asks "Maksud Bapak/Ibu…?" (chosen by cross-validation,
#: bench/understanding.py: about 85 % of messages reach it, and those are right about 92 % of
#: the time; for the others the right intent is among `alternatives` about 5 times in 6).
SURE = 0.6
#: How many intents `alternatives` offers (the first is `intent`).
ALTERNATIVES = 3
#: The share of the corpus (percent) kept out of training to measure the model.
HELD_OUT_PERCENT = 20
#: At most this many numbers are kept from one message.
MAX_NUMBERS = 5
#: The columns of corpus.tsv, in order.
COLUMNS = ("intent", "kind", "text")
#: The kinds a corpus line may be tagged with (comma-separated).
KINDS = frozenset(
    {
        "plain",
        "abbreviation",
        "musi-malay",
        "javanese",
        "typo",
        "caps",
        "no-spaces",
        "long",
        "angry",
        "polite",
        "english-mix",
        "follow-up",
        "while-waiting",
        "one-word",
        "with-nik",
        "misreading",
        "emoji",
        "negation",
    }
)
#: The classifier: passes over the corpus, and the largest step of one update (chosen by
#: bench/understanding.py's cross-validation).
EPOCHS = 8
AGGRESSIVENESS = 0.05
#: Character n-grams of each word, and the feature blocks (letters, spelled out, words).
CHAR_GRAMS = range(2, 6)
BLOCKS = 3
#: Scores of the linear classifier become probabilities by a softmax at this temperature
#: (chosen so that the confidence of held-out readings matches their accuracy).
TEMPERATURE = 10.0
SEED = 20


class UnderstandingDataError(OperatorError):
    """A data file of the understanding is malformed: one Indonesian line, file and line."""


# --- the data ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IntentInfo:
    """One intent as intents.toml describes it."""

    name: str
    meaning: str
    advice: str
    #: The phrases.toml section whose phrases also catch this intent's messages.
    parent: Intent | None = None
    #: A question about the status last shown to the chat.
    follow_up: bool = False
    #: A question residents ask while the bot waits for a NIK or KK.
    while_waiting: bool = False
    #: For the developers: a fitter answer, e.g. from the status last shown.
    note: str = ""

    @property
    def phrase_intent(self) -> Intent | None:
        """The phrases.toml section this intent is, or is declared under (None: neither). Not
        always a fitting answer: `rekam_ulang` is under [rekam], whose answer is for people
        never recorded."""
        try:
            return Intent(self.name)
        except ValueError:
            return self.parent


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: str
    kinds: tuple[str, ...]
    line: int

    @property
    def held_out(self) -> bool:
        """Kept out of training for measuring (about HELD_OUT_PERCENT of the corpus). Decided by
        the text alone, so adding examples never moves the others between the two parts."""
        key = " ".join(_WORD.findall(unicodedata.normalize("NFKC", self.text).casefold()))
        return int(hashlib.sha256(key.encode()).hexdigest(), 16) % 100 < HELD_OUT_PERCENT


@dataclass(frozen=True, slots=True)
class Data:
    intents: dict[str, IntentInfo]
    shorthand: dict[str, str]
    examples: tuple[Example, ...]

    @property
    def training(self) -> tuple[Example, ...]:
        return tuple(ex for ex in self.examples if not ex.held_out)

    @property
    def held_out(self) -> tuple[Example, ...]:
        return tuple(ex for ex in self.examples if ex.held_out)


_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_TOML_LINE = re.compile(r"\(at line (\d+)")


def _fail(path: Path, line: int | None, problem: str) -> UnderstandingDataError:
    where = f"{path.name} baris {line}" if line else path.name
    return UnderstandingDataError(f"{where}: {problem} ({path})")


def _line_of(raw: str, header: str) -> int | None:
    for number, text in enumerate(raw.splitlines(), start=1):
        if text.strip() == header:
            return number
    return None


def load_intents(path: Path) -> tuple[dict[str, IntentInfo], dict[str, str]]:
    """The intents (in the file's order) and the extra shorthand of intents.toml."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _fail(path, None, f"berkas tidak bisa dibaca: {exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        problem = str(exc).split(" (at line")[0]
        raise _fail(path, int(found.group(1)) if found else None, f"TOML rusak: {problem}") from exc
    shorthand_section = data.pop("singkatan", {})
    line = _line_of(raw, "[singkatan]")
    if not isinstance(shorthand_section, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip()
        for k, v in shorthand_section.items()
    ):
        raise _fail(path, line, "[singkatan]: setiap singkatan harus berisi teks")
    shorthand = {k.casefold(): v.casefold() for k, v in shorthand_section.items()}
    phrase_intents = {intent.value: intent for intent in Intent}
    intents: dict[str, IntentInfo] = {}
    for name, section in data.items():
        line = _line_of(raw, f"[{name}]")
        if not _NAME.match(name):
            raise _fail(path, line, f"[{name}]: nama maksud hanya huruf kecil, angka dan _")
        if not isinstance(section, dict):
            raise _fail(path, line, f"{name}: harus berupa bagian [{name}]")
        texts = {key: section.get(key) for key in ("meaning", "advice")}
        for key, value in texts.items():
            if not isinstance(value, str) or not value.strip():
                raise _fail(path, line, f"[{name}]: '{key}' wajib diisi teks")
        unknown = set(section) - {
            "meaning",
            "advice",
            "note",
            "parent",
            "follow_up",
            "while_waiting",
        }
        if unknown:
            raise _fail(path, line, f"[{name}]: kunci tidak dikenal: {', '.join(sorted(unknown))}")
        parent = section.get("parent")
        if parent is not None and parent not in phrase_intents:
            raise _fail(path, line, f"[{name}]: parent '{parent}' bukan bagian phrases.toml")
        note = section.get("note", "")
        if not isinstance(note, str):
            raise _fail(path, line, f"[{name}]: 'note' harus teks")
        flags = {key: section.get(key, False) for key in ("follow_up", "while_waiting")}
        for key, value in flags.items():
            if not isinstance(value, bool):
                raise _fail(path, line, f"[{name}]: '{key}' harus true atau false")
        intents[name] = IntentInfo(
            name=name,
            meaning=str(texts["meaning"]).strip(),
            advice=str(texts["advice"]).strip(),
            parent=phrase_intents[parent] if isinstance(parent, str) else None,
            follow_up=bool(flags["follow_up"]),
            while_waiting=bool(flags["while_waiting"]),
            note=note.strip(),
        )
    missing = sorted(set(phrase_intents) - set(intents))
    if missing:
        raise _fail(path, None, f"bagian phrases.toml tanpa maksud di sini: {', '.join(missing)}")
    return intents, shorthand


def load_corpus(path: Path, intents: Iterable[str]) -> tuple[Example, ...]:
    """The labelled messages; every line checked (columns, known intent and kinds, no tab)."""
    known = set(intents)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(path, None, f"berkas tidak bisa dibaca: {exc}") from exc
    if not lines or tuple(lines[0].split("\t")) != COLUMNS:
        raise _fail(path, 1, f"baris judul harus: {' '.join(COLUMNS)} (dipisah tab)")
    examples: list[Example] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) != len(COLUMNS):
            raise _fail(path, number, f"harus {len(COLUMNS)} kolom dipisah tab, ada {len(cells)}")
        intent, kind, text = (cell.strip() for cell in cells)
        if intent not in known:
            raise _fail(path, number, f"maksud '{intent}' tidak ada di {INTENTS_FILE}")
        kinds = tuple(k.strip() for k in kind.split(","))
        strange = [k for k in kinds if k not in KINDS]
        if strange:
            raise _fail(path, number, f"jenis tidak dikenal: {', '.join(strange)}")
        if not text:
            raise _fail(path, number, "teks pesan kosong")
        examples.append(Example(text=text, intent=intent, kinds=kinds, line=number))
    return tuple(examples)


def load_data(directory: Path = DATA_DIR) -> Data:
    intents, shorthand = load_intents(directory / INTENTS_FILE)
    examples = load_corpus(directory / CORPUS_FILE, intents)
    merged = {**default_matcher().table.shorthand, **shorthand}
    return Data(intents=intents, shorthand=merged, examples=examples)


# --- reading a text ----------------------------------------------------------------------------

_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]")
#: A run of digits, possibly broken by spaces, dots or dashes ("1605 0199 9999 0003").
_NUMBER = re.compile(r"\d(?:[ .\-/]?\d)*")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_WORD = re.compile(r"[^\W_]+|[^\w\s]", re.UNICODE)
#: The digits a NIK or KK may have when a resident mistypes one (16 is right).
NIK_LIKE = range(15, 18)
NUMBER_WORD = "xnomorx"
SMALL_NUMBER_WORD = "xangkax"
NEGATORS = frozenset({"tidak", "belum", "bukan", "jangan"})
ASPECT = frozenset({"sudah", "masih"})
#: Words that end the reach of a negation or an aspect marker.
CLAUSE_ENDS = frozenset({"tapi", "tetapi", "namun", "padahal", "dan", "terus", "lalu", ",", "."})
#: How many words after "belum"/"sudah" are marked.
MARK_REACH = 2


def _digits(text: str) -> str:
    return "".join(str(unicodedata.digit(ch)) for ch in text if ch.isdigit())


def clean(text: str) -> str:
    """The text as the model reads it: NFKC, casefolded, invisible marks and repeats dropped,
    NIK-like numbers and other numbers replaced by a word."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text[:READ_CHARS])).casefold()

    def number(found: re.Match[str]) -> str:
        return f" {NUMBER_WORD} " if len(_digits(found.group())) >= 8 else f" {SMALL_NUMBER_WORD} "

    text = _NUMBER.sub(number, text)
    text = _REPEATS.sub(r"\1", text)
    return " ".join(_LETTER_DIGIT.sub(" ", text).split())


def numbers(text: str) -> tuple[str, ...]:
    """NIK/KK-like numbers in a text (15 to 17 digits once spaces, dots and dashes are gone)."""
    found: list[str] = []
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text[:SCAN_CHARS]))
    for run in _NUMBER.finditer(text):
        digits = _digits(run.group())
        if len(digits) in NIK_LIKE and digits not in found:
            found.append(digits)
            if len(found) == MAX_NUMBERS:
                break
    return tuple(found)


#: A word this long that the model has never seen may be words without spaces ("cekktpsaya").
GLUED_MIN = 6
#: Pieces of a glued word are at least this long.
PIECE_MIN = 2
#: The corpus kind of messages written without spaces (their words are not vocabulary).
GLUED = "no-spaces"


@dataclass(frozen=True, slots=True)
class Normaliser:
    """Turns a cleaned text into the words the model reads, shorthand spelled out and words
    written without spaces split when every piece is a known word."""

    shorthand: dict[str, str]
    vocabulary: frozenset[str] = frozenset()

    def words(self, cleaned: str) -> list[str]:
        out: list[str] = []
        for token in _WORD.findall(cleaned):
            if unicodedata.category(token[0]).startswith("P") and token not in (",", "."):
                continue
            for piece in self.split(token):
                out.extend(self.shorthand.get(piece, piece).split())
        return out

    def split(self, token: str) -> list[str]:
        """ "ktpsayakapanjadi" -> ktp saya kapan jadi; a known or short word stays whole."""
        if len(token) < GLUED_MIN or token in self.vocabulary or not self.vocabulary:
            return [token]
        # best[i]: the fewest known pieces that spell token[:i] (None: cannot be spelled).
        best: list[list[str] | None] = [[]] + [None] * len(token)
        for end in range(1, len(token) + 1):
            for start in range(max(0, end - 20), end):
                head = best[start]
                piece = token[start:end]
                if head is None or not self._known(piece):
                    continue
                if best[end] is None or len(head) + 1 < len(best[end] or ()):
                    best[end] = [*head, piece]
        return best[-1] or [token]

    def _known(self, piece: str) -> bool:
        return len(piece) >= PIECE_MIN and (piece in self.shorthand or piece in self.vocabulary)

    def learn(self, cleaned: Iterable[str]) -> Normaliser:
        """This normaliser knowing every word of `cleaned` texts (for splitting glued words)."""
        known = {word for text in cleaned for word in _WORD.findall(text) if word.isalpha()}
        return Normaliser(self.shorthand, frozenset(known | set(self.shorthand.values())))

    def spelled_out(self, cleaned: str) -> str:
        """The cleaned text with shorthand and dialect words spelled out."""
        return " ".join(self.words(cleaned))

    def features(self, cleaned: str) -> list[str]:
        """Words, word pairs, and words marked by a negation or aspect before them."""
        words = self.words(cleaned)
        plain = [w for w in words if w not in (",", ".")]
        feats = list(plain)
        feats.extend(f"{a} {b}" for a, b in itertools.pairwise(plain))
        marker: str | None = None
        reach = 0
        for word in words:
            if word in CLAUSE_ENDS:
                marker = None
            elif word in NEGATORS:
                marker, reach = "neg", MARK_REACH
            elif word in ASPECT:
                marker, reach = word, MARK_REACH
            elif marker is not None and reach > 0:
                feats.append(f"{marker}:{word}")
                reach -= 1
        return feats


# --- the reading -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reading:
    """What a message is about, as sure as the model is, with the numbers found in it."""

    #: The intent's name (see intents.toml), or None when nothing in the text can be read.
    intent: str | None
    #: 0..1: the model's probability of `intent`; 1.0 when a phrase-table rule decided.
    confidence: float
    #: The likeliest intents, best first (`intent` first), with their probabilities.
    alternatives: tuple[tuple[str, float], ...] = ()
    #: NIK/KK-like numbers in the text, digits only, unparsed (the caller validates them).
    nik_candidates: tuple[str, ...] = ()
    #: Over LONG_CHARS characters: offer it to the staff desk as a question.
    is_long: bool = False
    #: Decided by an exact phrase of phrases.toml.
    by_rule: bool = False
    #: The message began with a greeting that was read past ("assalamualaikum pak, ..."):
    #: greet back before answering.
    greeted: bool = False
    info: IntentInfo | None = field(default=None, compare=False)

    @property
    def sure(self) -> bool:
        """Sure enough to answer; otherwise ask "Maksud Bapak/Ibu…?" with `alternatives`."""
        return self.intent is not None and self.confidence >= SURE

    @property
    def phrase_intent(self) -> Intent | None:
        """The phrases.toml section of `intent` (see `IntentInfo.phrase_intent`)."""
        return self.info.phrase_intent if self.info else None


class Features:
    """Turns a text into a TF-IDF vector: three blocks, each scaled to length 1 (as
    scikit-learn's TfidfVectorizer with sublinear tf and a smoothed idf): the letters as
    written ("ambek", "knp": character 2- to 5-grams inside each word), the same letters with
    shorthand and dialect words spelled out, and the words, word pairs and marked words."""

    def __init__(self, normaliser: Normaliser, cleaned: Sequence[str]) -> None:
        self.normaliser = normaliser
        docs = [self.blocks(text) for text in cleaned]
        self.index: list[dict[str, int]] = []
        idf: list[float] = []
        for block in range(BLOCKS):
            df: Counter[str] = Counter()
            for doc in docs:
                df.update(set(doc[block]))
            self.index.append({gram: len(idf) + i for i, gram in enumerate(sorted(df))})
            idf.extend(math.log((1 + len(docs)) / (1 + df[g])) + 1 for g in sorted(df))
        self.idf = idf
        self.size = len(idf)
        self.training = [self.vector_of(doc) for doc in docs]

    def blocks(self, cleaned: str) -> tuple[list[str], ...]:
        spelled = self.normaliser.spelled_out(cleaned)
        return _char_grams(cleaned), _char_grams(spelled), self.normaliser.features(cleaned)

    def vector(self, cleaned: str) -> Vector:
        return self.vector_of(self.blocks(cleaned))

    def vector_of(self, blocks: tuple[list[str], ...]) -> Vector:
        import numpy

        indices: list[int] = []
        values: list[float] = []
        for index, grams in zip(self.index, blocks, strict=True):
            counts = Counter(index[g] for g in grams if g in index)
            if not counts:
                continue
            found = sorted(counts)
            idf = self.idf
            weights = [(1 + math.log(counts[i])) * idf[i] for i in found]
            norm = math.sqrt(sum(w * w for w in weights))
            indices.extend(found)
            values.extend(w / norm for w in weights)
        return numpy.array(indices, dtype=numpy.intp), numpy.array(values, dtype=numpy.float32)


def _char_grams(text: str) -> list[str]:
    grams: list[str] = []
    for word in text.split():
        padded = f" {word} "
        for n in CHAR_GRAMS:
            grams.extend(padded[i : i + n] for i in range(max(1, len(padded) - n + 1)))
    return grams


def _train(vectors: Sequence[Vector], targets: Sequence[int], classes: int, size: int) -> Any:
    """Weights of a multi-class linear classifier: averaged passive-aggressive updates
    (Crammer and Singer's margin: the right intent must beat the best wrong one by 1)."""
    import numpy

    weights = numpy.zeros((classes, size), dtype=numpy.float32)
    summed = numpy.zeros((classes, size), dtype=numpy.float32)
    order = numpy.arange(len(vectors))
    random = numpy.random.default_rng(SEED)
    step = 1
    for _ in range(EPOCHS):
        random.shuffle(order)
        for i in order.tolist():
            idx, val = vectors[i]
            if not len(idx):
                step += 1
                continue
            scores = weights[:, idx] @ val
            right = targets[i]
            own = float(scores[right])
            scores[right] = -numpy.inf
            wrong = int(numpy.argmax(scores))
            margin = own - float(scores[wrong])
            if margin < 1:
                tau = min(AGGRESSIVENESS, (1 - margin) / (2 * float(val @ val)))
                weights[right, idx] += tau * val
                weights[wrong, idx] -= tau * val
                summed[right, idx] += step * tau * val
                summed[wrong, idx] -= step * tau * val
            step += 1
    return weights - summed / step


#: Intents that are only a greeting: a question after one is what the message is about.
GREETING_INTENTS = frozenset({"sapa", "salam"})
#: Words that may come with a greeting before the question itself.
GREETING_EXTRA = frozenset(
    {
        "selamat",
        "pagi",
        "siang",
        "sore",
        "malam",
        "wr",
        "wb",
        "warahmatullahi",
        "wabarakatuh",
        "met",
        "slmt",
        "pgi",
        "mlm",
        "sugeng",
        "enjing",
        "sonten",
        "dalu",
        "nuwun",
        "sewu",
    }
)
#: Words that lead in to a question without greeting ("mohon maaf, mau tanya ..."): read past
#: with a greeting, but never a greeting themselves ("mau bikin akta" greets nobody).
LEAD_IN = frozenset(
    {
        "maaf",
        "mohon",
        "izin",
        "numpang",
        "mengganggu",
        "mau",
        "tanya",
        "bertanya",
        "nanya",
        "yang",
        "terhormat",
        "wr",
        "wb",
        "nuwun",
        "sewu",
        "petugas",
        "mulai",
        "start",
    }
)


def _greeting_words(shorthand: dict[str, str]) -> frozenset[str]:
    """The words of the phrase table's greetings ([sapa], [salam]), its fillers, and a few
    words that come with a greeting."""
    words = {
        word.rstrip("*")
        for intent, phrase in default_matcher().table.phrases
        if intent in (Intent.SAPA, Intent.SALAM)
        for word in phrase.words
    }
    words |= set(default_matcher().table.fillers) | GREETING_EXTRA | LEAD_IN
    return frozenset(shorthand.get(word, word) for word in words)


def _greeting_core(shorthand: dict[str, str]) -> frozenset[str]:
    """The greeting words proper (not fillers, not lead-ins): one of them makes `greeted`."""
    fillers = set(default_matcher().table.fillers)
    words = _greeting_words(shorthand) - fillers - LEAD_IN
    return frozenset(word for word in words if shorthand.get(word, word) not in LEAD_IN)


class Model:
    """The trained classifier and the data it was trained on (numpy only, no scikit-learn:
    it trains in a second or two and keeps the bot's memory small)."""

    def __init__(self, data: Data, examples: Sequence[Example] | None = None) -> None:
        self.data = data
        train = list(data.examples if examples is None else examples)
        cleaned = [clean(ex.text) for ex in train]
        spaced = (text for ex, text in zip(train, cleaned, strict=True) if GLUED not in ex.kinds)
        self.normaliser = Normaliser(data.shorthand).learn(spaced)
        self.greeting_words = _greeting_words(data.shorthand)
        self.greeting_core = _greeting_core(data.shorthand)
        self.features = Features(self.normaliser, cleaned)
        self.labels: list[str] = sorted({ex.intent for ex in train})
        number = {label: i for i, label in enumerate(self.labels)}
        targets = [number[ex.intent] for ex in train]
        self.weights = _train(self.features.training, targets, len(self.labels), self.features.size)
        del self.features.training

    def scores(self, cleaned: str) -> list[float]:
        idx, val = self.features.vector(cleaned)
        if not len(idx):
            return [0.0] * len(self.labels)
        return [float(s) for s in self.weights[:, idx] @ val]

    def probabilities(self, texts: Sequence[str]) -> list[list[tuple[str, float]]]:
        """For each text, every intent with its probability, best first."""
        ranked: list[list[tuple[str, float]]] = []
        for text in texts:
            row = self.scores(clean(text))
            top = max(row)
            weights = [math.exp(TEMPERATURE * (s - top)) for s in row]
            total = sum(weights)
            pairs = sorted(
                zip(self.labels, (w / total for w in weights), strict=True), key=lambda lp: -lp[1]
            )
            ranked.append(pairs)
        return ranked

    def read(self, text: str) -> Reading:
        return self.read_many([text])[0]

    def read_many(self, texts: Sequence[str]) -> list[Reading]:
        """Each text read; a greeting before a question ("assalamualaikum pak, ktp saya
        hilang") does not hide the question: the rest is read alone, and taken when sure."""
        readings = [self._read_whole(text) for text in texts]
        for i, text in enumerate(texts):
            rest = self.after_greeting(text)
            if rest is None:
                continue
            reading = self._read_whole(rest, whole=text)
            if reading.sure and reading.intent not in GREETING_INTENTS:
                readings[i] = dataclasses.replace(reading, greeted=True)
        return readings

    def after_greeting(self, text: str) -> str | None:
        """What follows a greeting at the start of `text` (None: no greeting, or nothing
        after it)."""
        greeted = False
        for word in _WORD.finditer(text[:READ_CHARS]):
            token = word.group().casefold()
            if unicodedata.category(token[0]).startswith("P"):
                continue
            token = self.data.shorthand.get(token, token)
            if token in self.greeting_words:
                greeted = greeted or token in self.greeting_core
                continue
            return text[word.start() :] if greeted else None
        return None

    def _read_whole(self, text: str, whole: str | None = None) -> Reading:
        """`text` read (numbers and length are those of `whole`, the message it comes from)."""
        whole = text if whole is None else whole
        cleaned = clean(text)
        if not any(ch.isalnum() for ch in cleaned):
            return self._empty(text)
        if set(self.normaliser.words(cleaned)) <= {NUMBER_WORD} and numbers(text):
            return self._numbers_only(text)
        reading = self._combine(text, self.probabilities([text])[0])
        if whole is not text:
            reading = dataclasses.replace(
                reading, nik_candidates=numbers(whole), is_long=_is_long(whole)
            )
        return reading

    def _info(self, name: str | None) -> IntentInfo | None:
        return self.data.intents.get(name) if name else None

    def _empty(self, text: str) -> Reading:
        rule = default_matcher().match_exact(text)  # an emoji alone ("🙏", "👋")
        if rule is not None:
            return self._rule(text, rule.value)
        return Reading(intent=None, confidence=0.0, is_long=_is_long(text))

    def _numbers_only(self, text: str) -> Reading:
        return self._rule(text, Intent.CEK.value)

    def _rule(self, text: str, name: str) -> Reading:
        return Reading(
            intent=name,
            confidence=1.0,
            alternatives=((name, 1.0),),
            nik_candidates=numbers(text),
            is_long=_is_long(text),
            by_rule=True,
            info=self._info(name),
        )

    def _combine(self, text: str, pairs: list[tuple[str, float]]) -> Reading:
        rule = default_matcher().match_exact(text)
        intent, confidence = pairs[0]
        by_rule = False
        if rule is not None:
            family = {
                name
                for name, info in self.data.intents.items()
                if name == rule.value or info.parent is rule
            }
            mass = sum(p for name, p in pairs if name in family)
            if intent in family and intent != rule.value and mass > 0:
                confidence = pairs[0][1] / mass  # a more precise intent under the rule's section
            else:
                intent, confidence, by_rule = rule.value, 1.0, True
                pairs = [(intent, 1.0), *((n, p) for n, p in pairs if n != intent)]
        return Reading(
            intent=intent,
            confidence=round(min(1.0, confidence), 4),
            alternatives=tuple((n, round(p, 4)) for n, p in pairs[:ALTERNATIVES]),
            nik_candidates=numbers(text),
            is_long=_is_long(text),
            by_rule=by_rule,
            info=self._info(intent),
        )


def _is_long(text: str) -> bool:
    return len(text.strip()) > LONG_CHARS


# --- the model of the process -------------------------------------------------------------------

_lock = threading.Lock()
_models: dict[tuple[Path, bool], Model] = {}


def model(directory: Path = DATA_DIR, *, hold_out: bool = False) -> Model:
    """The model trained on `directory`'s corpus, once per process (thread-safe). With
    `hold_out`, trained without the held-out messages (for tests that send them)."""
    with _lock:
        found = _models.get((directory, hold_out))
        if found is None:
            data = load_data(directory)
            found = Model(data, data.training if hold_out else None)
            _models[(directory, hold_out)] = found
        return found


def warm_up() -> None:
    """Read the data and train now (call it in a worker thread at start-up), not on the first
    resident's message. Raises UnderstandingDataError on a broken data file."""
    model()


def understand(text: str) -> Reading:
    """What a resident's message means (see `Reading`). Any text gets a reading; only a broken
    data file raises (UnderstandingDataError), on the first call: call `warm_up()` at start."""
    if not text or not text.strip():
        return Reading(intent=None, confidence=0.0)
    return model().read(text)


def describe(name: str) -> IntentInfo | None:
    """An intent's meaning and advice as intents.toml gives them."""
    return model().data.intents.get(name)
