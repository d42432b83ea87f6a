import hashlib
from pathlib import Path

import material

from auth_gateway.builder import OVERRIDES

# sha256 of Material's partials/header.html that auth_gateway/theme/partials/header.html
# copies. When Material changes it, re-copy the partial (keeping our search block) and
# update this checksum.
UPSTREAM_HEADER_SHA256 = "8cf3fb15bcf969ff596649616fd99366b3c31c08d57a86d05308efc16d8fa75f"


def test_the_overridden_header_partial_matches_the_installed_material():
    upstream = Path(material.__file__).parent / "templates" / "partials" / "header.html"
    assert hashlib.sha256(upstream.read_bytes()).hexdigest() == UPSTREAM_HEADER_SHA256


def test_the_header_copy_differs_only_by_the_search_block():
    upstream = (Path(material.__file__).parent / "templates" / "partials" / "header.html").read_text()
    ours = (OVERRIDES / "partials" / "header.html").read_text()
    search_block = slice(upstream.index('    {% if "material/search"'), upstream.index("    {% if config.repo_url %}"))
    before, after = upstream[:search_block.start], upstream[search_block.stop:]
    assert ours.endswith(after)
    assert ours.index("<!--entrepairs:header-->") > ours.index(before.splitlines()[-1])
    # Everything before the search block is kept, apart from the generated-file notice.
    assert before.split("-#}", 1)[1] in ours
