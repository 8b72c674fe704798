"""The atlas: every small network shape solved and verified, one row per (widths, m), and what the rows say."""
