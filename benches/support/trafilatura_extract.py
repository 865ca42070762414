"""Runs trafilatura (Python, default settings) over pages for benches/extraction.rs.

Reads a JSON list of {"id", "path", "url"} on stdin and writes one JSON object
on stdout: {"seconds": extraction time, "pages": {id: {"title", "text",
"with_metadata"}}}, where "with_metadata" is `extract(..., with_metadata=True)`,
the plain-text output with its metadata header (title, description, ...).
"""

import gzip
import json
import sys
import time

import trafilatura


def main():
    pages = json.load(sys.stdin)
    out = {}
    seconds = 0.0
    for page in pages:
        with open(page["path"], "rb") as file:
            raw = file.read()
        if page["path"].endswith(".gz"):
            raw = gzip.decompress(raw)
        started = time.perf_counter()
        document = trafilatura.bare_extraction(raw, url=page["url"], with_metadata=True)
        seconds += time.perf_counter() - started
        with_metadata = trafilatura.extract(raw, url=page["url"], with_metadata=True)
        if document is None:
            out[page["id"]] = {"title": "", "text": "", "with_metadata": with_metadata or ""}
            continue
        fields = document.as_dict() if hasattr(document, "as_dict") else document
        out[page["id"]] = {
            "title": fields.get("title") or "",
            "text": fields.get("text") or "",
            "with_metadata": with_metadata or "",
        }
    json.dump({"seconds": seconds, "pages": out}, sys.stdout)


if __name__ == "__main__":
    main()
