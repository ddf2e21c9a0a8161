# tests/html.mk: HTML report, compare, and the headless-Chromium test.
