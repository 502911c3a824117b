// SPDX-License-Identifier: GPL-2.0
/*
 * The guest_memfd conversion probes of cowbench-probes (46-54, appended to
 * probes.c's table as GMEM_PROBES): a cowbench_gmem file
 * (bench/cowbench_gmem.h, patches/6.12/0015) whose shared pages this
 * process maps and whose pages the "guest" (the kernel, through the
 * file's ioctls) converts to private in place.  A private page must never
 * reach host userspace.  Every probe observes: the active policy
 * (/sys/kernel/mm/cowbench/gmem_convert, the bracketed word) only chooses
 * the wording of a detail (which refusal it expects), never a verdict.
 * Without /sys/kernel/debug/cowbench_gmem every probe SKIPs.
 *
 * gmem-vmsplice-exact / -weak: a shared page is written, vmsplice()d into
 * a pipe (a plain reference, not a pin) and unmapped, then converted to
 * private.  The exact check must refuse (EAGAIN: the pipe's reference is
 * not the page cache's); the weak check (mapped || maybe pinned, the
 * negative control) converts it, the guest writes its secret into the
 * now-private page and the pipe delivers it: UNSAFE, with the bytes.
 *
 * gmem-pin-longterm-exact / -weak: the same with an io_uring fixed buffer
 * (a FOLL_WRITE|FOLL_LONGTERM pin) instead of the pipe: both checks must
 * refuse (EAGAIN exact, EBUSY weak: the pin is "maybe pinned"); a
 * conversion is tested by the guest's secret and a WRITE_FIXED of the
 * pinned page into a memfd.
 *
 * gmem-sigbus-touch: a mapped, written page is converted (sigbus: the
 * conversion unmaps it; rmap-check refuses while a PTE maps it, so the PTE
 * is zapped with MADV_DONTNEED and the conversion retried; no-mmap refuses
 * while the VMA exists, so the page is unmapped, converted and mmap()ed
 * again -- each errno recorded); the guest writes its secret; then this
 * process reads and writes the address under a SIGBUS handler: SIGBUS on
 * both is safe, as is an mmap refused; the secret read, or a host write
 * found in the private page, is UNSAFE.
 *
 * gmem-procmem-private / gmem-vm-readv-private: a mapping made while the
 * page was shared stays over the converted page: a pread() of
 * /proc/self/mem (access_remote_vm(), FOLL_FORCE) must fail (EIO), and so
 * must process_vm_readv() of it from a child (EFAULT).  SKIP when the
 * policy leaves no mapping of a private page (no-mmap).
 *
 * gmem-mmap-race: thread A mmaps the file, reads the page and unmaps, over
 * and over; the main thread converts the page to private, the guest writes
 * its secret, wipes it and converts back: 2000 rounds and 2000 mmaps, at
 * most 2 s.  A must
 * never read the secret (SIGBUS and refused mmaps allowed, and counted).
 *
 * gmem-policy-refusals: what the active policy refuses, errno by errno: a
 * conversion of a mapped page, an mmap of a range holding a private page,
 * an mmap of a range without one (the file holds one elsewhere), a
 * conversion while a VMA maps another page.  It records (safe) and says
 * whether it is what the uapi header documents; an errno no policy gives
 * (EINVAL, ENOTTY, ...) is an error.
 *
 * Each line ends with the vm events that moved, the gmem_* ones among them.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cowbench_gmem.h"
#include "guest_util.h"
#include "probes.h"

#define GMEM_DEV "/sys/kernel/debug/cowbench_gmem"
#define GMEM_POLICY "/sys/kernel/mm/cowbench/gmem_convert"

static const char gsecret[] = "cowbench-gmem-secret: the guest's private data";

enum policy { POL_UNKNOWN, POL_SIGBUS, POL_RMAP, POL_NOMMAP };
static const char *const policy_name[] = { "unknown", "sigbus", "rmap-check", "no-mmap" };

/* The active cowbench.gmem_convert= policy: the bracketed word of its knob. */
static enum policy policy_read(void)
{
	FILE *f = fopen(GMEM_POLICY, "re");
	char text[128] = "", *lo, *hi;
	enum policy p = POL_UNKNOWN;

	if (f && fgets(text, sizeof(text), f)) {
		lo = strchr(text, '[');
		hi = lo ? strchr(lo, ']') : NULL;
		if (hi) {
			*hi = 0;
			for (int i = POL_SIGBUS; i <= POL_NOMMAP; i++)
				if (!strcmp(lo + 1, policy_name[i]))
					p = i;
		}
	}
	if (f)
		fclose(f);
	return p;
}

/* Is the device there?  Else @detail says why not. */
static bool gmem_present(char *detail, size_t len)
{
	if (!access(GMEM_DEV, F_OK))
		return true;
	snprintf(detail, len, "no %s: kernel without patches/6.12/0015", GMEM_DEV);
	return false;
}

/* A new cowbench_gmem file of @size bytes: its fd, or -1 with @detail (BROKEN). */
static int gmem_create(size_t size, uint64_t flags, char *detail, size_t len)
{
	struct cb_gmem_create c = { .size = size, .flags = flags };
	int dev = open(GMEM_DEV, O_RDWR | O_CLOEXEC), fd;

	if (dev < 0) {
		snprintf(detail, len, "open %s: %s", GMEM_DEV, cb_errname(errno));
		return -1;
	}
	fd = ioctl(dev, CB_GMEM_CREATE, &c);
	if (fd < 0)
		snprintf(detail, len, "CB_GMEM_CREATE: %s", cb_errname(errno));
	close(dev);
	return fd;
}

/* TO_PRIVATE / TO_SHARED of [@off, @off + @bytes): 0 or the errno. */
static int gmem_convert(int fd, unsigned long req, size_t off, size_t bytes)
{
	struct cb_gmem_range r = { .offset = off, .len = bytes };

	return ioctl(fd, req, &r) ? errno : 0;
}

/* The guest's CB_GMEM_WRITE / CB_GMEM_READ: 0 or the errno. */
static int gmem_io(int fd, unsigned long req, size_t off, void *buf, size_t bytes)
{
	struct cb_gmem_io io = { .offset = off, .len = bytes, .buf = (uintptr_t)buf };

	return ioctl(fd, req, &io) ? errno : 0;
}

/* The guest writes its secret at @off. */
static int guest_secret(int fd, size_t off)
{
	char buf[sizeof(gsecret)];

	memcpy(buf, gsecret, sizeof(gsecret));
	return gmem_io(fd, CB_GMEM_WRITE, off, buf, sizeof(buf));
}

static int page_state(int fd, size_t off, struct cb_gmem_page_state *st)
{
	memset(st, 0, sizeof(*st));
	st->offset = off;
	return ioctl(fd, CB_GMEM_PAGE_STATE, st) ? errno : 0;
}

/* "refcount R mapcount M maybe_pinned P": @st, read with @err, as the kernel saw it. */
static void state_text(const struct cb_gmem_page_state *st, int err, char *detail, size_t len)
{
	if (err)
		cb_append(detail, len, "PAGE_STATE %s", cb_errname(err));
	else
		cb_append(detail, len, "refcount %llu mapcount %u maybe_pinned %u %s",
			  (unsigned long long)st->refcount, st->mapcount, st->maybe_pinned,
			  st->private_ ? "private" : "shared");
}

/* '"bytes"': up to 64 of @n bytes at @buf, non-printable ones as '.', trailing NULs cut. */
static void quote_append(const char *buf, size_t n, char *detail, size_t len)
{
	char out[70];
	size_t end = n, i;

	while (end && !buf[end - 1])
		end--;
	for (i = 0; i < end && i < 64; i++)
		out[i] = buf[i] >= ' ' && buf[i] < 127 && buf[i] != '"' ? buf[i] : '.';
	out[i] = 0;
	cb_append(detail, len, "\"%s\"%s", out, end > 64 ? "..." : "");
}

static bool has_secret(const char *buf, size_t n)
{
	return memmem(buf, n, gsecret, sizeof(gsecret) - 1);
}

/* "ok" or the errno's name. */
static const char *res(int err)
{
	return err ? cb_errname(err) : "ok";
}

/* A conversion's errno no policy gives. */
static bool odd_errno(int err)
{
	return err && err != EBUSY && err != EAGAIN && err != EPERM;
}

static void *map_page(int fd, size_t off, size_t bytes)
{
	return mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);
}

/* --- SIGBUS as a result, not a death: a per-thread handler around a touch --- */

static __thread sigjmp_buf bus_jmp;
static __thread volatile sig_atomic_t bus_armed;

static void on_sigbus(int sig)
{
	if (bus_armed) {
		bus_armed = 0;
		siglongjmp(bus_jmp, 1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void sigbus_catch(struct sigaction *old)
{
	struct sigaction sa = { .sa_handler = on_sigbus };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, old);
}

/* Copy @n bytes from @addr to @buf (or @buf to @addr if @write): 0, or 1 on SIGBUS. */
static int touch(volatile char *addr, char *buf, size_t n, bool write)
{
	if (sigsetjmp(bus_jmp, 1))
		return 1;
	bus_armed = 1;
	for (size_t i = 0; i < n; i++) {
		if (write)
			addr[i] = buf[i];
		else
			buf[i] = addr[i];
	}
	bus_armed = 0;
	return 0;
}

/* Return @call's verdict, its events appended; SKIPPED if there is no device. */
#define WITH_EVENTS(call)                                        \
	do {                                                     \
		struct evsnap ev_;                               \
		enum verdict v_;                                 \
		if (!gmem_present(detail, len))                  \
			return SKIPPED;                          \
		ev_take(&ev_);                                   \
		v_ = (call);                                     \
		ev_append(&ev_, detail, len);                    \
		return v_;                                       \
	} while (0)

/* --- vmsplice() and long-term pins against conversion --- */

/*
 * The page at offset 0 of @fd, written and unmapped, is still held by
 * someone (@held: "page in a pipe"): convert it to private; if that works,
 * the guest writes its secret and @read_back reads the page through the
 * holder into @buf (returns the bytes, or -errno).  Refused: safe (a
 * refusal other than @expect_err, 0 for none, is noted); converted, and
 * the holder saw the secret: leaked.
 */
static enum verdict convert_held(int fd, bool weak, const char *held, int expect_err,
				 ssize_t (*read_back)(void *holder, char *buf), void *holder,
				 char *detail, size_t len)
{
	struct cb_gmem_page_state st;
	char buf[PAGE];
	int err, st_err;
	ssize_t n;

	cb_lru_settle();
	snprintf(detail, len, "%s check, %s, unmapped: ", weak ? "weak" : "exact", held);
	st_err = page_state(fd, 0, &st);
	err = gmem_convert(fd, CB_GMEM_TO_PRIVATE, 0, PAGE);
	if (err) {
		cb_append(detail, len, "refused %s, ", cb_errname(err));
		state_text(&st, st_err, detail, len);
		if (!expect_err)
			cb_append(detail, len, " (the %s check was expected to convert)",
				  weak ? "weak" : "exact");
		else if (err != expect_err)
			cb_append(detail, len, " (the %s check refuses %s)", weak ? "weak" : "exact",
				  cb_errname(expect_err));
		return odd_errno(err) ? BROKEN : SAFE;
	}
	cb_append(detail, len, "converted (before: ");
	state_text(&st, st_err, detail, len);
	err = guest_secret(fd, 0);
	if (err) {
		cb_append(detail, len, "); CB_GMEM_WRITE: %s", cb_errname(err));
		return BROKEN;
	}
	n = read_back(holder, buf);
	if (n < 0) {
		cb_append(detail, len, "); reading it back: %s", cb_errname((int)-n));
		return BROKEN;
	}
	cb_append(detail, len, "), the guest wrote its secret; %s gave %zd bytes%s: ", held, n,
		  has_secret(buf, (size_t)n) ? ", the private page's" : " without it");
	quote_append(buf, (size_t)n, detail, len);
	return has_secret(buf, (size_t)n) ? LEAKED : SAFE;
}

static ssize_t pipe_read_back(void *holder, char *buf)
{
	ssize_t n = read(*(int *)holder, buf, PAGE);

	return n < 0 ? -errno : n;
}

static enum verdict vmsplice_run(bool weak, char *detail, size_t len)
{
	uint64_t flags = CB_GMEM_FLAG_MMAP | (weak ? CB_GMEM_FLAG_WEAK_CHECK : 0);
	int fd = gmem_create(PAGE, flags, detail, len), pipefd[2] = { -1, -1 };
	enum verdict v = BROKEN;
	struct iovec iov;
	char *page;

	if (fd < 0)
		return BROKEN;
	page = map_page(fd, 0, PAGE);
	if (page == MAP_FAILED) {
		snprintf(detail, len, "mmap: %s", cb_errname(errno));
		goto out;
	}
	memset(page, 'A', PAGE);
	iov = (struct iovec){ .iov_base = page, .iov_len = PAGE };
	if (pipe(pipefd) || vmsplice(pipefd[1], &iov, 1, 0) != PAGE) {
		snprintf(detail, len, "pipe/vmsplice: %s", cb_errname(errno));
		munmap(page, PAGE);
		goto out;
	}
	/* Unmapped, so no policy refuses it for being mapped: only the check is left. */
	munmap(page, PAGE);
	v = convert_held(fd, weak, "page in a pipe", weak ? 0 : EAGAIN, pipe_read_back, &pipefd[0], detail,
			 len);
out:
	if (pipefd[0] >= 0) {
		close(pipefd[0]);
		close(pipefd[1]);
	}
	close(fd);
	return v;
}

static enum verdict vmsplice_control(bool weak, char *detail, size_t len)
{
	enum verdict v = vmsplice_run(weak, detail, len);

	/* The weak check is the negative control: it must let the leak through. */
	if (weak && v == LEAKED)
		return CONTROL_LEAKED;
	if (weak && v == SAFE)
		return CONTROL_BLIND;
	return v;
}

enum verdict probe_gmem_vmsplice(const struct probe *pr, char *detail, size_t len)
{
	WITH_EVENTS(vmsplice_control(pr->arg, detail, len));
}

/* Through the pin: IORING_OP_WRITE_FIXED of the buffer into a memfd. */
static ssize_t pin_read_back(void *holder, char *buf)
{
	struct pin *p = holder;
	int err = -ring_fixed(p, true);

	if (err)
		return -err;
	return pread(p->memfd, buf, PAGE, 0) == PAGE ? PAGE : -(errno ? errno : EIO);
}

static enum verdict pin_run(bool weak, char *detail, size_t len)
{
	uint64_t flags = CB_GMEM_FLAG_MMAP | (weak ? CB_GMEM_FLAG_WEAK_CHECK : 0);
	int fd = gmem_create(PAGE, flags, detail, len), err;
	struct region r = { 0 };
	enum verdict v = BROKEN;
	struct pin p;
	char *page;

	if (fd < 0)
		return BROKEN;
	page = map_page(fd, 0, PAGE);
	if (page == MAP_FAILED) {
		snprintf(detail, len, "mmap: %s", cb_errname(errno));
		close(fd);
		return BROKEN;
	}
	memset(page, 'A', PAGE);
	r = (struct region){ .base = page, .mem = page, .maplen = PAGE, .size = PAGE };
	v = pin_open(&p, PIN_URING, &r, detail, len);
	if (v != SAFE) {
		munmap(page, PAGE);
		goto out;
	}
	err = -pin_take(&p, 0);
	if (err) {
		/* No pin, nothing to convert under it: the question is not asked. */
		snprintf(detail, len, "io_uring_register_buffers of the mapped gmem page: %s "
			 "(no long-term pin of it)", cb_errname(err));
		munmap(page, PAGE);
		v = err == EINVAL ? BROKEN : SKIPPED;
		goto out;
	}
	munmap(page, PAGE);
	v = convert_held(fd, weak, "io_uring fixed buffer", weak ? EBUSY : EAGAIN, pin_read_back,
			 &p, detail, len);
out:
	pin_close(&p);
	close(fd);
	return v;
}

enum verdict probe_gmem_pin_longterm(const struct probe *pr, char *detail, size_t len)
{
	WITH_EVENTS(pin_run(pr->arg, detail, len));
}

/* --- touching a private page --- */

/*
 * Convert the mapped page at @*page to private; if the policy refuses,
 * zap its PTE (MADV_DONTNEED) and retry; if @remap, then unmap, convert
 * and mmap again.  Each step's result into @detail.  0 once converted
 * (@*page NULL if no mapping is left), or the last conversion's errno.
 */
static int convert_mapped(int fd, char **page, bool remap, char *detail, size_t len)
{
	int err = gmem_convert(fd, CB_GMEM_TO_PRIVATE, 0, PAGE);

	cb_append(detail, len, "convert mapped %s", res(err));
	if (!err || odd_errno(err))
		return err;
	madvise(*page, PAGE, MADV_DONTNEED);
	cb_lru_settle();
	err = gmem_convert(fd, CB_GMEM_TO_PRIVATE, 0, PAGE);
	cb_append(detail, len, ", after MADV_DONTNEED %s", res(err));
	if (!err || odd_errno(err) || !remap)
		return err;
	munmap(*page, PAGE);
	*page = NULL;
	cb_lru_settle();
	err = gmem_convert(fd, CB_GMEM_TO_PRIVATE, 0, PAGE);
	cb_append(detail, len, ", after munmap %s", res(err));
	if (err)
		return err;
	*page = map_page(fd, 0, PAGE);
	cb_append(detail, len, ", mmap again %s", *page == MAP_FAILED ? cb_errname(errno) : "ok");
	if (*page == MAP_FAILED)
		*page = NULL;
	return 0;
}

static enum verdict sigbus_touch_run(char *detail, size_t len)
{
	char host[] = "cowbench-host-write";
	int fd = gmem_create(PAGE, CB_GMEM_FLAG_MMAP, detail, len), err, rbus, wbus;
	char *page, buf[sizeof(gsecret)], check[PAGE];
	struct sigaction old;
	enum verdict v = BROKEN;

	if (fd < 0)
		return BROKEN;
	page = map_page(fd, 0, PAGE);
	if (page == MAP_FAILED) {
		snprintf(detail, len, "mmap: %s", cb_errname(errno));
		close(fd);
		return BROKEN;
	}
	memset(page, 'S', PAGE);
	cb_lru_settle();
	snprintf(detail, len, "policy %s: ", policy_name[policy_read()]);
	err = convert_mapped(fd, &page, true, detail, len);
	if (err) {
		cb_append(detail, len, ": the page could not be converted");
		goto out;
	}
	err = guest_secret(fd, 0);
	if (err) {
		cb_append(detail, len, "; CB_GMEM_WRITE: %s", cb_errname(err));
		goto out;
	}
	if (!page) {
		cb_append(detail, len, "; no mapping of a private page possible");
		v = SAFE;
		goto out;
	}
	sigbus_catch(&old);
	memset(buf, 0, sizeof(buf));
	rbus = touch(page, buf, sizeof(buf), false);
	wbus = touch(page + 1024, host, sizeof(host), true);
	sigaction(SIGBUS, &old, NULL);
	v = SAFE;
	cb_append(detail, len, "; read ");
	if (rbus) {
		cb_append(detail, len, "SIGBUS");
	} else {
		if (has_secret(buf, sizeof(buf)))
			v = LEAKED;
		cb_append(detail, len, "%s ", v == LEAKED ? "the secret" : "data, not the secret,");
		quote_append(buf, sizeof(buf), detail, len);
	}
	cb_append(detail, len, ", write ");
	if (wbus) {
		cb_append(detail, len, "SIGBUS");
	} else if ((err = gmem_io(fd, CB_GMEM_READ, 0, check, PAGE))) {
		cb_append(detail, len, "no SIGBUS; CB_GMEM_READ %s", cb_errname(err));
		v = v == LEAKED ? LEAKED : BROKEN;
	} else if (memmem(check, PAGE, host, sizeof(host) - 1)) {
		cb_append(detail, len, "landed in the private page");
		v = LEAKED;
	} else {
		cb_append(detail, len, "no SIGBUS, not in the private page");
	}
out:
	if (page)
		munmap(page, PAGE);
	close(fd);
	return v;
}

enum verdict probe_gmem_sigbus_touch(const struct probe *pr, char *detail, size_t len)
{
	(void)pr;
	WITH_EVENTS(sigbus_touch_run(detail, len));
}

/*
 * A private page under a mapping made while it was shared: the page
 * (@*page, written by the host, then the guest's secret) or SKIPPED when
 * the policy converts no mapped page.
 */
static enum verdict private_under_mapping(int fd, char **page, char *detail, size_t len)
{
	int err;

	*page = map_page(fd, 0, PAGE);
	if (*page == MAP_FAILED) {
		*page = NULL;
		snprintf(detail, len, "mmap: %s", cb_errname(errno));
		return BROKEN;
	}
	memset(*page, 'S', PAGE);
	cb_lru_settle();
	snprintf(detail, len, "policy %s: ", policy_name[policy_read()]);
	err = convert_mapped(fd, page, false, detail, len);
	if (err) {
		cb_append(detail, len, ": the policy leaves no mapping of a private page");
		return odd_errno(err) ? BROKEN : SKIPPED;
	}
	err = guest_secret(fd, 0);
	if (err) {
		cb_append(detail, len, "; CB_GMEM_WRITE: %s", cb_errname(err));
		return BROKEN;
	}
	return SAFE;
}

static enum verdict procmem_run(char *detail, size_t len)
{
	int fd = gmem_create(PAGE, CB_GMEM_FLAG_MMAP, detail, len), mem;
	enum verdict v;
	char *page, buf[PAGE];
	ssize_t n;

	if (fd < 0)
		return BROKEN;
	v = private_under_mapping(fd, &page, detail, len);
	if (v != SAFE)
		goto out;
	mem = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	if (mem < 0) {
		cb_append(detail, len, "; open /proc/self/mem: %s", cb_errname(errno));
		v = BROKEN;
		goto out;
	}
	n = pread(mem, buf, PAGE, (off_t)(uintptr_t)page);
	close(mem);
	if (n < 0) {
		cb_append(detail, len, "; pread /proc/self/mem %s%s", cb_errname(errno),
			  errno == EIO ? "" : " (EIO expected)");
	} else {
		v = has_secret(buf, (size_t)n) ? LEAKED : SAFE;
		cb_append(detail, len, "; pread /proc/self/mem read %zd bytes%s: ", n,
			  v == LEAKED ? ", the secret" : ", not the secret");
		quote_append(buf, (size_t)n, detail, len);
	}
out:
	if (page)
		munmap(page, PAGE);
	close(fd);
	return v;
}

enum verdict probe_gmem_procmem_private(const struct probe *pr, char *detail, size_t len)
{
	(void)pr;
	WITH_EVENTS(procmem_run(detail, len));
}

struct readv_result {
	ssize_t n;
	int err;
	char buf[PAGE];
};

static enum verdict vm_readv_run(char *detail, size_t len)
{
	int fd = gmem_create(PAGE, CB_GMEM_FLAG_MMAP, detail, len), pipefd[2], status;
	static struct readv_result got;
	enum verdict v;
	char *page;
	pid_t pid;

	if (fd < 0)
		return BROKEN;
	v = private_under_mapping(fd, &page, detail, len);
	if (v != SAFE)
		goto out;
	v = BROKEN;
	if (pipe(pipefd)) {
		cb_append(detail, len, "; pipe: %s", cb_errname(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		cb_append(detail, len, "; fork: %s", cb_errname(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		goto out;
	}
	if (pid == 0) {
		/* The child reads its parent's private page. */
		struct iovec local = { .iov_base = got.buf, .iov_len = PAGE };
		struct iovec remote = { .iov_base = page, .iov_len = PAGE };

		got.n = process_vm_readv(getppid(), &local, 1, &remote, 1, 0);
		got.err = got.n < 0 ? errno : 0;
		_exit(cb_write_all(pipefd[1], &got, sizeof(got)) ? 1 : 0);
	}
	close(pipefd[1]);
	memset(&got, 0, sizeof(got));
	if (read(pipefd[0], &got, sizeof(got)) != (ssize_t)sizeof(got)) {
		cb_append(detail, len, "; the child gave no result");
		close(pipefd[0]);
		waitpid(pid, &status, 0);
		goto out;
	}
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	if (got.n < 0 && got.err == EPERM) {
		cb_append(detail, len, "; process_vm_readv from the child: EPERM (no ptrace access)");
		v = SKIPPED;
	} else if (got.n < 0) {
		cb_append(detail, len, "; process_vm_readv from a child %s%s", cb_errname(got.err),
			  got.err == EFAULT ? "" : " (EFAULT expected)");
		v = SAFE;
	} else {
		v = has_secret(got.buf, (size_t)got.n) ? LEAKED : SAFE;
		cb_append(detail, len, "; process_vm_readv from a child read %zd bytes%s: ", got.n,
			  v == LEAKED ? ", the secret" : ", not the secret");
		quote_append(got.buf, (size_t)got.n, detail, len);
	}
out:
	if (page)
		munmap(page, PAGE);
	close(fd);
	return v;
}

enum verdict probe_gmem_vm_readv_private(const struct probe *pr, char *detail, size_t len)
{
	(void)pr;
	WITH_EVENTS(vm_readv_run(detail, len));
}

/* --- an mmap racing conversions --- */

/* At least this many conversion rounds and mapper mmaps, at most this long. */
#define RACE_ROUNDS 2000
#define RACE_SECONDS 2

struct race {
	int fd;
	atomic_bool stop;
	/* thread A's */
	atomic_long mmaps;
	long refused, mmap_err, reads, sigbus, leaked;
	int first_err;
	char seen[sizeof(gsecret)];
};

static void *race_mapper(void *arg)
{
	struct race *r = arg;
	char buf[sizeof(gsecret)];

	while (!atomic_load(&r->stop)) {
		char *page = map_page(r->fd, 0, PAGE);

		if (page == MAP_FAILED) {
			if (errno == EPERM) {
				r->refused++;
			} else {
				r->mmap_err++;
				if (!r->first_err)
					r->first_err = errno;
			}
			continue;
		}
		r->mmaps++;
		if (touch(page, buf, sizeof(buf), false)) {
			r->sigbus++;
		} else {
			r->reads++;
			if (has_secret(buf, sizeof(buf)) && !r->leaked++)
				memcpy(r->seen, buf, sizeof(buf));
		}
		munmap(page, PAGE);
	}
	return NULL;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static enum verdict mmap_race_run(char *detail, size_t len)
{
	static struct race r;
	long rounds = 0, conversions = 0, eagain = 0, ebusy = 0, other = 0;
	int err, last_other = 0, shared_err = 0;
	char zero[sizeof(gsecret)] = { 0 };
	struct sigaction old;
	enum verdict v;
	pthread_t a;
	double end;

	memset(&r, 0, sizeof(r));
	r.fd = gmem_create(PAGE, CB_GMEM_FLAG_MMAP, detail, len);
	if (r.fd < 0)
		return BROKEN;
	atomic_init(&r.stop, false);
	atomic_init(&r.mmaps, 0);
	sigbus_catch(&old);
	err = pthread_create(&a, NULL, race_mapper, &r);
	if (err) {
		snprintf(detail, len, "pthread_create: %s", cb_errname(err));
		sigaction(SIGBUS, &old, NULL);
		close(r.fd);
		return BROKEN;
	}
	end = now_s() + RACE_SECONDS;
	for (; (rounds < RACE_ROUNDS || atomic_load(&r.mmaps) < RACE_ROUNDS) && now_s() < end &&
	       !shared_err; rounds++) {
		err = gmem_convert(r.fd, CB_GMEM_TO_PRIVATE, 0, PAGE);
		if (err == EAGAIN) {
			eagain++;
			continue;
		}
		if (err == EBUSY) {
			ebusy++;
			continue;
		}
		if (err) {
			other++;
			last_other = err;
			continue;
		}
		conversions++;
		/* The guest's secret, then its wipe: only while private. */
		err = guest_secret(r.fd, 0);
		if (!err)
			err = gmem_io(r.fd, CB_GMEM_WRITE, 0, zero, sizeof(zero));
		if (!err)
			err = gmem_convert(r.fd, CB_GMEM_TO_SHARED, 0, PAGE);
		shared_err = err;
	}
	atomic_store(&r.stop, true);
	pthread_join(a, NULL);
	sigaction(SIGBUS, &old, NULL);
	snprintf(detail, len, "%ld rounds: %ld conversions, EAGAIN %ld, EBUSY %ld; mapper: %ld "
		 "mmaps, %ld refused, %ld reads, %ld SIGBUS", rounds, conversions, eagain, ebusy,
		 atomic_load(&r.mmaps), r.refused, r.reads, r.sigbus);
	v = SAFE;
	if (r.mmap_err)
		cb_append(detail, len, ", %ld mmaps failed (%s)", r.mmap_err,
			  cb_errname(r.first_err));
	if (other) {
		cb_append(detail, len, "; %ld conversions failed %s", other, cb_errname(last_other));
		v = BROKEN;
	}
	if (shared_err) {
		cb_append(detail, len, "; guest write or TO_SHARED: %s", cb_errname(shared_err));
		v = BROKEN;
	}
	if (r.leaked) {
		cb_append(detail, len, "; the mapper read the secret %ld times: ", r.leaked);
		quote_append(r.seen, sizeof(r.seen), detail, len);
		v = LEAKED;
	}
	close(r.fd);
	return v;
}

enum verdict probe_gmem_mmap_race(const struct probe *pr, char *detail, size_t len)
{
	(void)pr;
	WITH_EVENTS(mmap_race_run(detail, len));
}

/* --- what the active policy refuses --- */

/* mmap of @bytes at @off: 0 (and unmapped again) or the errno. */
static int try_mmap(int fd, size_t off, size_t bytes)
{
	char *m = map_page(fd, off, bytes);

	if (m == MAP_FAILED)
		return errno;
	munmap(m, bytes);
	return 0;
}

static enum verdict policy_refusals_run(char *detail, size_t len)
{
	/* per policy: convert-mapped, mmap-private-in-range, mmap-other-page, convert-other-mapped */
	static const int documented[][4] = {
		[POL_SIGBUS] = { 0, 0, 0, 0 },
		[POL_RMAP] = { EBUSY, EPERM, 0, 0 },
		[POL_NOMMAP] = { EBUSY, EPERM, EPERM, EBUSY },
	};
	static const char *const what[] = { "convert-mapped", "mmap-private-in-range",
					    "mmap-other-page", "convert-other-mapped" };
	int fd = gmem_create(2 * PAGE, CB_GMEM_FLAG_MMAP, detail, len), got[4], err;
	enum policy pol = policy_read();
	enum verdict v = SAFE;
	bool as_doc = true;
	char *m;

	if (fd < 0)
		return BROKEN;
	/* (a) convert page 0 while it is mapped and written */
	m = map_page(fd, 0, PAGE);
	if (m == MAP_FAILED) {
		snprintf(detail, len, "mmap of a shared page: %s", cb_errname(errno));
		close(fd);
		return BROKEN;
	}
	m[0] = 'S';
	cb_lru_settle();
	got[0] = gmem_convert(fd, CB_GMEM_TO_PRIVATE, 0, PAGE);
	munmap(m, PAGE);
	/* (b) page 0 private, nothing mapped; mmap both pages */
	err = got[0] ? gmem_convert(fd, CB_GMEM_TO_PRIVATE, 0, PAGE) : 0;
	if (err) {
		snprintf(detail, len, "TO_PRIVATE of an unmapped page: %s", cb_errname(err));
		close(fd);
		return BROKEN;
	}
	got[1] = try_mmap(fd, 0, 2 * PAGE);
	/* (c) mmap page 1 only, page 0 still private */
	got[2] = try_mmap(fd, PAGE, PAGE);
	err = gmem_convert(fd, CB_GMEM_TO_SHARED, 0, PAGE);
	if (err) {
		snprintf(detail, len, "TO_SHARED: %s", cb_errname(err));
		close(fd);
		return BROKEN;
	}
	/* (d) convert page 0 while a VMA maps (and has touched) page 1 */
	m = map_page(fd, PAGE, PAGE);
	if (m == MAP_FAILED) {
		snprintf(detail, len, "mmap of page 1, all shared: %s", cb_errname(errno));
		close(fd);
		return BROKEN;
	}
	m[0] = 'S';
	cb_lru_settle();
	got[3] = gmem_convert(fd, CB_GMEM_TO_PRIVATE, 0, PAGE);
	munmap(m, PAGE);
	snprintf(detail, len, "policy %s:", policy_name[pol]);
	for (int i = 0; i < 4; i++) {
		cb_append(detail, len, " %s %s", what[i], res(got[i]));
		if (odd_errno(got[i]))
			v = BROKEN;
		if (pol != POL_UNKNOWN && got[i] != documented[pol][i]) {
			cb_append(detail, len, " (documented %s)", res(documented[pol][i]));
			as_doc = false;
		}
	}
	if (pol != POL_UNKNOWN && as_doc)
		cb_append(detail, len, "; as bench/cowbench_gmem.h documents");
	close(fd);
	return v;
}

enum verdict probe_gmem_policy_refusals(const struct probe *pr, char *detail, size_t len)
{
	(void)pr;
	WITH_EVENTS(policy_refusals_run(detail, len));
}
