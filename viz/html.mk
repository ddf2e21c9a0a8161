# viz/html.mk: the one-file HTML report and comparison pages (json-glib reads report.json).
viz_libviz_a_SOURCES += viz/html.h viz/html.c
viz_libviz_a_CFLAGS += $(JSONGLIB_CFLAGS)
VIZ_LIBS += $(JSONGLIB_LIBS)
