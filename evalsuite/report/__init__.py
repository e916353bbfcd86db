"""Reports: aggregate tables and the files a person reads (Markdown, CSV, LaTeX, offline HTML with figures)."""
