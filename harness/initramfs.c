// SPDX-License-Identifier: GPL-2.0
#include "initramfs.h"

/* 2020-01-01, the date the guest RTC starts at under icount. */
#define CB_INITRAMFS_MTIME 1577836800

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kbuild.h"
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
	return 0;
}

char *cb_job_text(const struct cb_job *job, char *err, size_t errlen)
{
	if (cb_job_check(job, err, errlen))
		return NULL;
	return cb_strdup_printf("suites=%s\nprofile=%s\nrepetitions=%d\nfilter=%s\n",
				job->suites, job->profile, job->repetitions,
				job->filter ? job->filter : "");
}

/* odd, not a page multiple: each step shifts offsets as well as page counts */
#define PERTURB_BYTES 4157

static int run(const char *cmd)
{
	int status = system(cmd);

	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The shared libraries @bench loads, by `ldd`; their count, or -1 with @err. */
static int bench_libs(const char *bench, char **libs, size_t max, char *err, size_t errlen)
{
	char *qbench = cb_shell_quote(bench), *cmd = cb_strdup_printf("ldd %s", qbench);
	FILE *p = popen(cmd, "r");
	char text[8192];
	size_t used = 0;
	int n;

	free(cmd);
	free(qbench);
	if (p) {
		size_t got;

		while ((got = fread(text + used, 1, sizeof(text) - 1 - used, p)) > 0)
			used += got;
		pclose(p);
	}
	text[used] = '\0';
	if (used == sizeof(text) - 1) {
		snprintf(err, errlen, "ldd %s printed more than %zu bytes: cannot tell which "
			 "libraries it loads", bench, sizeof(text) - 1);
		return -1;
	}
	n = cb_ldd_parse(text, libs, max);
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

int cb_initramfs_build(const char *bindir, const char *selftests_dir,
		       const struct cb_job *job, const char *workdir, const char *out,
		       char *err, size_t errlen)
{
	char *stage = cb_path(workdir, "stage");
	char *bench = cb_path(bindir, "cowbench-bench");
	char *init = cb_path(bindir, "cowbench-guest-init");
	char *probes = cb_path(bindir, "cowbench-probes");
	char *attack = cb_path(bindir, "cowbench-attack");
	char *qbench = NULL, *qinit = NULL, *qprobes = NULL, *qattack = NULL, *qstage = NULL;
	char *libs[64];
	int nr_libs = 0, ret = -1;
	char *cmd, *text_job = cb_job_text(job, err, errlen);

	if (!text_job)
		goto out;	/* before anything is copied: @err names the key */
	if (access(bench, X_OK) || access(init, X_OK) || access(probes, X_OK) ||
	    access(attack, X_OK)) {
		snprintf(err, errlen, "missing %s, %s, %s or %s: build cowbench first "
			 "(cmake --build build)", bench, init, probes, attack);
		goto out;
	}
	qbench = cb_shell_quote(bench);
	qinit = cb_shell_quote(init);
	qprobes = cb_shell_quote(probes);
	qattack = cb_shell_quote(attack);
	qstage = cb_shell_quote(stage);
	nr_libs = bench_libs(bench, libs, sizeof(libs) / sizeof(libs[0]), err, errlen);
	if (nr_libs <= 0)
		goto out;

	/* Every path goes through cb_shell_quote(): --out may hold anything. */
	cmd = cb_strdup_printf("rm -rf %s && mkdir -p %s && cd %s && "
			       "mkdir -p cowbench/selftests proc sys dev tmp && cp %s init && "
			       "cp %s %s %s cowbench/", qstage, qstage, qstage, qinit, qbench,
			       qprobes, qattack);
	ret = run(cmd);
	free(cmd);
	/* cp -L: the library itself under the name the loader asks for. */
	for (int i = 0; i < nr_libs && !ret; i++) {
		char *dst = cb_strdup_printf("%s%s", stage, libs[i]);
		char *qdst = cb_shell_quote(dst), *qlib = cb_shell_quote(libs[i]);

		cmd = cb_strdup_printf("mkdir -p \"$(dirname %s)\" && cp -L %s %s", qdst, qlib,
				       qdst);
		ret = run(cmd);
		free(cmd);
		free(qlib);
		free(qdst);
		free(dst);
	}
	if (!ret && selftests_dir && !access(selftests_dir, R_OK)) {
		char *qsel = cb_shell_quote(selftests_dir);

		cmd = cb_strdup_printf("cp %s/* %s/cowbench/selftests/ 2>/dev/null || true", qsel,
				       qstage);
		ret = run(cmd);
		free(cmd);
		free(qsel);
	}
	if (!ret) {
		char *job_path = cb_strdup_printf("%s/cowbench/job", stage);

		ret = cb_write_file_atomic(job_path, text_job, strlen(text_job));
		free(job_path);
	}
	if (!ret && job->perturb > 0) {
		/*
		 * A perturbation boot: padding that nothing reads.  It moves
		 * what the archive's bytes decide -- how long unpacking takes,
		 * where later allocations land, so the phase at which timer
		 * interrupts hit the benchmarks -- the way a kernel change on a
		 * path no benchmark runs does.  The spread over such boots is
		 * the noise floor `check` allows (datasets/baselines/).
		 */
		size_t len = (size_t)job->perturb * PERTURB_BYTES;
		char *pad = calloc(1, len), *pad_path = cb_strdup_printf("%s/cowbench/perturb",
									   stage);

		ret = pad ? cb_write_file_atomic(pad_path, pad, len) : -1;
		free(pad);
		free(pad_path);
	}
	if (!ret) {
		/*
		 * Sorted names, fixed inode numbers (--reproducible) and fixed
		 * times: the same inputs give the same bytes.  The bytes matter
		 * beyond the content: two archives that differed only in mtimes
		 * booted into different instruction counts for the whole run.
		 */
		char *qout = cb_shell_quote(out);

		cmd = cb_strdup_printf("cd %s && find . -mindepth 1 -exec touch -h -d @%d {} + && "
				       "find . -mindepth 1 | LC_ALL=C sort | "
				       "cpio --quiet -o -H newc --reproducible -R 0:0 > %s",
				       qstage, CB_INITRAMFS_MTIME, qout);
		free(qout);
		ret = run(cmd);
		free(cmd);
	}
	if (ret)
		snprintf(err, errlen, "cannot pack the initramfs in %s", workdir);
out:
	for (int i = 0; i < nr_libs; i++)
		free(libs[i]);
	free(text_job);
	free(stage);
	free(bench);
	free(init);
	free(probes);
	free(attack);
	free(qbench);
	free(qinit);
	free(qprobes);
	free(qattack);
	free(qstage);
	return ret ? -1 : 0;
}
