// SPDX-License-Identifier: GPL-2.0
/*
 * cowbench report on recorded datasets: what report.md and email.txt say,
 * the 72-column limit, the statistics on a wall-clock fixture, the HTML
 * report as headless Chromium draws it, and bad inputs -- exit 2, a
 * message naming the file, and no report written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

/* Run cowbench report with @args into <tmpdir>/@out; its output (malloc'd). */
static int report(const char *args, const char *out, char **log_text)
{
	char *log = cb_path(tmpdir, "report.log"), *dir = cb_path(tmpdir, out);
	int rc = run_capture(NULL, log, log_text, "report %s --out '%s'", args, dir);

	free(dir);
	free(log);
	return rc;
}

#define DATA_CHECK_PATH(name) TEST_DATA "/check/" name
#define DATA_CHECK(name) "'" DATA_CHECK_PATH(name) "'"

static char *out_file(const char *out, const char *name)
{
	char *dir = cb_path(tmpdir, out), *path = cb_path(dir, name);
	char *text = cb_read_file(path, NULL);

	free(path);
	free(dir);
	return text;
}

static void test_two_cells(void **state)
{
	char *log, *md, *mail, *line, *save;

	(void)state;
	if (report("'" TEST_DATA "/matrix'", "ok", &log))
		fail_msg("report failed:\n%s", log);
	md = out_file("ok", "report.md");
	mail = out_file("ok", "email.txt");
	assert_non_null(md);
	assert_non_null(mail);
	assert_non_null(strstr(md, "## k.unsafe against k.safe"));
	/*
	 * icount: the value is the minimum (6500.0 and 6501.0 give 6500.0),
	 * in the comparison, the email and the side-by-side table alike,
	 * whose header names it.
	 */
	assert_non_null(strstr(md, "the minimum over the repetitions"));
	assert_non_null(strstr(md, "| specref/reuse-1M/2MiB/thp:off | 6500.0 | 4900.0 | -24.62% |"));
	assert_non_null(strstr(md, "\n| minimum, guest instructions per item | k.safe | k.unsafe |\n"));
	assert_non_null(strstr(md, "\n| specref/reuse-1M/2MiB/thp:off | 6500.0 | 4900.0 |\n"));
	assert_non_null(strstr(md, "| fault/reuse/2MiB/thp:off | 1600.0 | 1610.0 | +0.62% |"));
	assert_non_null(strstr(md, "| probe 1: CVE-2020-29374 vmsplice after fork | ok | NOT OK |"));
	/*
	 * The series' events beside the time: one of cb_key_events and one
	 * no list names, read from the results; a name that is no plain word
	 * is not shown.  What ran: knobs and the tainted count per cell.
	 */
	assert_non_null(strstr(md, "| pgfault 1 → 1 ro_pin_shared 0 → 0.5 cow_later_event 0 → "
			       "0.25 |"));
	assert_null(strstr(md, "bad"));
	assert_non_null(strstr(md, "| policy ro\\_pin | unshare | ignore |"));
	assert_non_null(strstr(md, "| policy tainted (DEBUG\\_VM checks skipped) | 0 | TAINTED 7 |"));
	assert_non_null(strstr(md, "## Provenance"));
	/* 0-day style lines: base, %change, now, name; the unchanged row absent */
	assert_non_null(strstr(mail, "      1600.0     +0.6%       1610.0  fault/reuse/2MiB/thp:off"));
	assert_non_null(strstr(mail, "      6500.0    -24.6%       4900.0  specref/reuse-1M/2MiB/thp:off"));
	/* the report prints the email table too */
	assert_non_null(strstr(log, "specref/reuse-1M/2MiB/thp:off"));
	for (line = strtok_r(mail, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strlen(line) > 72)
			fail_msg("email line over 72 columns: %s", line);
	free(md);
	free(mail);
	free(log);
}

/* Whether <tmpdir>/@out/@name exists. */
static bool out_exists(const char *out, const char *name)
{
	char *text = out_file(out, name);
	bool there = text != NULL;

	free(text);
	return there;
}

/*
 * The guest_memfd section (tests/data/gmem, tests/data/gmem/generate.py):
 * one cell per cowbench.gmem_convert policy.  Calls the policy refused
 * (the benchmarks' "refused" counter) show "refused", in the section and
 * in the comparisons, never a cost; the policy comes from meta.json or,
 * where it has none (k.gmem-rmap), from probes.tap's knob comment; every
 * gmem- probe has its verdict and detail, the vmsplice leak's bytes
 * among them; the gmem-to-private plot leaves refused calls out.  A
 * dataset without gmem data has no such section (not an empty one).
 */
static void test_gmem_section(void **state)
{
	static const char *const md_lines[] = {
		"\n## guest\\_memfd conversion\n",
		"| benchmark | k.default | k.gmem-rmap | k.gmem-nommap |\n",
		"| policy gmem\\_convert | sigbus | rmap-check | no-mmap |\n",
		"| gmem/to-private-m0/4KiB/thp:off | 6000.0 | 6000.0 | 6000.0 |\n",
		"| gmem/to-private-m1/4KiB/thp:off | 6350.0 | refused | refused |\n",
		"| gmem/to-private-m64/2MiB/thp:off | 24407.8 | refused | refused |\n",
		"| gmem/mmap-private-512/2MiB/thp:off | 6736.0 | refused | refused |\n",
		"| gmem/host-upstream-fault/2MiB/thp:off | skipped | skipped | skipped |\n",
		"| gmem/host-upstream-fault/2MiB/thp:off | k.gmem-rmap | no GUEST\\_MEMFD\\_FLAG\\_MMAP: "
		"6.12's guest\\_memfd has no mmap |\n",
		"| gmem/to-private-m1/2MiB/thp:off | to\\_private 1 unmapped 1 | refused; "
		"refused\\_mapped 0.00195 | refused; refused\\_mapped 0.00195 |\n",
		"| gmem/mmap-private-1/2MiB/thp:off | none | refused; mmap\\_refused 1 | refused; "
		"mmap\\_refused 1 |\n",
		"| gmem-vmsplice-weak | k.default | UNSAFE (expected: the negative control) | the pipe "
		"read 16 bytes of the private page: 'PRIVATE-gmem-42!' (50 52 49 56 41 54 45 2d 67 6d "
		"65 6d 2d 34 32 21) |\n",
		"| gmem-vmsplice-exact | k.gmem-nommap | safe | TO\\_PRIVATE EAGAIN (refcount 3, "
		"explained 2) |\n",
		"| gmem-sigbus-touch | k.gmem-rmap | skip | conversion refused while mapped (EBUSY) |\n",
		"| gmem-policy-refusals | k.gmem-rmap | safe | TO\\_PRIVATE EBUSY while mapped, mmap "
		"EPERM over a private page |\n",
		/* the comparison: no change of a refused call's cost */
		"| gmem/to-private-m1/4KiB/thp:off | 6350.0 | refused | - | - | ",
		"![guest\\_memfd conversion to private against size and mappers](gmem-to-private.svg)",
	};
	char *log, *md, *html, *mail, *dat, *line, *save;

	(void)state;
	if (report("'" TEST_DATA "/gmem'", "gmem", &log))
		fail_msg("report failed:\n%s", log);
	md = out_file("gmem", "report.md");
	html = out_file("gmem", "index.html");
	mail = out_file("gmem", "email.txt");
	dat = out_file("gmem", "gmem-to-private.dat");
	assert_non_null(md);
	assert_non_null(html);
	assert_non_null(mail);
	assert_non_null(dat);
	for (size_t i = 0; i < sizeof(md_lines) / sizeof(md_lines[0]); i++)
		if (!strstr(md, md_lines[i]))
			fail_msg("no %s in report.md:\n%s", md_lines[i], md);
	/*
	 * a refused call's cost is no conversion's: in no comparison and not
	 * in the guest_memfd section.  The side-by-side table after them
	 * shows every benchmark's value, the same minimum (icount), a refused
	 * call's too: "6350.0 | 920.0 | 920.0".
	 */
	line = strstr(md, "\n## Side by side");
	assert_non_null(line);
	*line = '\0';
	assert_null(strstr(md, "| gmem/to-private-m1/4KiB/thp:off | 6350.0 | 920.0"));
	*line = '\n';
	assert_non_null(strstr(line, "| gmem/to-private-m1/4KiB/thp:off | 6350.0 | 920.0 | 920.0 |"));
	assert_true(out_exists("gmem", "gmem-to-private.svg"));
	/* the plot: converted calls only, a line per cell and mapper count */
	assert_non_null(strstr(dat, "\"k.default, 64 mappers\"\n0.00390625 28400 28400 28403\n"));
	assert_non_null(strstr(dat, "\"k.gmem-rmap, 0 mappers\"\n"));
	assert_null(strstr(dat, "k.gmem-rmap, 1 mapper"));
	assert_null(strstr(dat, "k.gmem-nommap, 8 mappers"));
	/* the same in index.html, the plot inline */
	assert_non_null(strstr(html, "<h2>guest_memfd conversion</h2>"));
	assert_non_null(strstr(html, "<tr><td>gmem/to-private-m1/4KiB/thp:off</td><td class=\"n\">"
				     "6350.0</td><td class=\"n\">refused</td><td class=\"n\">refused"
				     "</td></tr>"));
	assert_non_null(strstr(html, "<td>UNSAFE (expected: the negative control)</td><td>the pipe "
				     "read 16 bytes of the private page: 'PRIVATE-gmem-42!'"));
	assert_non_null(strstr(html, "(gmem-to-private.svg)</figcaption>"));
	/* email.txt: per cell the policy, the refused calls, the probes not safe */
	assert_non_null(strstr(mail, "\nguest_memfd: policy, calls refused, probes not safe\n"
				     "k.default: sigbus, 0 of 21 refused, probes 8 safe 1 xfail\n"
				     "  gmem-vmsplice-weak UNSAFE (expected: the negative control)\n"
				     "k.gmem-rmap: rmap-check, 11 of 21 refused, probes 7 safe 1 "
				     "skip 1 xfail\n  refused gmem/to-private-m1/4KiB/thp:off\n"));
	assert_non_null(strstr(mail, "  refused: 5 more\n"));
	assert_non_null(strstr(mail, "      6350.0         -      refused  "
				     "gmem/to-private-m1/4KiB/thp:off\n"));
	for (line = strtok_r(mail, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strlen(line) > 72)
			fail_msg("email line over 72 columns: %s", line);
	free(dat);
	free(mail);
	free(html);
	free(md);
	free(log);

	/* no gmem data: no section, no plot */
	if (report("'" TEST_DATA "/matrix'", "no-gmem", &log))
		fail_msg("report failed:\n%s", log);
	md = out_file("no-gmem", "report.md");
	html = out_file("no-gmem", "index.html");
	mail = out_file("no-gmem", "email.txt");
	/* (the side by side may name the kernel's guest_memfd selftests) */
	assert_null(strstr(md, "## guest\\_memfd conversion"));
	assert_null(strstr(html, "<h2>guest_memfd conversion</h2>"));
	assert_null(strstr(mail, "guest_memfd: policy"));
	assert_false(out_exists("no-gmem", "gmem-to-private.svg"));
	assert_false(out_exists("no-gmem", "gmem-to-private.dat"));
	free(mail);
	free(html);
	free(md);
	free(log);
}

/* Bad input: exit 2, the file or the problem named, nothing written. */
static void expect_refused(const char *args, const char *needle)
{
	char *log, *md;

	if (report(args, "refused", &log) != 2 || !strstr(log, needle))
		fail_msg("report %s: expected exit 2 and \"%s\":\n%s", args, needle, log);
	md = out_file("refused", "report.md");
	assert_null(md);
	free(log);
}

static void test_bad_inputs(void **state)
{
	(void)state;
	expect_refused("'" TEST_DATA "/check/corrupt-meta'", "check/corrupt-meta/meta.json");
	expect_refused("'" TEST_DATA "/check/empty'", "empty dataset");
	expect_refused("'" TEST_DATA "/matrix' '" TEST_DATA "/check/no-results'",
		       "no-results/k.v: missing: the cell has no directory (cell k.v, status "
		       "timeout)");
	expect_refused("'" TEST_DATA "/check/truncated'", "check/truncated/k.v/micro.json");
	expect_refused("'" TEST_DATA "/check/boot1'", "nothing to compare it with");
	expect_refused("'" TEST_DATA "/check/boot1' '" TEST_DATA "/check/other-mode'",
		       "numbers of two modes are not compared");
	expect_refused("--baseline nosuch '" TEST_DATA "/matrix'",
		       "--baseline nosuch: no such cell (cells: k.safe, k.unsafe)");
	expect_refused("'" TEST_DATA "/no-such-dataset'", "no-such-dataset/meta.json");
}

/*
 * Without --out a report goes to reports/<dataset name>/ in the tree, so a
 * dataset named after the checked-in reference report must not replace it.
 */
static void test_default_out_keeps_the_reference(void **state)
{
	/* its own directory: tmpdir/reference is test_reference_is_current's */
	char *link = cb_path(tmpdir, "named/reference"), *log = cb_path(tmpdir, "named.log");
	char *cmd = cb_strdup_printf("mkdir -p '%s/named' && ln -sfn '" TEST_DATA "/matrix' '%s' "
				     "&& '%s' report '%s/' >'%s' 2>&1", tmpdir, link, COWBENCH_BIN,
				     link, log);
	char *text;

	(void)state;
	assert_int_equal(sh_status(cmd), 2);
	text = cb_read_file(log, NULL);
	assert_non_null(text);
	if (!strstr(text, "its name would overwrite the checked-in reports/reference: give "
			  "--out DIR"))
		fail_msg("report of a dataset named reference:\n%s", text);
	free(text);
	free(cmd);
	free(log);
	free(link);
}

static void test_baseline_by_variant(void **state)
{
	char *log, *md;

	(void)state;
	if (report("--baseline unsafe '" TEST_DATA "/matrix'", "by-variant", &log))
		fail_msg("report failed:\n%s", log);
	md = out_file("by-variant", "report.md");
	assert_non_null(strstr(md, "## k.safe against k.unsafe"));
	free(md);
	free(log);
}

/* Wall-clock mode: Mann-Whitney marks the 5% shift, not the reordered twin. */
static void test_wall_statistics(void **state)
{
	char *log, *md, *mail;

	(void)state;
	if (report("'" TEST_DATA "/check/wall-9'", "wall-9", &log))
		fail_msg("report failed:\n%s", log);
	md = out_file("wall-9", "report.md");
	assert_non_null(strstr(md, "Mann-Whitney"));
	assert_non_null(strstr(md, "| fault/reuse/2MiB/thp:off | 1611.0 | 1679.3 | +4.24% | "
				   "+3.05% .. +6.12% | 1.03% | 1.18% | **\\*** |"));
	assert_non_null(strstr(md, "| fault/anon/2MiB/thp:off | 6730.4 | 6730.4 | +0.00% | "
				   "-1.23% .. +1.25% | 1.04% | 1.04% |  |"));
	assert_null(strstr(md, "fewer than 9"));
	free(md);
	free(log);
	/* three repetitions of a wall-clock mode: said in both files */
	if (report("'" TEST_DATA "/check/wall-3'", "wall-3", &log))
		fail_msg("report failed:\n%s", log);
	md = out_file("wall-3", "report.md");
	mail = out_file("wall-3", "email.txt");
	assert_non_null(strstr(md, "Wall-clock mode with fewer than 9 repetitions"));
	assert_non_null(strstr(mail, "Wall-clock mode with fewer than 9"));
	free(md);
	free(mail);
	free(log);
}

/* Pixels of a PNG that are clearly coloured (the plots; text and tables are grey). */
static long coloured_pixels(const char *png)
{
	png_image img = { .version = PNG_IMAGE_VERSION };
	png_bytep buf;
	long coloured = 0;

	if (!png_image_begin_read_from_file(&img, png))
		fail_msg("%s: not a PNG: %s", png, img.message);
	img.format = PNG_FORMAT_RGB;
	buf = malloc(PNG_IMAGE_SIZE(img));
	assert_non_null(buf);
	if (!png_image_finish_read(&img, NULL, buf, 0, NULL))
		fail_msg("%s: %s", png, img.message);
	for (size_t i = 0; i < (size_t)img.width * img.height; i++) {
		int r = buf[3 * i], g = buf[3 * i + 1], b = buf[3 * i + 2];
		int hi = r > g ? (r > b ? r : b) : (g > b ? g : b);
		int lo = r < g ? (r < b ? r : b) : (g < b ? g : b);

		coloured += hi - lo > 80;
	}
	free(buf);
	return coloured;
}

/* Headless Chromium's screenshot of @html into @png; its coloured pixels. */
static long screenshot(const char *html, const char *png)
{
	char *log = cb_path(tmpdir, "chromium.log");
	char *cmd = cb_strdup_printf("cd '%s' && HOME='%s' timeout 120 chromium --headless "
				     "--no-sandbox --disable-gpu --hide-scrollbars "
				     "--window-size=1280,3600 --screenshot='%s' 'file://%s' "
				     ">'%s' 2>&1", tmpdir, tmpdir, png, html, log);

	if (sh_status(cmd)) {
		char *text = cb_read_file(log, NULL);

		fail_msg("chromium failed (scripts/deps.sh installs it):\n%s", text);
	}
	free(cmd);
	free(log);
	return coloured_pixels(png);
}

/*
 * index.html of the checked-in reference dataset: self-contained (the plots
 * inline as SVG, nothing fetched), and Chromium draws the plots -- the
 * screenshot has thousands of coloured pixels, while the same page with
 * the SVG cut out has next to none (so the count measures the plots).
 */
/*
 * A cell whose every benchmark failed (a policy that refuses the pins the
 * benchmarks take, say) still gets a report: its column has no value to
 * plot, and gnuplot refuses a histogram column without a valid point.
 */
static void test_cell_without_results(void **state)
{
	char *data = cb_path(tmpdir, "failed-cell"), *cmd, *log, *html;

	(void)state;
	cmd = cb_strdup_printf(
		"cp -r '" TEST_DATA "/matrix' '%s' && mkdir '%s/k.failed' && "
		"printf '{\"context\": {}, \"benchmarks\": [{\"name\": "
		"\"fault/reuse/2MiB/thp:off/iterations:2/manual_time\", "
		"\"run_type\": \"iteration\", \"error_occurred\": true, "
		"\"error_message\": \"refused: EBUSY\"}]}' > '%s/k.failed/micro.json' && "
		"sed -i 's/^  \\]$/  ,{\"variant\": \"k.failed\", \"status\": \"ok\", "
		"\"kernel_bugs\": 0, \"kernel_warnings\": 0}]/' '%s/meta.json'",
		data, data, data, data);
	assert_int_equal(sh_status(cmd), 0);
	free(cmd);
	cmd = cb_strdup_printf("'%s'", data);
	if (report(cmd, "failed-cell-report", &log))
		fail_msg("report of a dataset with a failed cell failed:\n%s", log);
	html = out_file("failed-cell-report", "index.html");
	assert_non_null(html);
	assert_non_null(strstr(html, "k.failed"));
	free(html);
	free(log);
	free(cmd);
	free(data);
}

static void test_html_renders(void **state)
{
	static const char *const plots[] = { "change.svg", "fork-size.svg", "fault-reuse.svg",
					     "events.svg" };
	char *log, *html, *path, *bare, *png;
	long with, without;
	size_t nr_svg = 0;

	(void)state;
	if (report("'" COWBENCH_SOURCE_TREE "/datasets/reference/policy-matrix-default-profile'",
		   "html", &log))
		fail_msg("report failed:\n%s", log);
	assert_non_null(strstr(log, "/index.html"));
	html = out_file("html", "index.html");
	assert_non_null(html);
	for (size_t i = 0; i < sizeof(plots) / sizeof(plots[0]); i++) {
		char *svg = out_file("html", plots[i]);

		if (!svg)
			fail_msg("no %s beside index.html", plots[i]);
		free(svg);
	}
	for (const char *p = html; (p = strstr(p, "<svg")); p++)
		nr_svg++;
	assert_true(nr_svg >= 4);
	assert_null(strstr(html, "src=\"http"));
	assert_null(strstr(html, "<script"));
	assert_non_null(strstr(html, "<td>fault/reuse/2MiB/thp:off</td>"));

	path = cb_strdup_printf("%s/html/index.html", tmpdir);
	png = cb_path(tmpdir, "with-plots.png");
	with = screenshot(path, png);
	free(png);
	/* the control: the same page without its <svg> elements */
	{
		char *out = cb_strdup_printf("%s/html/bare.html", tmpdir), *w = strdup(html);
		char *p;
		FILE *f;

		while ((p = strstr(w, "<svg"))) {
			char *end = strstr(p, "</svg>");

			assert_non_null(end);
			memmove(p, end + 6, strlen(end + 6) + 1);
		}
		f = fopen(out, "w");
		assert_non_null(f);
		fputs(w, f);
		fclose(f);
		free(w);
		bare = out;
	}
	png = cb_path(tmpdir, "without-plots.png");
	without = screenshot(bare, png);
	print_message("coloured pixels: %ld with the plots, %ld without\n", with, without);
	if (with < 5000 || without > with / 20)
		fail_msg("the plots did not render: %ld coloured pixels with them, %ld without",
			 with, without);
	free(png);
	free(bare);
	free(path);
	free(html);
	free(log);
}

/*
 * reports/reference/ is what its documented command makes today (the text
 * files; the SVG bytes belong to gnuplot's version).
 */
static void test_reference_is_current(void **state)
{
	static const char *const files[] = { "report.md", "email.txt" };
	char *cmd = cb_strdup_printf("cd '%s' && '%s' report "
				     "datasets/reference/policy-matrix-default-profile "
				     "--floors datasets/baselines/default-icount-default-profile.json "
				     "--out '%s/reference' >/dev/null 2>&1",
				     COWBENCH_SOURCE_TREE, COWBENCH_BIN, tmpdir);

	(void)state;
	assert_int_equal(sh_status(cmd), 0);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *now = out_file("reference", files[i]);
		char *path = cb_strdup_printf("%s/reports/reference/%s", COWBENCH_SOURCE_TREE,
					      files[i]);
		char *kept = cb_read_file(path, NULL);

		assert_non_null(now);
		if (!kept || strcmp(now, kept))
			fail_msg("%s is stale: regenerate it with the command in "
				 "reports/README.md", path);
		free(now);
		free(kept);
		free(path);
	}
	free(cmd);
}

/*
 * icount marks on the minimum: +1% on every repetition of the reuse fault
 * is marked; two repetitions of three hit by a disturbance (median +1.9%,
 * minimum unmoved) is not; fork, whose two lowest repetitions are 1.2%
 * apart, needs more than twice that.
 */
static void test_icount_marks(void **state)
{
	char *log, *mail;

	(void)state;
	if (report("'" TEST_DATA "/check/boot1' '" TEST_DATA "/check/reuse-plus-1pct'", "plus",
		   &log))
		fail_msg("report failed:\n%s", log);
	mail = out_file("plus", "email.txt");
	assert_non_null(strstr(mail, "      1629.3     +1.0%       1645.6  fault/reuse/2MiB/thp:off"));
	free(mail);
	free(log);
	if (report("'" TEST_DATA "/check/boot1' '" TEST_DATA "/check/two-of-three-hit' '" TEST_DATA
		   "/check/boot2'", "hit", &log))
		fail_msg("report failed:\n%s", log);
	mail = out_file("hit", "email.txt");
	assert_null(strstr(mail, "fault/reuse"));
	/* boot2: fork +1.0%, inside twice its 1.16% gap */
	assert_null(strstr(mail, "fork/call"));
	assert_non_null(strstr(mail, "(no change beyond 0.5% and the repetitions' gap)"));
	free(mail);
	free(log);
}

/* Write a baseline of @datasets to tmpdir/@name with @floor_pct for fault/reuse. */
static char *floors_file(const char *name, const char *datasets, const char *floor_pct)
{
	char *path = cb_path(tmpdir, name);
	char *cmd = cb_strdup_printf("'%s' check --write-baseline '%s' %s >/dev/null 2>&1 && "
				     "sed -i '/fault\\/reuse\\/2MiB/,/}/s/\"noise_floor_pct\": "
				     "[0-9.e+-]*/\"noise_floor_pct\": %s/' '%s'", COWBENCH_BIN, path,
				     datasets, floor_pct, path);
	char *text;

	assert_int_equal(sh_status(cmd), 0);
	text = cb_read_file(path, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, floor_pct));
	free(text);
	free(cmd);
	return path;
}

/*
 * --floors: a single boot per cell cannot show how far a benchmark moves
 * when code elsewhere moves; a baseline's measured floors can, and widen
 * the marks as check's limits do.  Refused where they were not measured
 * for what is compared, and in wall-clock modes.
 */
static void test_floors_widen_the_marks(void **state)
{
	char *wide = floors_file("floors-wide.json", DATA_CHECK("boot1") " " DATA_CHECK("boot2"),
				 "1.0");
	char *other = floors_file("floors-other-job.json", DATA_CHECK("other-job"), "0");
	char *args, *log, *mail, *md;

	(void)state;
	args = cb_strdup_printf("--floors '%s' " DATA_CHECK("boot1") " "
				DATA_CHECK("reuse-plus-1pct"), wide);
	if (report(args, "floors", &log))
		fail_msg("report --floors failed:\n%s", log);
	mail = out_file("floors", "email.txt");
	md = out_file("floors", "report.md");
	/* +1.0% is inside twice the 1.0% floor: not marked (test_icount_marks: marked) */
	assert_null(strstr(mail, "fault/reuse"));
	assert_non_null(strstr(mail, "(no change beyond check's limits and the gap)"));
	assert_non_null(strstr(md, "twice the benchmark's noise floor, measured over 2 "
				   "perturbation boots"));
	assert_non_null(strstr(md, "| noise floors | "));
	free(md);
	free(mail);
	free(log);
	free(args);

	args = cb_strdup_printf("--floors '%s' " DATA_CHECK("boot1") " "
				DATA_CHECK("reuse-plus-1pct"), other);
	expect_refused(args, "not measured for " DATA_CHECK_PATH("boot1") " (cell k.v): job "
		       "differs");
	free(args);
	args = cb_strdup_printf("--floors '%s' " DATA_CHECK("wall-9"), wide);
	expect_refused(args, "only in icount mode (this report is tcg mode");
	free(args);
	free(other);
	free(wide);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_cells),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_default_out_keeps_the_reference),
		cmocka_unit_test(test_baseline_by_variant),
		cmocka_unit_test(test_wall_statistics),
		cmocka_unit_test(test_icount_marks),
		cmocka_unit_test(test_floors_widen_the_marks),
		cmocka_unit_test(test_cell_without_results),
		cmocka_unit_test(test_gmem_section),
		cmocka_unit_test(test_html_renders),
		cmocka_unit_test(test_reference_is_current),
	};

	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
