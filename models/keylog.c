/* keylog.c: collecting and writing Wireshark's key tables. */
#include "models/keylog.h"

#include <errno.h>
#include <glib/gstdio.h>

void keylog_init(struct keylog *kl)
{
	kl->ike = g_ptr_array_new_with_free_func(g_free);
	kl->ike1 = g_ptr_array_new_with_free_func(g_free);
	kl->esp = g_ptr_array_new_with_free_func(g_free);
	kl->seen = g_hash_table_new(g_str_hash, g_str_equal);
}

void keylog_destroy(struct keylog *kl)
{
	if (!kl->seen)
		return;
	g_hash_table_destroy(kl->seen);
	g_ptr_array_free(kl->ike, TRUE);
	g_ptr_array_free(kl->ike1, TRUE);
	g_ptr_array_free(kl->esp, TRUE);
	kl->seen = NULL;
}

static void add(struct keylog *kl, GPtrArray *to, char *row)
{
	if (!row)
		return;
	if (g_hash_table_contains(kl->seen, row)) {
		g_free(row);
		return;
	}
	g_ptr_array_add(to, row);
	g_hash_table_add(kl->seen, row);
}

void keylog_add_ike(struct keylog *kl, char *row)
{
	add(kl, kl->ike, row);
}

void keylog_add_ike1(struct keylog *kl, char *row)
{
	add(kl, kl->ike1, row);
}

void keylog_add_esp(struct keylog *kl, char *row)
{
	add(kl, kl->esp, row);
}

static bool write_rows(const GPtrArray *rows, const char *dir, const char *name, GError **err)
{
	GString *s = g_string_new("# written by vpnsim: one row per security association\n");
	for (guint i = 0; i < rows->len; i++)
		g_string_append_printf(s, "%s\n", (const char *)rows->pdata[i]);
	g_autofree char *path = g_build_filename(dir, name, NULL);
	bool ok = g_file_set_contents(path, s->str, (gssize)s->len, err);
	g_string_free(s, TRUE);
	return ok;
}

bool keylog_write(const struct keylog *kl, const char *dir, GError **err)
{
	if (g_mkdir_with_parents(dir, 0755) != 0) {
		int e = errno;
		g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e), "cannot create %s: %s", dir, g_strerror(e));
		return false;
	}
	g_autofree char *prefs = g_build_filename(dir, "preferences", NULL);
	return write_rows(kl->ike, dir, "ikev2_decryption_table", err) &&
	       write_rows(kl->ike1, dir, "ikev1_decryption_table", err) && write_rows(kl->esp, dir, "esp_sa", err) &&
	       g_file_set_contents(prefs, "# written by vpnsim\nesp.enable_encryption_decode: TRUE\n", -1, err);
}
