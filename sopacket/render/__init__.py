"""The packet's own pages, drawn with reportlab: cover, contents, summary, questions,
medications, records index and closing page (compose), the band on every page (stamp),
and fonts for any script (fonts)."""
