"""The picture shown when the AI service cannot give one: an SVG with the person's initial."""

import base64
from xml.sax.saxutils import escape

TEMPLATE = """<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512"
 viewBox="0 0 512 512">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
<stop offset="0" stop-color="#8ec5fc"/><stop offset="1" stop-color="#e0c3fc"/>
</linearGradient></defs>
<rect width="512" height="512" fill="url(#g)"/>
<text x="256" y="300" font-family="sans-serif" font-size="160" text-anchor="middle"
 fill="#ffffff">{initial}</text>
<text x="256" y="440" font-family="sans-serif" font-size="32" text-anchor="middle"
 fill="#ffffff">{name}</text>
</svg>"""


def placeholder_data_uri(name: str) -> str:
    # escape(): the name is the user's text and must stay text inside the SVG.
    svg = TEMPLATE.format(initial=escape(name[:1].upper()), name=escape(name[:40]))
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
