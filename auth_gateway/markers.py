"""The markers the theme overrides (auth_gateway/theme) write into every built page, and
which the gateway replaces on each request."""

import html
import re

#: In the header: the search form and the member's menu go here.
HEADER = b"<!--entrepairs:header-->"
#: In the 404 page, the shell of the gateway's own pages: their title and content.
GATEWAY_TITLE = b"ENTREPAIRS_GATEWAY_TITLE"
GATEWAY_CONTENT = b"<!--entrepairs:gateway-content-->"
#: After a page's content, with its source path: the page's discussion goes here.
THREAD = re.compile(rb"<!--entrepairs:thread (.+?)-->")
#: Under the page's title: its comment count ("%s" is the marker's escaped source path).
COUNT = b"<!--entrepairs:count %s-->"


def page_source(body):
    """Return the source path a built page (bytes) carries in its thread marker, or None."""
    match = THREAD.search(body)
    return html.unescape(match.group(1).decode()) if match else None
