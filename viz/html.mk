# viz/html.mk: the one-file HTML report and comparison pages.
