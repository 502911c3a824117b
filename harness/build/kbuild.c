// SPDX-License-Identifier: GPL-2.0
#include "kbuild.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <regex.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cb_spawn.h"
#include "exit.h"
#include "kconfig.h"
#include "util.h"
#include "selftests.h"

/* Bump when the recipe changes: 2, the KVM selftests (bench/selftests.h). */
#define KBUILD_SCHEME "cowbench-kbuild-2"
#define DEBIAN_SRC_DIR "/usr/src"

const char *cb_cache_root(void)
{
	static char root[512];
	const char *env = getenv("COWBENCH_CACHE");
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");

	if (env && *env)
		snprintf(root, sizeof(root), "%s", env);
	else if (xdg && *xdg)
		snprintf(root, sizeof(root), "%s/cowbench", xdg);
	else
		snprintf(root, sizeof(root), "%s/.cache/cowbench", home && *home ? home : "/tmp");
	return root;
}

void cb_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;

	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
	out[64] = '\0';
}

/*
 * Run @argv (no shell) in @cwd (NULL: ours) with @env added, stdout and
 * stderr appended to @log, stdin /dev/null.  Its exit code, 128 + signal.
 */
static int run_in(const char *log, const char *cwd, char *const env[], char *const argv[])
{
	struct cb_spawn_opts o = { .cwd = cwd, .log = log, .env_add = env };

	return cb_spawn_exit_code(cb_spawn(argv, &o));
}

#define RUN(log, cwd, ...) run_in(log, cwd, NULL, (char *[]){ __VA_ARGS__, NULL })

/* First line of what @argv prints (stderr dropped); NULL when it fails or prints none. */
#define OUTPUT(...) cb_command_line_output((char *[]){ __VA_ARGS__, NULL })

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

int cb_kbuild_source_id(const struct cb_kdef *k, char *id, size_t len, char *err,
			size_t errlen)
{
	if (starts_with(k->source, "debian:")) {
		const char *pkg = k->source + 7;
		char *tarball = cb_strdup_printf(DEBIAN_SRC_DIR "/%s.tar.xz", pkg);
		char *version;

		if (access(tarball, R_OK)) {
			snprintf(err, errlen, "kernel %s: source %s is missing; install it with "
				 "'apt-get install %s' (scripts/deps.sh does)", k->name, tarball, pkg);
			free(tarball);
			return -1;
		}
		version = OUTPUT("dpkg-query", "-W", "-f", "${Version}", (char *)pkg);
		snprintf(id, len, "debian:%s=%s", pkg, version ? version : "unknown");
		free(version);
		free(tarball);
		return 0;
	}
	if (starts_with(k->source, "git:")) {
		char repo[512], *at, *ref, *sha;

		snprintf(repo, sizeof(repo), "%s", k->source + 4);
		at = strrchr(repo, '@');
		if (!at) {
			snprintf(err, errlen, "kernel %s: source '%s' wants git:/path/to/tree@ref",
				 k->name, k->source);
			return -1;
		}
		*at = '\0';
		ref = cb_strdup_printf("%s^{commit}", at + 1);
		sha = OUTPUT("git", "-C", repo, "rev-parse", "--verify", ref);
		free(ref);
		if (!sha) {
			snprintf(err, errlen, "kernel %s: cannot resolve %s in git tree %s",
				 k->name, at + 1, repo);
			return -1;
		}
		snprintf(id, len, "git:%s", sha);
		free(sha);
		return 0;
	}
	snprintf(err, errlen, "kernel %s: unknown source '%s' (want debian:PACKAGE or "
		 "git:/path@ref)", k->name, k->source);
	return -1;
}

int cb_series_read(const char *series, char ***patches, size_t *nr, char *err,
		   size_t errlen)
{
	char *text = cb_read_file(series, NULL), *save;
	char *dir = strdup(series), *slash;

	*patches = NULL;
	*nr = 0;
	if (!text || !dir) {
		snprintf(err, errlen, "cannot read patch series %s: %s", series, strerror(errno));
		free(text);
		free(dir);
		return -1;
	}
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		line[strcspn(line, " \t#")] = '\0';
		if (!*line)
			continue;
		*patches = realloc(*patches, (*nr + 1) * sizeof(char *));
		if (!*patches)
			abort();
		(*patches)[(*nr)++] = slash ? cb_path(dir, line) : strdup(line);
	}
	free(text);
	free(dir);
	return 0;
}

static void free_list(char **list, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		free(list[i]);
	free(list);
}

/* Hash of the named files' names and contents, in order. */
static int hash_files(char **files, size_t nr, char out[65], char *err, size_t errlen)
{
	char *all = strdup("");

	for (size_t i = 0; i < nr; i++) {
		size_t len;
		char *text = cb_read_file(files[i], &len);
		const char *base = strrchr(files[i], '/');

		if (!text) {
			snprintf(err, errlen, "cannot read %s: %s", files[i], strerror(errno));
			free(all);
			return -1;
		}
		char *next = cb_strdup_printf("%s\n--- %s %zu\n%s", all, base ? base + 1 : files[i],
					      len, text);

		free(all);
		free(text);
		all = next;
	}
	cb_sha256_hex(all, strlen(all), out);
	free(all);
	return 0;
}

int cb_kbuild_key(const struct cb_kdef *k, struct cb_kernel_artifact *a, char *err,
		  size_t errlen)
{
	char **patches = NULL, *configs[CB_KDEF_MAX_CONFIGS];
	size_t nr_patches = 0;
	char *gcc, *all;
	int ret = -1;

	memset(a, 0, sizeof(*a));
	if (cb_kbuild_source_id(k, a->source_id, sizeof(a->source_id), err, errlen))
		return -1;
	if (cb_series_read(k->series, &patches, &nr_patches, err, errlen))
		return -1;
	if (hash_files(patches, nr_patches, a->series_hash, err, errlen))
		goto out;
	for (size_t i = 0; i < k->nr_configs; i++)
		configs[i] = (char *)k->configs[i];
	if (hash_files(configs, k->nr_configs, a->config_hash, err, errlen))
		goto out;
	gcc = OUTPUT("gcc", "--version");
	all = cb_strdup_printf("%s\n%s\n%s\n%s\n%s\n", KBUILD_SCHEME, a->source_id,
			       a->series_hash, a->config_hash, gcc ? gcc : "no gcc");
	cb_sha256_hex(all, strlen(all), a->key);
	free(all);
	free(gcc);
	snprintf(a->dir, sizeof(a->dir), "%s/artifacts/%.16s", cb_cache_root(), a->key);
	snprintf(a->bzimage, sizeof(a->bzimage), "%s/bzImage", a->dir);
	ret = 0;
out:
	free_list(patches, nr_patches);
	return ret;
}

/* --- progress --------------------------------------------------------- */

struct progress {
	const char *kernel;
	bool quiet;
	double start, stage_start;
	int stage, nr_stages;
	const char *stage_name;
	double expect_s;	/* last build's compile time, 0 unknown */
	size_t expect_objects;	/* objects the last build compiled, 0 unknown */
};

static void stage(struct progress *p, const char *name)
{
	p->stage++;
	p->stage_name = name;
	p->stage_start = cb_now_s();
	if (!p->quiet)
		printf("[build %s] %d/%d %s (%.0f s so far)\n", p->kernel, p->stage, p->nr_stages,
		       name, p->stage_start - p->start);
	fflush(stdout);
}

/* --- the steps ---------------------------------------------------------- */

struct kbuild {
	const struct cb_kdef *k;
	struct cb_kernel_artifact *a;
	char *tree, *obj, *log;
	char *oarg;		/* "O=<obj>" */
	int jobs;
	char *err;
	size_t errlen;
};

static int fail(struct kbuild *b, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct kbuild *b, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->err, b->errlen, fmt, ap);
	va_end(ap);
	return code;
}

/*
 * `git -C @repo archive --format=tar @commit | tar -x -C @dir`, the two
 * joined by a pipe here: 0 when both succeed, else the first failure's
 * exit code.
 */
static int archive_into(const char *log, const char *repo, const char *commit, const char *dir)
{
	char *git[] = { "git", "-C", (char *)repo, "archive", "--format=tar", (char *)commit,
			NULL };
	char *tar[] = { "tar", "-x", "-C", (char *)dir, NULL };
	int fds[2], log_fd, g, t;
	pid_t gpid, tpid;

	if (pipe2(fds, O_CLOEXEC))
		return -1;
	/* git's stderr to the log as well, by an fd of its own (its stdout is the pipe) */
	log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	gpid = cb_spawn_start(git, &(struct cb_spawn_opts){ .stdout_fd = fds[1],
							     .stderr_fd = log_fd });
	close(fds[1]);
	tpid = cb_spawn_start(tar, &(struct cb_spawn_opts){ .stdin_fd = fds[0], .log = log });
	close(fds[0]);
	if (log_fd >= 0)
		close(log_fd);
	g = cb_spawn_exit_code(cb_spawn_wait(gpid, 0));
	t = cb_spawn_exit_code(cb_spawn_wait(tpid, 0));
	return g ? g : t;
}

static int prepare_tree(struct kbuild *b)
{
	char *marker = cb_path(b->tree, ".git/cowbench-source");
	char *have = cb_read_file(marker, NULL);
	int ret = 0;

	if (have && !strcmp(have, b->a->source_id)) {
		free(have);
		free(marker);
		return 0;
	}
	free(have);
	char *tmp = cb_strdup_printf("%s.tmp", b->tree);
	const char *src = b->k->source;

	cb_remove_tree(tmp);
	cb_remove_tree(b->tree);
	cb_mkdir_p(tmp);
	if (starts_with(src, "debian:")) {
		char *tarball = cb_strdup_printf(DEBIAN_SRC_DIR "/%s.tar.xz", src + 7);

		ret = RUN(b->log, NULL, "tar", "-xJf", tarball, "-C", tmp, "--strip-components=1");
		free(tarball);
	} else {
		char repo[512], *at;

		snprintf(repo, sizeof(repo), "%s", src + 4);
		at = strrchr(repo, '@');
		*at = '\0';
		ret = archive_into(b->log, repo, b->a->source_id + 4, tmp);
	}
	/* -f: the pristine commit holds every file, ignored or not. */
	if (!ret)
		ret = RUN(b->log, tmp, "git", "init", "-q");
	/* gc.auto=0: no background repack of 80k files after the commit. */
	if (!ret)
		ret = RUN(b->log, tmp, "git", "config", "gc.auto", "0");
	if (!ret)
		ret = RUN(b->log, tmp, "git", "add", "-A", "-f");
	if (!ret)
		ret = RUN(b->log, tmp, "git", "-c", "user.name=cowbench", "-c",
			  "user.email=cowbench@localhost", "commit", "-q", "-m", "pristine");
	if (!ret && rename(tmp, b->tree))
		ret = -1;
	if (ret)
		ret = fail(b, CB_EXIT_FAIL, "cannot unpack %s into %s (log: %s)", src, tmp, b->log);
	else if (cb_write_file_atomic(marker, b->a->source_id, strlen(b->a->source_id)))
		ret = fail(b, CB_EXIT_FAIL, "cannot write %s", marker);
	free(tmp);
	free(marker);
	return ret;
}

/*
 * What `git apply --check` says of @patch, its first two lines joined by
 * spaces (each line ends in one); NULL when it says nothing.
 */
static char *first_lines(const char *patch, const char *tree)
{
	char *argv[] = { "git", "-C", (char *)tree, "apply", "--check", (char *)patch, NULL };
	struct cb_spawn_opts o = { .stderr_to_stdout = true };
	int status;
	char *text = cb_spawn_capture(argv, &o, 65536, NULL, NULL, &status), *p = text;

	if (!text)
		return NULL;
	for (int line = 0; *p && line < 2; line++) {
		p += strcspn(p, "\n");
		if (*p)
			*p++ = ' ';
	}
	*p = '\0';
	if (!text[0]) {
		free(text);
		return NULL;
	}
	return text;
}

static int apply_series(struct kbuild *b)
{
	char **patches = NULL;
	size_t nr = 0;
	int ret = 0;

	/*
	 * -x: Debian's tree ignores everything at its top level, so files a
	 * patch added (and selftest leftovers) count as ignored; the pristine
	 * commit holds every original file, so "untracked" is exactly "ours".
	 */
	if (RUN(b->log, NULL, "git", "-C", b->tree, "reset", "-q", "--hard") ||
	    RUN(b->log, NULL, "git", "-C", b->tree, "clean", "-fdqx"))
		return fail(b, CB_EXIT_FAIL, "cannot reset %s to its pristine source (log: %s)",
			    b->tree, b->log);
	if (cb_series_read(b->k->series, &patches, &nr, b->err, b->errlen))
		return CB_EXIT_USAGE;
	for (size_t i = 0; i < nr && !ret; i++) {
		if (RUN(b->log, NULL, "git", "-C", b->tree, "apply", "--whitespace=nowarn",
			patches[i])) {
			char *why = first_lines(patches[i], b->tree);

			ret = fail(b, CB_EXIT_USAGE, "patch %s does not apply to %s: %s", patches[i],
				   b->a->source_id, why ? why : "(see the build log)");
			free(why);
		}
	}
	free_list(patches, nr);
	return ret;
}

static int configure(struct kbuild *b)
{
	char *config_path, *config, *merge, *base, **argv;
	size_t n = 0;
	int ret, bad = 0;

	for (size_t i = 0; i < b->k->nr_configs; i++)
		if (access(b->k->configs[i], R_OK))
			return fail(b, CB_EXIT_USAGE, "kernel %s: config fragment %s: %s", b->k->name,
				    b->k->configs[i], strerror(errno));
	merge = cb_path(b->tree, "scripts/kconfig/merge_config.sh");
	base = cb_path(b->obj, ".config");
	argv = calloc(b->k->nr_configs + 7, sizeof(*argv));
	if (!argv)
		abort();
	argv[n++] = merge;
	argv[n++] = "-m";
	argv[n++] = "-O";
	argv[n++] = b->obj;
	argv[n++] = base;
	for (size_t i = 0; i < b->k->nr_configs; i++)
		argv[n++] = (char *)b->k->configs[i];
	argv[n] = NULL;
	ret = cb_mkdir_p(b->obj) ? 1 : 0;
	if (!ret)
		ret = RUN(b->log, NULL, "make", "-C", b->tree, b->oarg,
			  "tinyconfig");
	if (!ret)
		ret = run_in(b->log, NULL, NULL, argv);
	if (!ret)
		ret = RUN(b->log, NULL, "make", "-C", b->tree, b->oarg,
			  "olddefconfig");
	free(argv);
	free(base);
	free(merge);
	if (ret)
		return fail(b, CB_EXIT_FAIL, "configuring failed (log: %s)", b->log);

	config_path = cb_path(b->obj, ".config");
	config = cb_read_file(config_path, NULL);
	if (!config) {
		free(config_path);
		return fail(b, CB_EXIT_FAIL, "no .config in %s after configuring", b->obj);
	}
	char *report = NULL;
	size_t report_len = 0;
	FILE *out = open_memstream(&report, &report_len);

	for (size_t i = 0; i < b->k->nr_configs; i++) {
		char *frag = cb_read_file(b->k->configs[i], NULL);
		char *origin = cb_strdup_printf("  %s: ", b->k->configs[i]);

		bad += cb_kconfig_check(frag ? frag : "", config, origin, out);
		free(origin);
		free(frag);
	}
	fclose(out);
	if (bad)
		ret = fail(b, CB_EXIT_USAGE, "Kconfig dropped %d requested option%s (a dependency "
			   "is missing from the fragment):\n%s", bad, bad > 1 ? "s" : "", report);
	free(report);
	free(config);
	free(config_path);
	return ret;
}

/* The last compile of @kernel: seconds and objects (0: unknown). */
static double last_compile_s(const char *kernel, size_t *objects)
{
	char *path = cb_strdup_printf("%s/timings/%s.json", cb_cache_root(), kernel);
	json_t *j = json_load_file(path, 0, NULL);
	double s = j ? json_number_value(json_object_get(j, "compile_s")) : 0;
	json_int_t n = j ? json_integer_value(json_object_get(j, "objects")) : 0;

	*objects = n > 0 ? (size_t)n : 0;
	json_decref(j);
	free(path);
	return s;
}

size_t cb_kbuild_objects_done(const char *text, size_t len)
{
	size_t n = 0;

	for (const char *l = text, *end = text + len; l < end; ) {
		const char *eol = memchr(l, '\n', (size_t)(end - l));

		/* kbuild's quiet lines: "  CC      mm/memory.o", "  AS      ..." */
		if (end - l > 5 && (!strncmp(l, "  CC ", 5) || !strncmp(l, "  AS ", 5)))
			n++;
		l = eol ? eol + 1 : end;
	}
	return n;
}

/* The objects compiled so far: kbuild's lines in @log after @from bytes. */
static size_t objects_since(const char *log, size_t from)
{
	size_t len = 0, n;
	char *text = cb_read_file(log, &len);

	n = text && len > from ? cb_kbuild_objects_done(text + from, len - from) : 0;
	free(text);
	return n;
}

static void save_compile_s(const char *kernel, double s, size_t objects)
{
	char *dir = cb_path(cb_cache_root(), "timings");
	char *path = cb_strdup_printf("%s/%s.json", dir, kernel);
	json_t *j = json_pack("{s:f, s:I}", "compile_s", s, "objects", (json_int_t)objects);
	char *text = json_dumps(j, 0);

	/* Atomic: a build that starts meanwhile reads its estimate from it. */
	cb_mkdir_p(dir);
	if (text)
		cb_write_file_atomic(path, text, strlen(text));
	free(text);
	json_decref(j);
	free(path);
	free(dir);
}

/*
 * The first line of @log that `grep -m1 -E 'error:|Error [0-9]'` would
 * print, without its newline; NULL when none.
 */
static char *first_error(const char *log)
{
	char *text = cb_read_file(log, NULL), *line, *found = NULL;
	regex_t re;

	if (!text)
		return NULL;
	if (regcomp(&re, "error:|Error [0-9]", REG_EXTENDED | REG_NOSUB)) {
		free(text);
		return NULL;
	}
	for (line = text; line && *line && !found; ) {
		char *eol = strchr(line, '\n');

		if (eol)
			*eol = '\0';
		if (!regexec(&re, line, 0, NULL, 0) && *line)
			found = strdup(line);
		line = eol ? eol + 1 : NULL;
	}
	regfree(&re);
	free(text);
	return found;
}

/* make bzImage in the background; a progress line every few seconds. */
static int compile(struct kbuild *b, struct progress *p)
{
	char *ccache_dir = cb_path(cb_cache_root(), "ccache");
	char *env_dir = cb_strdup_printf("CCACHE_DIR=%s", ccache_dir);
	char *env_base = cb_strdup_printf("CCACHE_BASEDIR=%s", cb_cache_root());
	char *jobs = cb_strdup_printf("-j%d", b->jobs);
	char *env[] = { env_dir, env_base, "KBUILD_BUILD_TIMESTAMP=cowbench",
			"KBUILD_BUILD_USER=cowbench", "KBUILD_BUILD_HOST=cowbench", NULL };
	/* the command line as before: make O=<obj> -jN CC='ccache gcc' ... bzImage */
	char *argv[] = { "make", b->oarg, jobs, "CC=ccache gcc", "HOSTCC=ccache gcc", "bzImage",
			 NULL };
	struct cb_spawn_opts o = { .cwd = b->tree, .log = b->log, .env_add = env };
	double last_report = cb_now_s();
	struct stat st;
	/* the log so far is the earlier stages': count only what make adds */
	size_t log_start = !stat(b->log, &st) ? (size_t)st.st_size : 0, done = 0;
	pid_t pid;
	int status = -1;

	cb_mkdir_p(ccache_dir);
	pid = cb_spawn_start(argv, &o);
	while (pid > 0 && waitpid(pid, &status, WNOHANG) == 0) {
		struct timespec ts = { 0, 200 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		double now = cb_now_s(), spent = now - p->stage_start;

		if (p->quiet || now - last_report < 15)
			continue;
		last_report = now;
		done = objects_since(b->log, log_start);
		/*
		 * The last compile of this kernel is the only estimate we have;
		 * it may have been incremental (or this one is), so it is a
		 * hint, not a promise: objects done against the last build's,
		 * the time left at this build's own rate.
		 */
		if (p->expect_objects && done && done < p->expect_objects)
			printf("[build %s]     compiling: %.0f s, %zu of about %zu objects "
			       "(the last build's): about %.0f s left\n", p->kernel, spent, done,
			       p->expect_objects,
			       spent * (double)(p->expect_objects - done) / (double)done);
		else if (p->expect_objects && done)
			printf("[build %s]     compiling: %.0f s, %zu objects (the last build "
			       "compiled %zu)\n", p->kernel, spent, done, p->expect_objects);
		else if (p->expect_s > 0 && spent < p->expect_s)
			printf("[build %s]     compiling: %.0f s, %zu objects (last compile took "
			       "%.0f s: about %.0f s left)\n", p->kernel, spent, done, p->expect_s,
			       p->expect_s - spent);
		else if (p->expect_s > 0)
			printf("[build %s]     compiling: %.0f s, %zu objects (last compile took "
			       "%.0f s)\n", p->kernel, spent, done, p->expect_s);
		else
			printf("[build %s]     compiling: %.0f s, %zu objects (first build of this "
			       "kernel: about 11-17 min on 2 cores, 1 with a warm ccache)\n",
			       p->kernel, spent, done);
		fflush(stdout);
	}
	free(jobs);
	free(env_base);
	free(env_dir);
	free(ccache_dir);
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		char *tail = first_error(b->log);

		int ret = fail(b, CB_EXIT_FAIL, "compiling kernel %s failed: %s (log: %s)",
			       b->k->name, tail ? tail : "see the log", b->log);
		free(tail);
		return ret;
	}
	save_compile_s(b->k->name, cb_now_s() - p->stage_start, objects_since(b->log, log_start));
	return 0;
}

/*
 * One mm selftest, as `cd @dir && sh ./check_config.sh gcc && gcc ...
 * $(sed -n 's/^IOURING_EXTRA_LIBS = //p' local_config.mk)` built it: the
 * libraries check_config.sh found are words of that line.  Exit code.
 */
static int build_mm_selftest(const char *log, const char *dir, const char *isystem,
			     const char *exe, const char *source)
{
	static const char key[] = "IOURING_EXTRA_LIBS = ";
	char *mk_path = cb_path(dir, "local_config.mk"), *mk, *src, *argv[64], *save = NULL;
	size_t n = 0;
	int ret;

	ret = RUN(log, dir, "sh", "./check_config.sh", "gcc");
	if (ret) {
		free(mk_path);
		return ret;
	}
	mk = cb_read_file(mk_path, NULL);
	free(mk_path);
	src = cb_strdup_printf("%s.c", source);
	for (const char *fixed[] = { "gcc", "-static", "-O2", "-D_GNU_SOURCE", "-isystem",
				     isystem, "-I..", "-I.", "-o", exe, src, "vm_util.c",
				     "thp_settings.c", "-lrt", "-lpthread", "-lm", NULL },
	     **f = fixed; *f; f++)
		argv[n++] = (char *)*f;
	for (char *line = mk ? strtok_r(mk, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *wsave = NULL;

		if (strncmp(line, key, sizeof(key) - 1))
			continue;
		for (char *w = strtok_r(line + sizeof(key) - 1, " \t", &wsave);
		     w && n < sizeof(argv) / sizeof(argv[0]) - 1; w = strtok_r(NULL, " \t", &wsave))
			argv[n++] = w;
	}
	argv[n] = NULL;
	ret = run_in(log, dir, NULL, argv);
	free(src);
	free(mk);
	return ret;
}

/*
 * The kernel's own selftests (bench/selftests.h), static, from the same
 * tree, against its exported headers, into @outdir/<name>.  Missing ones
 * are not fatal: the selftests suite then records them as missing.
 */
static int build_selftests(struct kbuild *b, const char *outdir)
{
	char *kvm_out = cb_strdup_printf("%s/cowbench-selftests/tools/testing/selftests/kvm",
					 b->obj);
	char *mm_dir = cb_path(b->tree, "tools/testing/selftests/mm");
	char *kvm_dir = cb_path(b->tree, "tools/testing/selftests/kvm");
	char *isystem = cb_path(b->obj, "usr/include");
	char *output = cb_strdup_printf("OUTPUT=%s", kvm_out);
	char *khdr = cb_strdup_printf("KHDR_INCLUDES=-isystem %s/usr/include", b->obj);
	char *jobs = cb_strdup_printf("-j%d", b->jobs);
	int ret;

	ret = RUN(b->log, NULL, "make", "-C", b->tree, b->oarg, "headers_install");
	if (!ret && cb_mkdir_p(outdir))
		ret = 1;
	if (ret)
		printf("[build %s]     warning: make headers_install failed, so no selftests "
		       "(rsync missing? scripts/deps.sh installs it; log: %s)\n", b->k->name,
		       b->log);
	for (size_t i = 0; i < CB_NR_SELFTESTS && !ret; i++) {
		const struct cb_selftest *t = &cb_selftests[i];
		char *exe = cb_path(outdir, t->name);
		int r;

		if (t->dir == CB_SELFTEST_MM)
			/*
			 * As the selftests' Makefile does: its own check_config.sh
			 * decides liburing, the tree's exported uapi headers come first.
			 */
			r = build_mm_selftest(b->log, mm_dir, isystem, exe, t->source);
		else
			/*
			 * The KVM selftests' own Makefile (its libkvm, per-arch
			 * lib), objects under the kernel's own O= directory so
			 * the shared tree stays clean; one target per test.
			 */
		{
			char *target = cb_path(kvm_out, t->source);

			r = RUN(b->log, NULL, "make", "-C", kvm_dir, jobs, output, khdr,
				"EXTRA_CFLAGS=-static", target);
			if (!r && cb_copy_file(target, exe))
				r = 1;
			free(target);
		}
		free(exe);
		if (r)
			printf("[build %s]     warning: selftest %s did not build (log: %s)\n",
			       b->k->name, t->name, b->log);
	}
	free(jobs);
	free(khdr);
	free(output);
	free(isystem);
	free(kvm_dir);
	free(mm_dir);
	free(kvm_out);
	return ret;
}

/*
 * Put the finished @tmp in the place of @dir in one step: a reader (a run
 * booting the cached kernel, a build checking the cache) sees the old
 * artifact or the new one, never a missing or half-copied one.
 */
static int publish(struct kbuild *b, const char *tmp, const char *dir)
{
	char *old;
	int ret;

	(void)b;
	if (!renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE)) {
		/* @tmp now holds the previous artifact. */
		cb_remove_tree(tmp);
		return 0;
	}
	if (errno == ENOENT)	/* nothing to replace */
		return rename(tmp, dir);
	if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return -1;
	/* A file system without RENAME_EXCHANGE: aside, then in place. */
	old = cb_strdup_printf("%s.old", dir);
	ret = cb_remove_tree(old);
	if (!ret)
		ret = rename(dir, old) || rename(tmp, dir);
	if (!ret)
		cb_remove_tree(old);
	free(old);
	return ret;
}

static int store(struct kbuild *b, double build_s)
{
	char *tmp = cb_strdup_printf("%s.tmp", b->a->dir);
	char *meta_path = cb_path(tmp, "build.json");
	char *bz = cb_path(b->obj, "arch/x86/boot/bzImage"), *config = cb_path(b->obj, ".config");
	char *bz_to = cb_path(tmp, "bzImage"), *config_to = cb_path(tmp, ".config");
	char *config_copy = cb_path(tmp, "config");
	json_t *meta;
	int ret;

	/* Complete before it is published: .config, config, selftests, build.json. */
	ret = cb_remove_tree(tmp) || cb_mkdir_p(tmp) || cb_copy_file(bz, bz_to) ||
	      cb_copy_file(config, config_to) || cb_copy_file(config, config_copy);
	free(config_copy);
	free(config_to);
	free(bz_to);
	free(config);
	free(bz);
	if (!ret) {
		char *selftests = cb_path(tmp, "selftests");

		build_selftests(b, selftests);
		free(selftests);
	}
	meta = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:f}", "kernel", b->k->name,
			 "key", b->a->key, "source", b->a->source_id, "series", b->k->series,
			 "series_hash", b->a->series_hash, "config_hash", b->a->config_hash,
			 "build_s", build_s);
	if (!ret && json_dump_file(meta, meta_path, JSON_INDENT(2)))
		ret = -1;
	if (!ret)
		ret = publish(b, tmp, b->a->dir);
	json_decref(meta);
	free(meta_path);
	free(tmp);
	return ret ? fail(b, CB_EXIT_FAIL, "cannot store the artifact in %s (log: %s)",
			  b->a->dir, b->log) : 0;
}

/* <cache>/trees/<source>: one tree per source identity. */
static char *tree_dir(const char *source_id)
{
	char hash[65];

	cb_sha256_hex(source_id, strlen(source_id), hash);
	return cb_strdup_printf("%s/trees/%.16s", cb_cache_root(), hash);
}

char *cb_kbuild_tree_lock(const char *source_id)
{
	char *tree = tree_dir(source_id), *lock = cb_strdup_printf("%s.lock", tree);

	free(tree);
	return lock;
}

char *cb_kbuild_obj_lock(const char *kernel)
{
	return cb_strdup_printf("%s/objs/%s.lock", cb_cache_root(), kernel);
}

/*
 * An exclusive flock on @path (created in its existing directory), held
 * until the descriptor is closed; waits, saying so, while another build
 * holds it.  No lock is an error, not a reason to go on without one: the
 * other build's tree, objects and log are what would be overwritten.
 */
static int take_lock(struct kbuild *b, const char *path, const char *what, bool quiet)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644), r;

	if (fd < 0) {
		fail(b, CB_EXIT_FAIL, "cannot open the lock file %s: %s", path, strerror(errno));
		return -1;
	}
	if (!flock(fd, LOCK_EX | LOCK_NB))
		return fd;
	if (errno == EWOULDBLOCK) {
		if (!quiet) {
			printf("[build %s] waiting for another build of %s (%s)\n", b->k->name,
			       what, path);
			fflush(stdout);
		}
		while ((r = flock(fd, LOCK_EX)) && errno == EINTR)
			;
		if (!r)
			return fd;
	}
	fail(b, CB_EXIT_FAIL, "cannot lock %s: %s", path, strerror(errno));
	close(fd);
	return -1;
}

/* A cached artifact counts only with its selftests (see cb_kbuild). */
static bool artifact_complete(const struct cb_kernel_artifact *a)
{
	char *cow = cb_strdup_printf("%s/selftests/cow", a->dir);
	bool complete = !access(a->bzimage, R_OK) && !access(cow, X_OK);

	free(cow);
	return complete;
}

/*
 * The artifact is stored under the key of the patches and config fragments
 * read before the build; an edit to one of them while it ran (the tree was
 * patched from the files as they were then) would store one kernel under
 * another's key.  Nothing is stored then.
 */
static int inputs_unchanged(struct kbuild *b)
{
	struct cb_kernel_artifact now;

	if (cb_kbuild_key(b->k, &now, b->err, b->errlen))
		return CB_EXIT_USAGE;
	if (strcmp(now.key, b->a->key))
		return fail(b, CB_EXIT_FAIL, "the patch series or a config fragment of kernel "
			    "'%s' changed while it was being built; nothing was stored: run "
			    "again", b->k->name);
	return 0;
}

static int build(struct kbuild *b, struct progress *p)
{
	int ret;

	/* The previous build's log goes only now that no build can be writing it. */
	unlink(b->log);
	p->start = cb_now_s();
	p->expect_s = last_compile_s(b->k->name, &p->expect_objects);
	stage(p, "source");
	ret = prepare_tree(b);
	if (!ret) {
		stage(p, "patch");
		ret = apply_series(b);
	}
	if (!ret) {
		stage(p, "configure");
		ret = configure(b);
	}
	if (!ret) {
		stage(p, "compile");
		ret = compile(b, p);
	}
	if (!ret)
		ret = inputs_unchanged(b);
	if (!ret) {
		stage(p, "selftests + store");
		b->a->build_s = cb_now_s() - p->start;
		ret = store(b, b->a->build_s);
	}
	return ret;
}

int cb_kbuild(const struct cb_kdef *k, const struct cb_kbuild_opts *o,
	      struct cb_kernel_artifact *a, char *err, size_t errlen)
{
	struct kbuild b = { .k = k, .a = a, .err = err, .errlen = errlen };
	struct progress p = { .kernel = k->name, .quiet = o->quiet, .nr_stages = 5 };
	char *tree_lock, *obj_lock, *dir;
	int ret = CB_EXIT_FAIL, tree_fd = -1, obj_fd = -1;

	if (cb_kbuild_key(k, a, err, errlen))
		return CB_EXIT_USAGE;
	/*
	 * Cached only with its selftests: an artifact stored while they could
	 * not build (a missing tool) is rebuilt -- incrementally, from the
	 * kept object tree -- once they can.  Read without a lock: an
	 * artifact is published in one rename (store()).
	 */
	if (!o->force && artifact_complete(a)) {
		a->cached = true;
		return 0;
	}
	b.jobs = o->jobs > 0 ? o->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
	/*
	 * One tree per source, shared by every kernel built from it: reset +
	 * apply rewrites each file whose content changes, so each kernel's
	 * own O= directory still rebuilds exactly what differs from its last
	 * build.  Its lock keeps two builds from patching it at once, and
	 * covers the artifact (whose key includes the source).  The kernel's
	 * own lock covers objs/<kernel>/, its log and its timings, which
	 * definitions of one name with different sources would share.
	 * Nothing touches any of them before both are held, taken always in
	 * this order: no two builds can each hold the lock the other waits for.
	 */
	b.tree = tree_dir(a->source_id);
	b.obj = cb_strdup_printf("%s/objs/%s", cb_cache_root(), k->name);
	b.log = cb_strdup_printf("%s/objs/%s.log", cb_cache_root(), k->name);
	b.oarg = cb_strdup_printf("O=%s", b.obj);
	tree_lock = cb_kbuild_tree_lock(a->source_id);
	obj_lock = cb_kbuild_obj_lock(k->name);
	/* Only the directories the lock files live in. */
	dir = cb_path(cb_cache_root(), "trees");
	cb_mkdir_p(dir);
	free(dir);
	dir = cb_path(cb_cache_root(), "objs");
	cb_mkdir_p(dir);
	free(dir);

	tree_fd = take_lock(&b, tree_lock, "this source", o->quiet);
	if (tree_fd >= 0)
		obj_fd = take_lock(&b, obj_lock, "this kernel", o->quiet);
	/*
	 * The key again, now that no build can patch the tree: the patches or
	 * fragments may have changed while this build waited, and the tree
	 * is patched from what they say now.
	 */
	if (obj_fd >= 0 && cb_kbuild_key(k, a, err, errlen))
		ret = CB_EXIT_USAGE;
	else if (obj_fd >= 0) {
		/* The build we waited for may have made this very artifact. */
		if (!o->force && artifact_complete(a)) {
			a->cached = true;
			ret = 0;
		} else {
			if (!o->quiet && !o->force && !access(a->bzimage, R_OK))
				printf("[build %s] cached without its selftests: building again\n",
				       k->name);
			ret = build(&b, &p);
		}
	}
	if (obj_fd >= 0)
		close(obj_fd);	/* releases the flock */
	if (tree_fd >= 0)
		close(tree_fd);
	free(tree_lock);
	free(obj_lock);
	free(b.tree);
	free(b.obj);
	free(b.log);
	free(b.oarg);
	return ret;
}
