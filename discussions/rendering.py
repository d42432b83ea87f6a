"""Render members' Markdown comments to sanitised HTML.

The pipeline has three stages, each of which is safe on its own terms:

1. Normalise the text: unify line endings and remove the invisible characters
   listed in ``_INVISIBLE`` (NUL and other control characters, bidirectional
   embedding/override/isolate controls, zero-width spaces).
2. Convert it with Python-Markdown, restricted to built-in extensions that only
   produce plain structure (``fenced_code``, ``sane_lists``, ``tables``,
   ``nl2br``) plus the local ``_CommentExtension``, which

   * turns raw HTML off: whatever a member types between ``<`` and ``>`` is shown
     literally (escaped), never interpreted. ``<script>alert(1)</script>`` is
     displayed as that text. This is deliberate: advisors write placeholders such
     as ``<prénom>`` or quote snippets, and seeing exactly what they typed is
     less surprising than silently losing it;
   * demotes headings by three levels (``#`` gives ``h4``, ``##`` gives ``h5``,
     deeper levels give ``h6``) so that a comment never looks like the page's
     own structure;
   * replaces images with plain links to them: nothing in a comment is fetched
     by the reader's browser without a click (no tracking pixels);
   * bounds the work done to parse ``[links](…)``: stock Python-Markdown rescans
     to the end of the paragraph for every ``[`` or ``](`` that does not close,
     which is quadratic (8,000 ``[`` took 13 s, 20,000 would take over a minute).

3. Sanitise the HTML with nh3 (ammonia) against an explicit allowlist
   (``ALLOWED_TAGS``, ``ALLOWED_ATTRIBUTES``, ``ALLOWED_URL_SCHEMES``). This is
   the security boundary: even if stage 2 let something through, no tag,
   attribute or URL scheme outside the allowlist can survive it. Content of
   script-like tags is dropped entirely (``CLEAN_CONTENT_TAGS``).

Finally the invisible characters are removed once more, because character
references in the text (``&#x202E;``) are only decoded by the sanitiser. This
last step cannot change a link target: any ``href`` containing such a
character has already been refused by the sanitiser's attribute filter.

The result is deterministic (same text, same HTML) and meant to be stored next
to the comment together with ``POLICY_VERSION``.
"""

import html
import logging
import re
import xml.etree.ElementTree as etree

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.tables import TableExtension
from markdown.inlinepatterns import (
    IMAGE_LINK_RE,
    IMAGE_REFERENCE_RE,
    LINK_RE,
    REFERENCE_RE,
    ImageInlineProcessor,
    ImageReferenceInlineProcessor,
    LinkInlineProcessor,
    ReferenceInlineProcessor,
    ShortImageReferenceInlineProcessor,
    ShortReferenceInlineProcessor,
)
from markdown.treeprocessors import Treeprocessor

logger = logging.getLogger(__name__)

# Bump POLICY_VERSION whenever the allowed tags, attributes, URL schemes or
# Markdown extensions change, or anything else that changes the HTML produced
# for the same text: stored HTML rendered under an older version is re-rendered.
POLICY_VERSION: int = 1

#: Tags that may appear in a rendered comment: exactly what the enabled
#: Markdown features produce. No ``img`` (no external images or tracking
#: pixels), no ``h1``-``h3`` (headings are demoted), no forms, frames, media,
#: SVG or MathML.
ALLOWED_TAGS = frozenset({
    "p", "br", "hr",
    "strong", "em", "code", "pre",
    "a",
    "ul", "ol", "li",
    "blockquote",
    "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
})

#: Attributes allowed per tag. No ``style``, ``class`` or ``id`` anywhere.
#: ``rel`` is not listed: the sanitiser sets it on every link (``LINK_REL``).
ALLOWED_ATTRIBUTES = {
    "a": frozenset({"href", "title"}),
    "ol": frozenset({"start"}),
}

#: Attributes allowed on a tag only with one of the listed values
#: (table column alignment, emitted as ``align`` rather than ``style``).
ALLOWED_ATTRIBUTE_VALUES = {
    "th": {"align": frozenset({"left", "center", "right"})},
    "td": {"align": frozenset({"left", "center", "right"})},
}

#: URL schemes allowed in ``href``. Relative URLs (``/fiches/…``, ``#…``) are
#: kept so that members can point to pages of the knowledge base.
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})

#: Added to every link: no ranking gift to spammers, no ``window.opener``, no
#: Referer leaking the private page's address.
LINK_REL = "nofollow noopener noreferrer"

#: Tags removed together with their content, should one ever reach the
#: sanitiser (raw HTML is already disabled in the Markdown stage).
CLEAN_CONTENT_TAGS = frozenset({
    "script", "style", "noscript", "template", "title", "textarea", "xmp",
    "iframe", "noembed", "noframes", "object", "embed", "svg", "math",
})

#: Above this many characters the text is not parsed as Markdown but shown as
#: escaped plain text (paragraphs and line breaks kept). Python-Markdown is
#: super-linear on some inputs (many inline elements in one paragraph), so this
#: bounds the CPU time of a single call whatever the caller lets through. The
#: discussions service itself limits comments to 20,000 characters.
MAX_MARKDOWN_CHARS = 50_000

# Links are parsed by hand-written scanners in Python-Markdown; these bound them.
#: A link target (URL and title) longer than this is left as text.
_MAX_LINK_TARGET_CHARS = 2_048
#: Characters the link-target scanner may examine in one call to render_markdown.
_LINK_SCAN_BUDGET = 200_000
#: Brackets examined inside one link text before giving up (it is left as text).
_MAX_NESTED_BRACKETS = 16

# Invisible characters removed from the text and from the output:
# - C0 controls except tab, line feed and carriage return (this includes STX and
#   ETX, which Python-Markdown uses to mark its internal placeholders); DEL; C1
#   controls;
# - bidirectional embeddings, overrides and isolates (U+202A-U+202E,
#   U+2066-U+2069): they reorder what is displayed, so a comment could show
#   text (or a file name, or an address) other than what it contains;
# - zero-width space, word joiner, invisible mathematical operators,
#   Mongolian vowel separator and zero-width no-break space / BOM, which only
#   serve to hide or split words.
# Kept on purpose: zero-width joiner and non-joiner (U+200D, U+200C), which
# build emoji sequences and are required by several scripts, and the
# left-to-right / right-to-left marks (U+200E, U+200F, U+061C), which do not
# override anything and are needed to display mixed Arabic or Hebrew and
# French correctly.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    "\u180e\u200b\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_NEWLINES = re.compile(r"\r\n?")
_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")
_BRACKETS = re.compile(r"[\[\]]")
_DIGITS = re.compile(r"[0-9]{1,9}")


def render_markdown(text: str) -> str:
    """Convert a member's Markdown comment to sanitised, deterministic HTML."""
    text = _INVISIBLE.sub("", _NEWLINES.sub("\n", text))
    if len(text) > MAX_MARKDOWN_CHARS:
        unsafe_html = _render_plain_text(text)
    else:
        try:
            unsafe_html = _new_markdown().convert(text)
        except Exception as error:  # deep nesting (RecursionError) or a parser bug
            logger.warning("Markdown conversion failed (%s); rendering as plain text",
                           type(error).__name__, exc_info=not isinstance(error, RecursionError))
            unsafe_html = _render_plain_text(text)
    return _INVISIBLE.sub("", _CLEANER.clean(unsafe_html))


def _render_plain_text(text: str) -> str:
    """Render text as escaped paragraphs with line breaks, without any Markdown."""
    paragraphs = (p.strip("\n") for p in _BLANK_LINES.split(text.strip("\n")))
    return "\n".join(
        "<p>" + html.escape(p, quote=False).replace("\n", "<br>\n") + "</p>"
        for p in paragraphs if p
    )


def _new_markdown() -> markdown.Markdown:
    """Return a fresh Markdown converter configured for comments.

    Python-Markdown instances keep state and are not thread-safe. Building one
    costs about 0.5 ms, against about 0.25 ms for resetting a per-thread
    instance: a fresh instance per call is kept for its isolation (no state can
    leak from one comment to the next, even after an exception).
    """
    return markdown.Markdown(
        extensions=[
            "fenced_code",
            "sane_lists",
            "nl2br",
            TableExtension(use_align_attribute=True),
            _CommentExtension(),
        ],
        output_format="html",
    )


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Drop links hiding invisible characters and non-numeric list starts."""
    if attribute == "href" and _INVISIBLE.search(value):
        # Relative URLs are not parsed by the sanitiser: "java\u202escript:" would
        # pass as one, then become "javascript:" once the character is removed.
        return None
    if tag == "ol" and attribute == "start" and not _DIGITS.fullmatch(value):
        return None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(CLEAN_CONTENT_TAGS),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    tag_attribute_values={
        tag: {name: set(values) for name, values in rules.items()}
        for tag, rules in ALLOWED_ATTRIBUTE_VALUES.items()
    },
    attribute_filter=_filter_attribute,
    url_schemes=set(ALLOWED_URL_SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
)


class _CommentExtension(Extension):
    """Adapt Python-Markdown to untrusted comments (see the module docstring)."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        """Disable raw HTML, bound link parsing and register the tree rewriter."""
        md.preprocessors.deregister("html_block", strict=False)
        md.inlinePatterns.deregister("html", strict=False)
        guard = _LinkScanGuard()
        for cls, pattern, name, priority in (
            (_ReferenceProcessor, REFERENCE_RE, "reference", 170),
            (_LinkProcessor, LINK_RE, "link", 160),
            (_ImageProcessor, IMAGE_LINK_RE, "image_link", 150),
            (_ImageReferenceProcessor, IMAGE_REFERENCE_RE, "image_reference", 140),
            (_ShortReferenceProcessor, REFERENCE_RE, "short_reference", 130),
            (_ShortImageReferenceProcessor, IMAGE_REFERENCE_RE, "short_image_ref", 125),
        ):
            processor = cls(pattern, md)
            processor.guard = guard
            md.inlinePatterns.register(processor, name, priority)
        # After inline patterns (20), so that links and images exist.
        md.treeprocessors.register(_CommentTreeprocessor(md), "entrepairs_comment", 15)


class _LinkScanGuard:
    """Hold the link-scanning budget shared by the processors of one render."""

    def __init__(self) -> None:
        """Start with the full budget."""
        self.budget = _LINK_SCAN_BUDGET


class _BoundedLinkParsing:
    """Replace Python-Markdown's quadratic ``[text]`` and ``(target)`` scanners.

    Upstream scans character by character to the end of the paragraph for
    every ``[`` and every ``](`` that does not close. ``getText`` finds the
    closing ``]`` with ``str.find`` and only counts nested brackets (at most
    ``_MAX_NESTED_BRACKETS`` of them) when there are some. ``getLink`` runs the
    upstream scanner on a window of ``_MAX_LINK_TARGET_CHARS``, only when a
    ``)`` is in sight, and within a budget per render; once the budget is
    spent, the remaining links are left as text.
    """

    guard: _LinkScanGuard

    def getText(self, data: str, index: int) -> tuple[str, int, bool]:
        """Return the link text, the index after its ``]`` and whether it closed."""
        closing = data.find("]", index)
        if closing < 0:
            return "", index, False
        if data.find("[", index, closing) >= 0:
            closing = _matching_bracket(data, index)
            if closing is None:
                return "", index, False
        return data[index:closing], closing + 1, True

    def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:
        """Return the link target, its title, the index after it and whether it closed."""
        end = min(len(data), index + _MAX_LINK_TARGET_CHARS)
        if self.guard.budget <= 0 or data.find(")", index, end) < 0:
            return "", None, index, False
        window = data[index:end]
        href, title, length, handled = super().getLink(window, 0)  # type: ignore[misc]
        self.guard.budget -= length if handled else len(window)
        return href, title, index + length, handled


def _matching_bracket(data: str, index: int) -> int | None:
    """Return the position of the ``]`` closing a ``[`` just before ``index``."""
    depth = 1
    for count, match in enumerate(_BRACKETS.finditer(data, index)):
        if count >= _MAX_NESTED_BRACKETS:
            return None
        depth += 1 if match.group() == "[" else -1
        if depth == 0:
            return match.start()
    return None


class _LinkProcessor(_BoundedLinkParsing, LinkInlineProcessor):
    """Parse ``[text](target)`` with bounded scanning."""


class _ImageProcessor(_BoundedLinkParsing, ImageInlineProcessor):
    """Parse ``![alt](target)`` with bounded scanning."""


class _ReferenceProcessor(_BoundedLinkParsing, ReferenceInlineProcessor):
    """Parse ``[text][id]`` with bounded scanning."""


class _ShortReferenceProcessor(_BoundedLinkParsing, ShortReferenceInlineProcessor):
    """Parse ``[id]`` with bounded scanning."""


class _ImageReferenceProcessor(_BoundedLinkParsing, ImageReferenceInlineProcessor):
    """Parse ``![alt][id]`` with bounded scanning."""


class _ShortImageReferenceProcessor(_BoundedLinkParsing, ShortImageReferenceInlineProcessor):
    """Parse ``![id]`` with bounded scanning."""


_HEADING_DEMOTION = {"h1": "h4", "h2": "h5", "h3": "h6", "h4": "h6", "h5": "h6", "h6": "h6"}


class _CommentTreeprocessor(Treeprocessor):
    """Demote headings and turn images into links (or their text, inside a link)."""

    def run(self, root: etree.Element) -> None:
        """Rewrite the document tree in place, without recursion."""
        stack = [(root, False)]
        while stack:
            parent, in_link = stack.pop()
            for child in list(parent):
                if child.tag in _HEADING_DEMOTION:
                    child.tag = _HEADING_DEMOTION[child.tag]
                elif child.tag == "img":
                    self._replace_image(parent, child, in_link)
                    continue
                stack.append((child, in_link or child.tag == "a"))

    @staticmethod
    def _replace_image(parent: etree.Element, image: etree.Element, in_link: bool) -> None:
        """Replace an image by a link to it, or by its alt text inside a link."""
        src = image.get("src", "")
        alt = image.get("alt", "")
        if src and not in_link:
            title = image.get("title")
            image.attrib.clear()
            image.tag = "a"
            image.set("href", src)
            if title:
                image.set("title", title)
            image.text = alt or src
            return
        text = alt + (image.tail or "")
        position = list(parent).index(image)
        if position == 0:
            parent.text = (parent.text or "") + text
        else:
            previous = parent[position - 1]
            previous.tail = (previous.tail or "") + text
        parent.remove(image)
