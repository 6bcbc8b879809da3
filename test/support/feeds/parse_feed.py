"""What a real feed reader sees: parses the RSS or Atom document on stdin with
feedparser (Debian's python3-feedparser) and prints it as JSON.

Besides feedparser's own view (bozo flag, version, feed and entries), the
document is also parsed with expat through xml.dom.minidom, which rejects any
XML that is not well-formed (bad characters, unescaped markup, bad entities).
HTML sanitizing is off so the tests see the content exactly as published.
"""
import calendar
import json
import sys
import xml.dom.minidom

import feedparser


def ms(parsed):
    """A time.struct_time (UTC) as milliseconds since the epoch, or None."""
    return None if parsed is None else calendar.timegm(parsed) * 1000


def raw(d, key):
    # dict.get skips FeedParserDict's key aliases (e.g. updated -> published).
    return dict.get(d, key)


def detail(d):
    return None if d is None else {"type": d.get("type"), "value": d.get("value")}


def links(d):
    return [{"rel": l.get("rel"), "href": l.get("href"), "type": l.get("type")} for l in raw(d, "links") or []]


def main():
    data = sys.stdin.buffer.read()
    try:
        xml.dom.minidom.parseString(data)
        well_formed, xml_error = True, None
    except Exception as error:  # noqa: BLE001 - report any parser error
        well_formed, xml_error = False, str(error)

    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    feed = parsed.feed
    out = {
        "wellFormed": well_formed,
        "xmlError": xml_error,
        "bozo": bool(parsed.bozo),
        "bozoException": str(parsed.get("bozo_exception")) if parsed.bozo else None,
        "version": parsed.version,
        "encoding": parsed.get("encoding"),
        "feed": {
            "id": raw(feed, "id"),
            "title": raw(feed, "title"),
            "titleDetail": detail(raw(feed, "title_detail")),
            "subtitle": raw(feed, "subtitle"),
            "link": raw(feed, "link"),
            "links": links(feed),
            "language": raw(feed, "language"),
            "generator": raw(feed, "generator"),
            "author": raw(feed, "author"),
            "updated": ms(raw(feed, "updated_parsed")),
            "published": ms(raw(feed, "published_parsed")),
        },
        "entries": [
            {
                "id": raw(e, "id"),
                "guidIsLink": raw(e, "guidislink"),
                "title": raw(e, "title"),
                "titleDetail": detail(raw(e, "title_detail")),
                "link": raw(e, "link"),
                "links": links(e),
                "published": ms(raw(e, "published_parsed")),
                "updated": ms(raw(e, "updated_parsed")),
                "summary": raw(e, "summary"),
                "summaryDetail": detail(raw(e, "summary_detail")),
                "content": [detail(c) for c in raw(e, "content") or []],
            }
            for e in parsed.entries
        ],
    }
    # ASCII-only JSON, whatever the locale's stdout encoding.
    json.dump(out, sys.stdout, ensure_ascii=True)


if __name__ == "__main__":
    main()
