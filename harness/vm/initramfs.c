// SPDX-License-Identifier: GPL-2.0
#include "initramfs.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cb_protocol.h"
#include "kbuild.h"
#include "cb_spawn.h"
#include "util.h"

int cb_ldd_parse(const char *ldd_output, char **paths, size_t max)
{
	size_t n = 0;

	for (const char *line = ldd_output; line && *line; ) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		char *buf = strndup(line, len), *path, *sp;

		if (!buf)
			abort();
		/* "\tlibx.so.1 => /lib/x/libx.so.1 (0x...)" or "\t/lib64/ld-linux... (0x...)" */
		char *arrow = strstr(buf, "=> ");

		if (arrow)
			path = arrow + 3;
		else
			for (path = buf; *path == ' ' || *path == '\t'; path++)
				;
		if (path[0] == '/') {
			if (n == max) {
				free(buf);
				goto too_many;
			}
			sp = strchr(path, ' ');
			if (sp)
				*sp = '\0';
			paths[n++] = strdup(path);
		}
		free(buf);
		line = eol ? eol + 1 : NULL;
	}
	return (int)n;
too_many:
	while (n)
		free(paths[--n]);
	return -1;
}

int cb_job_check(const struct cb_job *job, char *err, size_t errlen)
{
	const struct {
		const char *key, *value;
	} text[] = {
		{ "suites", job->suites }, { "profile", job->profile },
		{ "filter", job->filter ? job->filter : "" },
	};

	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		const char *c = cb_find_control(text[i].value);
		char *shown;

		if (!c)
			continue;
		shown = cb_printable(text[i].value);
		snprintf(err, errlen, "%s '%s' holds a control character (0x%02x), which "
			 "the guest's line-based job file cannot carry", text[i].key, shown,
			 (unsigned char)*c);
		free(shown);
		return -1;
	}
	if (job->repetitions < 1) {
		snprintf(err, errlen, "repetitions %d is not a count of 1 or more", job->repetitions);
		return -1;
	}
	if (job->settle_us < 0) {
		snprintf(err, errlen, "settle_us %d is negative", job->settle_us);
		return -1;
	}
	return 0;
}

char *cb_job_text(const struct cb_job *job, char *err, size_t errlen)
{
	if (cb_job_check(job, err, errlen))
		return NULL;
	return cb_strdup_printf(CB_PROTO_JOB_FORMAT, job->suites, job->profile, job->repetitions,
				job->filter ? job->filter : "", job->settle_us);
}

/* odd, not a page multiple: each step shifts offsets as well as page counts */
#define PERTURB_BYTES 4157

/* The shared libraries @bench loads, by `ldd`; their count, or -1 with @err. */
static int bench_libs(const char *bench, char **libs, size_t max, char *err, size_t errlen)
{
	char *argv[] = { "ldd", (char *)bench, NULL }, *text;
	size_t used = 0, cap = 8191;
	int n, status;

	/* stderr stays ours, as before: ldd says there why it failed */
	text = cb_spawn_capture(argv, NULL, cap, &used, NULL, &status);
	if (!text)
		text = strdup("");
	if (used == cap) {
		snprintf(err, errlen, "ldd %s printed more than %zu bytes: cannot tell which "
			 "libraries it loads", bench, cap);
		free(text);
		return -1;
	}
	n = cb_ldd_parse(text, libs, max);
	free(text);
	if (n < 0)
		snprintf(err, errlen, "ldd %s lists more than %zu libraries, more than the "
			 "initramfs takes", bench, max);
	else if (!n)
		snprintf(err, errlen, "ldd %s found no libraries: is it a dynamic executable?",
			 bench);
	return n > 0 ? n : -1;
}

int cb_guest_userland_hash(const char *bindir, char out[65], char *err, size_t errlen)
{
	static const char *const programs[] = { "cowbench-guest-init", "cowbench-bench",
						"cowbench-probes", "cowbench-attack" };
	const int nr_programs = (int)(sizeof(programs) / sizeof(programs[0]));
	char *files[64 + sizeof(programs) / sizeof(programs[0])], *list = strdup(""), hash[65];
	int nr = 0, nr_libs, ret = -1;

	for (int i = 0; i < nr_programs; i++) {
		files[nr++] = cb_path(bindir, programs[i]);
		if (access(files[i], R_OK)) {
			snprintf(err, errlen, "missing %s: build cowbench first (cmake --build build)",
				 files[i]);
			goto out;
		}
	}
	nr_libs = bench_libs(files[1], files + nr, 64, err, errlen);
	if (nr_libs < 0)
		goto out;
	nr += nr_libs;
	/* "hash name" per file, in the initramfs's order: programs, then libraries */
	for (int i = 0; i < nr; i++) {
		size_t len;
		char *data = cb_read_file(files[i], &len), *grown;

		if (!data) {
			snprintf(err, errlen, "cannot read %s: %s", files[i], strerror(errno));
			goto out;
		}
		cb_sha256_hex(data, len, hash);
		free(data);
		grown = cb_strdup_printf("%s%s %s\n", list, hash,
					 i < nr_programs ? programs[i] : files[i]);
		free(list);
		list = grown;
	}
	cb_sha256_hex(list, strlen(list), out);
	ret = 0;
out:
	for (int i = 0; i < nr; i++)
		free(files[i]);
	free(list);
	return ret;
}

/* --- the newc writer ----------------------------------------------------- */

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cb_newc_entry *)a)->name,
		      ((const struct cb_newc_entry *)b)->name);
}

static void newc_header(FILE *f, unsigned long ino, unsigned long mode, unsigned long nlink,
			unsigned long mtime, unsigned long size, const char *name)
{
	size_t namesize = strlen(name) + 1;

	/* magic, ino, mode, uid, gid, nlink, mtime, filesize, dev maj/min, rdev maj/min */
	fprintf(f, "070701%08lX%08lX%08X%08X%08lX%08lX%08lX%08X%08X%08X%08X%08zX%08X", ino,
		mode, 0, 0, nlink, mtime, size, 0, 0, 0, 0, namesize, 0);
	fwrite(name, 1, namesize, f);
	for (size_t pad = (110 + namesize) % 4; pad && pad < 4; pad++)
		fputc('\0', f);
}

int cb_newc_archive(struct cb_newc_entry *e, size_t n, char **out, size_t *len)
{
	FILE *f = open_memstream(out, len);

	if (!f)
		return -1;
	qsort(e, n, sizeof(*e), entry_cmp);
	for (size_t i = 0; i < n; i++) {
		bool dir = S_ISDIR(e[i].mode);
		unsigned long nlink = 1;

		if (dir) {
			/* as a directory on disk counts them: ".", its name, each subdirectory's ".." */
			size_t plen = strlen(e[i].name);

			nlink = 2;
			for (size_t j = i + 1; j < n; j++)
				if (S_ISDIR(e[j].mode) && !strncmp(e[j].name, e[i].name, plen) &&
				    e[j].name[plen] == '/' && !strchr(e[j].name + plen + 1, '/'))
					nlink++;
		}
		newc_header(f, (unsigned long)i, e[i].mode, nlink, CB_INITRAMFS_MTIME,
			    dir ? 0 : (unsigned long)e[i].len, e[i].name);
		if (!dir) {
			fwrite(e[i].data, 1, e[i].len, f);
			for (size_t pad = e[i].len % 4; pad && pad < 4; pad++)
				fputc('\0', f);
		}
	}
	newc_header(f, 0, 0, 1, 0, 0, "TRAILER!!!");
	/* whole 512-byte blocks, as cpio(1) writes them */
	for (long pos = ftell(f); pos % 512; pos++)
		fputc('\0', f);
	if (fclose(f)) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* --- the archive's entries ---------------------------------------------- */

struct entries {
	struct cb_newc_entry *e;	/* names and data malloc'd, owned */
	size_t n, cap;
};

/* Add or replace @name (malloc'd, taken); @data malloc'd and taken, or NULL. */
static void put(struct entries *l, char *name, unsigned mode, char *data, size_t len)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->e[i].name, name))
			continue;
		free(name);
		free((void *)l->e[i].data);
		l->e[i].mode = mode;
		l->e[i].data = data;
		l->e[i].len = len;
		return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->e = realloc(l->e, l->cap * sizeof(*l->e));
		if (!l->e)
			abort();
	}
	l->e[l->n++] = (struct cb_newc_entry){ name, mode, data, len };
}

static void free_entries(struct entries *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free((void *)l->e[i].data);
		free((char *)l->e[i].name);
	}
	free(l->e);
}

/*
 * Modes as `cp` and `mkdir -p` under umask 022 made them when the archive
 * was staged on disk: directories 0755, a copy its source's bits less 022,
 * a file written here 0644 -- now whatever the caller's umask.
 */
#define DIR_MODE (S_IFDIR | 0755)
#define DATA_MODE (S_IFREG | 0644)

static void put_dir(struct entries *l, const char *name)
{
	put(l, strdup(name), DIR_MODE, NULL, 0);
}

/* Each directory above @name ("a/b/c": "a", "a/b"). */
static void put_parents(struct entries *l, const char *name)
{
	for (const char *s = strchr(name, '/'); s; s = strchr(s + 1, '/'))
		put(l, strndup(name, (size_t)(s - name)), DIR_MODE, NULL, 0);
}

/* The file @src (links followed, as cp -L) as @name; -1 with errno. */
static int put_copy(struct entries *l, const char *name, const char *src)
{
	struct stat st;
	size_t len;
	char *data;

	if (stat(src, &st))
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return -1;
	}
	data = cb_read_file(src, &len);
	if (!data)
		return -1;
	put(l, strdup(name), S_IFREG | (st.st_mode & 0755), data, len);
	return 0;
}

/* "/lib/../lib64/ld.so" -> "lib64/ld.so": the name the loader asks for, in the archive. */
static char *archive_name(const char *path)
{
	char *copy = strdup(path), *out = calloc(1, strlen(path) + 1), *save = NULL;

	if (!copy || !out)
		abort();
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			char *slash = strrchr(out, '/');

			*(slash ? slash : out) = '\0';
			continue;
		}
		if (*out)
			strcat(out, "/");
		strcat(out, c);
	}
	free(copy);
	return out;
}

int cb_initramfs_build(const char *bindir, const char *selftests_dir,
		       const struct cb_job *job, const char *out, char *err, size_t errlen)
{
	static const struct {
		const char *name, *program;
	} programs[] = {
		{ "init", "cowbench-guest-init" },
		{ "cowbench/cowbench-bench", "cowbench-bench" },
		{ "cowbench/cowbench-probes", "cowbench-probes" },
		{ "cowbench/cowbench-attack", "cowbench-attack" },
	};
	static const char *const dirs[] = { "cowbench", "cowbench/selftests", "proc", "sys",
					    "dev", "tmp" };
	struct entries l = { 0 };
	char *bench = cb_path(bindir, "cowbench-bench"), *init = cb_path(bindir,
									 "cowbench-guest-init");
	char *probes = cb_path(bindir, "cowbench-probes");
	char *attack = cb_path(bindir, "cowbench-attack");
	char *libs[64], *text_job = cb_job_text(job, err, errlen), *archive = NULL;
	size_t archive_len = 0;
	int nr_libs = 0, ret = -1;

	if (!text_job)
		goto out;	/* before anything is read: @err names the key */
	if (access(bench, X_OK) || access(init, X_OK) || access(probes, X_OK) ||
	    access(attack, X_OK)) {
		snprintf(err, errlen, "missing %s, %s, %s or %s: build cowbench first "
			 "(cmake --build build)", bench, init, probes, attack);
		goto out;
	}
	nr_libs = bench_libs(bench, libs, sizeof(libs) / sizeof(libs[0]), err, errlen);
	if (nr_libs <= 0)
		goto out;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		put_dir(&l, dirs[i]);
	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++) {
		char *src = cb_path(bindir, programs[i].program);
		int r = put_copy(&l, programs[i].name, src);

		if (r)
			snprintf(err, errlen, "cannot read %s: %s", src, strerror(errno));
		free(src);
		if (r)
			goto out;
	}
	/* the library itself under the name the loader asks for */
	for (int i = 0; i < nr_libs; i++) {
		char *name = archive_name(libs[i]);
		int r = *name ? put_copy(&l, name, libs[i]) : (errno = EINVAL, -1);

		if (!r)
			put_parents(&l, name);
		free(name);
		if (r) {
			snprintf(err, errlen, "cannot read %s: %s", libs[i], strerror(errno));
			goto out;
		}
	}
	/* what `cp DIR/<all> ...` took: regular files not named ".*"; the rest is skipped */
	if (selftests_dir && !access(selftests_dir, R_OK)) {
		DIR *d = opendir(selftests_dir);
		struct dirent *de;

		while (d && (de = readdir(d))) {
			char *src, *name;

			if (de->d_name[0] == '.')
				continue;
			src = cb_path(selftests_dir, de->d_name);
			name = cb_path("cowbench/selftests", de->d_name);
			put_copy(&l, name, src);
			free(name);
			free(src);
		}
		if (d)
			closedir(d);
	}
	put(&l, strdup("cowbench/job"), DATA_MODE, text_job, strlen(text_job));
	text_job = NULL;
	if (job->perturb > 0) {
		/*
		 * A perturbation boot: padding that nothing reads.  It moves
		 * what the archive's bytes decide -- how long unpacking takes,
		 * where later allocations land, so the phase at which timer
		 * interrupts hit the benchmarks -- the way a kernel change on a
		 * path no benchmark runs does.  The spread over such boots is
		 * the noise floor `check` allows (datasets/baselines/).
		 */
		size_t len = (size_t)job->perturb * PERTURB_BYTES;
		char *pad = calloc(1, len);

		if (!pad)
			abort();
		put(&l, strdup("cowbench/perturb"), DATA_MODE, pad, len);
	}
	/*
	 * Sorted names, inode numbers by that order, fixed owner and times:
	 * the same inputs give the same bytes.  The bytes matter beyond the
	 * content: two archives that differed only in mtimes booted into
	 * different instruction counts for the whole run.
	 */
	if (cb_newc_archive(l.e, l.n, &archive, &archive_len) ||
	    cb_write_file_atomic(out, archive, archive_len))
		snprintf(err, errlen, "cannot write the initramfs %s: %s", out, strerror(errno));
	else
		ret = 0;
out:
	for (int i = 0; i < nr_libs; i++)
		free(libs[i]);
	free_entries(&l);
	free(archive);
	free(text_job);
	free(bench);
	free(init);
	free(probes);
	free(attack);
	return ret;
}
