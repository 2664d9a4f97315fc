"""Realistic generated data for HELPLINE_DEMO=1 and for bench/ (a plain package, not an app)."""
