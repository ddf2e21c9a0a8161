/* keylog.h: the keys of every IKE SA and CHILD SA of a run, as Wireshark's own UAT files want
 * them (ikev2_decryption_table, ikev1_decryption_table, esp_sa), so that tshark decrypts a capture of the run. One per
 * world; each row once, in the order the SAs appeared. */
#ifndef MODELS_KEYLOG_H
#define MODELS_KEYLOG_H

#include <glib.h>
#include <stdbool.h>

struct keylog {
	GPtrArray *ike, *ike1, *esp;  /* rows (owned strings) in order */
	GHashTable *seen;      /* every row, to keep each once */
};

void keylog_init(struct keylog *kl);
void keylog_destroy(struct keylog *kl);

/* Takes row (g_malloc'd; NULL is ignored). */
void keylog_add_ike(struct keylog *kl, char *row);
void keylog_add_ike1(struct keylog *kl, char *row);
void keylog_add_esp(struct keylog *kl, char *row);

/* Writes dir/ikev2_decryption_table, dir/ikev1_decryption_table, dir/esp_sa and
 * dir/preferences (ESP decryption on), a directory tshark reads with WIRESHARK_CONFIG_DIR=dir. */
bool keylog_write(const struct keylog *kl, const char *dir, GError **err);

#endif
