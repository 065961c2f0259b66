"""HTML parsing that takes whatever a board holds: the HTMLParser base witsync reads HTML with."""

from __future__ import annotations

from html.parser import HTMLParser


class TolerantHTMLParser(HTMLParser):
    """An HTMLParser that reads `<![` not followed by a name (`<p><![</p>`) as the bogus comment
    browsers make of it. CPython before 3.13 raises AssertionError there instead, and a
    description typed on the board must never crash a plan."""

    def parse_html_declaration(self, i: int) -> int:
        rawdata = self.rawdata
        after = i + 3
        if rawdata.startswith("<![", i) and after < len(rawdata) and not rawdata[after].isalpha():
            end = rawdata.find(">", after)
            if end < 0:
                return -1  # incomplete: at the end, HTMLParser keeps the rest as text
            self.handle_comment(rawdata[after:end])
            return end + 1
        return super().parse_html_declaration(i)
