"""Neutral messages rendered for WhatsApp: every rendering within the Cloud API's limits (checked
by the same rules as the Cloud API double), choice ids that come back unchanged, WhatsApp's
own markup, long texts and long menus split or paged."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whatsapp_double import choice_message, message_problems

from bot import texts_whatsapp as words
from bot.conversation.messages import Attachment, Choice, Message, Venue
from bot.domain.markup import bold, code, esc, italic, link, plain
from bot.whatsapp.inbound import parse
from bot.whatsapp.render import (
    Limits,
    Outgoing,
    Rendered,
    next_page,
    render,
    render_page,
    split_text,
    whatsapp_text,
)

WA_ID = "6281234567890"
KECAMATAN = [
    "Tugumulyo",
    "Muara Lakitan",
    "Muara Kelingi",
    "Jayaloka",
    "Muara Beliti",
    "STL Ulu Terawas",
    "Selangit",
    "Megang Sakti",
    "Purwodadi",
    "BTS Ulu",
    "Tiang Pumpung Kepungut",
    "Sumber Harta",
    "Tuah Negeri",
    "Suka Karya",
]


def request_body(out: Outgoing) -> dict[str, Any]:
    """The request the client would make (a file uploaded first gets a media id)."""
    body: dict[str, Any] = {"messaging_product": "whatsapp", "to": WA_ID, **out.body}
    if out.upload is not None:
        body[out.type] = {**body[out.type], "id": "media-1"}
    return body


def assert_within_limits(rendered: Rendered) -> None:
    for out in rendered.messages:
        assert message_problems(request_body(out)) == [], out.body


def choice_ids(rendered: Rendered) -> list[str]:
    ids: list[str] = []
    for out in rendered.messages:
        if out.type != "interactive":
            continue
        action = out.body["interactive"]["action"]
        if "buttons" in action:
            ids += [b["reply"]["id"] for b in action["buttons"]]
        else:
            ids += [row["id"] for s in action["sections"] for row in s["rows"]]
    return ids


def every_page(rendered: Rendered) -> list[str]:
    """The ids a resident can reach, following "next page" rows through the kept menu."""
    ids = choice_ids(rendered)
    seen: list[str] = []
    while ids:
        more = [i for i in ids if next_page(i)]
        seen += [i for i in ids if not next_page(i)]
        if not more:
            break
        assert rendered.keep_menu is not None
        key, page = next_page(more[0]) or ("", 0)
        assert key == rendered.keep_menu[0]
        rendered = render_page(rendered.keep_menu[1], page)
        assert_within_limits(rendered)
        ids = choice_ids(rendered)
    return seen


# --- random messages ---------------------------------------------------------------------

_chars = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters="\ue000\ue001\ue002\ue003\ue004\ue005\ue006\ue007\ue008",
)
_words = st.text(_chars, min_size=0, max_size=40)
_long_word = st.text(st.sampled_from("abcdef😀é*_~`"), min_size=100, max_size=5000)
_piece = st.one_of(
    _words.map(esc),
    _words.map(lambda t: bold(esc(t))),
    _words.map(lambda t: italic(esc(t))),
    _words.map(lambda t: code(esc(t))),
    st.tuples(_words, st.sampled_from(["https://disdukcapil.example/x", "https://t.me/x"])).map(
        lambda p: link(esc(p[0]), p[1])
    ),
    st.sampled_from(["\n", "\n\n", " ", "  \n "]),
    _long_word,
)
_text = st.lists(_piece, max_size=60).map("".join)
_label = st.text(_chars, min_size=1, max_size=80)


@st.composite
def _choices(draw: st.DrawFn) -> tuple[tuple[Choice, ...], ...]:
    count = draw(st.integers(0, 25))
    ids = draw(
        st.lists(
            st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=200),
            min_size=count,
            max_size=count,
            unique=True,
        )
    )
    ids = [i for i in ids if not i.startswith("wa:next:")]
    choices = [Choice(i, draw(_label)) for i in ids]
    if draw(st.booleans()):
        choices.append(Choice("link", draw(_label), url="https://maps.example/kantor"))
    rows: list[tuple[Choice, ...]] = []
    while choices:
        size = draw(st.integers(1, 3))
        rows.append(tuple(choices[:size]))
        choices = choices[size:]
    return tuple(rows)


_messages = st.builds(
    Message,
    text=_text,
    choices=_choices(),
    menu=st.booleans(),
    venue=st.one_of(
        st.none(),
        st.builds(
            Venue,
            latitude=st.floats(-90, 90),
            longitude=st.floats(-180, 180),
            title=_label,
            address=_label,
        ),
    ),
    attachment=st.one_of(
        st.none(),
        st.builds(
            Attachment,
            kind=st.sampled_from(["picture", "document"]),
            filename=st.just("kuitansi.png"),
            data=st.just(b"\x89PNG"),
            mime_type=st.just("image/png"),
        ),
    ),
)
MAIN_MENU = (Choice("menu:cek", "Cek KTP-el"), Choice("menu:faq", "Pertanyaan umum"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_messages, st.booleans())
def test_every_rendering_is_within_whatsapps_limits_and_ids_round_trip(
    message: Message, paged: bool
) -> None:
    rendered = render(message, main_menu=MAIN_MENU, paged=paged)
    assert_within_limits(rendered)
    wanted = [c.id for row in message.choices for c in row if not c.url]
    if not wanted and message.menu:
        wanted = [c.id for c in MAIN_MENU]
    reached = every_page(rendered) if paged else choice_ids(rendered)
    assert reached == wanted
    for choice_id in reached[:3]:  # and each comes back from the webhook as it was sent
        delivery = parse(choice_message(WA_ID, choice_id, "x", message_id="wamid.R"))
        assert delivery.messages[0].choice_id == choice_id


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_words, _long_word, st.sampled_from(["\n", "\n\n"])), max_size=80))
def test_a_long_plain_text_is_split_without_losing_a_word(pieces: list[str]) -> None:
    text = "".join(pieces)
    parts = split_text(esc(text))
    assert all(0 < len(part) <= Limits.TEXT for part in parts)
    assert "".join("".join(parts).split()) == "".join(esc(text).split())


# --- examples ----------------------------------------------------------------------------


def test_markup_is_whatsapps_own_never_html() -> None:
    two_lines = italic("baris satu\nbaris dua")
    text = (
        f"Status: {bold('Siap cetak ')}<b>&</b>\n{two_lines} {code('1605')} "
        f"{link('Peta kantor', 'https://maps.example/k')}"
    )
    assert whatsapp_text(text) == (
        "Status: *Siap cetak* <b>&</b>\n_baris satu_\n_baris dua_ ```1605``` "
        "Peta kantor: https://maps.example/k"
    )
    assert whatsapp_text(link("https://x.example", "https://x.example")) == "https://x.example"


def test_three_short_choices_are_reply_buttons_and_a_long_label_makes_a_list() -> None:
    short = Message(
        text=f"NIK {bold('1605••••••••0012')}",
        choices=((Choice("d", "Selengkapnya"), Choice("f", "Ikuti kartu ini")),),
    )
    (out,) = render(short).messages
    assert out.body["interactive"]["type"] == "button"
    assert out.body["interactive"]["body"]["text"] == "NIK *1605••••••••0012*"
    assert [b["reply"]["title"] for b in out.body["interactive"]["action"]["buttons"]] == [
        "Selengkapnya",
        "Ikuti kartu ini",
    ]
    long = Message(text="Pilih", choices=((Choice("x", "Bagaimana jika KTP-el saya hilang?"),),))
    (out,) = render(long).messages
    (row,) = out.body["interactive"]["action"]["sections"][0]["rows"]
    assert out.body["interactive"]["type"] == "list"
    assert row["title"] == "Bagaimana jika KTP-el…"
    assert row["description"] == "Bagaimana jika KTP-el saya hilang?"


def test_the_fourteen_kecamatan_are_paged_nine_and_a_next_row() -> None:
    message = Message(
        text="Pilih kecamatan:",
        choices=tuple((Choice(f"kec:{i}", name),) for i, name in enumerate(KECAMATAN)),
    )
    first = render(message)
    assert_within_limits(first)
    rows = first.messages[0].body["interactive"]["action"]["sections"][0]["rows"]
    assert len(rows) == 10 and rows[-1]["title"] == words.NEXT_PAGE
    assert first.messages[0].body["interactive"]["action"]["sections"][0]["title"] == "Pilihan 1/2"
    assert first.keep_menu is not None
    assert every_page(first) == [f"kec:{i}" for i in range(14)]
    # without a place to keep the menu: two lists, one after the other
    split = render(message, paged=False)
    assert [len(choice_ids(Rendered([m]))) for m in split.messages] == [10, 4]


def test_a_body_over_1024_characters_goes_first_as_text() -> None:
    text = "Kalimat panjang. " * 100
    rendered = render(Message(text=text, choices=((Choice("a", "Ya"),),)))
    assert [m.type for m in rendered.messages] == ["text", "interactive"]
    assert rendered.messages[1].body["interactive"]["body"]["text"] == words.CHOOSE


def test_a_long_text_is_split_between_paragraphs() -> None:
    paragraph = "Satu ide per baris. " * 100  # about 2,000 characters
    parts = split_text(bold(paragraph.strip()) + "\n\n" + paragraph * 2 + "\n\nAkhir.")
    assert parts[0] == f"*{paragraph.strip()}*"  # cut where the paragraph ends
    assert len(parts) == 2 and parts[1].endswith("\n\nAkhir.")
    assert all(len(p) <= Limits.TEXT for p in parts)


def test_venue_is_a_location_and_a_picture_an_upload_with_its_caption() -> None:
    venue = Venue(-3.2, 102.9, "Disdukcapil Musi Rawas", "Jl. Lintas Sumatera, Muara Beliti")
    rendered = render(Message(text="Kantor kami:", venue=venue))
    assert [m.type for m in rendered.messages] == ["text", "location"]
    assert rendered.messages[1].body["location"]["name"] == "Disdukcapil Musi Rawas"
    picture = Attachment("picture", "kuitansi.png", b"\x89PNG", "image/png")
    (out,) = render(Message(text=bold("Kuitansi"), attachment=picture)).messages
    assert out.type == "image" and out.upload is picture
    assert out.body["image"] == {"caption": "*Kuitansi*"}


def test_a_link_choice_is_a_line_of_the_text_and_the_main_menu_a_list() -> None:
    message = Message(
        text="Info", choices=((Choice("m", "Peta", url="https://maps.example/k"),),), menu=True
    )
    (out,) = render(message, main_menu=MAIN_MENU).messages
    assert out.body["interactive"]["body"]["text"] == "Info\n\nPeta: https://maps.example/k"
    assert choice_ids(Rendered([out])) == ["menu:cek", "menu:faq"]


def test_titles_are_one_line_and_plain() -> None:
    (out,) = render(Message(text="x", choices=((Choice("a", bold("Ya\nbenar")),),))).messages
    assert out.body["interactive"]["action"]["buttons"][0]["reply"]["title"] == "Ya benar"
    assert plain(bold("Ya")) == "Ya"
    assert not re.search("[\ue000-\ue008]", str(out.body))
