/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * cowbench_gmem: a guest_memfd-like file whose shared pages host userspace
 * may mmap and whose pages convert in place between shared and private
 * (patches/6.12/0015).  The one header guest programs and the kernel speak:
 * the kernel carries this file as include/uapi/linux/cowbench_gmem.h, byte
 * for byte.
 *
 * CB_GMEM_CREATE on /sys/kernel/debug/cowbench_gmem returns a new file
 * descriptor: a file of @size bytes (a multiple of 4 KiB), every page shared
 * (or private with CB_GMEM_FLAG_INIT_PRIVATE), zero-filled on first use.
 * Its ioctls convert ranges and let the "guest" (the kernel, as KVM would on
 * a vCPU's behalf) read and write pages whatever their state.
 *
 * Conversion to private, under cowbench.gmem_convert= (read it from
 * /sys/kernel/mm/cowbench/gmem_convert):
 *   sigbus      unmap the range from every process, then check;
 *   rmap-check  EBUSY while a page of the range is mapped;
 *   no-mmap     EBUSY while any VMA maps the file;
 * then the safety check, per page: exact (default) -- the folio's refcount
 * is what the page cache explains, else one LRU drain and a re-check, else
 * EAGAIN; weak (CB_GMEM_FLAG_WEAK_CHECK, a negative control) -- EBUSY if
 * folio_mapped() || folio_maybe_dma_pinned(), nothing else.  All or
 * nothing: on an error no page of the range changed state.
 * mmap: EPERM without CB_GMEM_FLAG_MMAP; under rmap-check EPERM if the range
 * holds a private page; under no-mmap EPERM if the file holds one.  A fault
 * on a private page is SIGBUS under every policy.
 */
#ifndef _UAPI_LINUX_COWBENCH_GMEM_H
#define _UAPI_LINUX_COWBENCH_GMEM_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define CB_GMEM_FLAG_MMAP		(1ULL << 0)	/* host mmap of shared pages */
#define CB_GMEM_FLAG_WEAK_CHECK		(1ULL << 1)	/* mapped || maybe_dma_pinned */
#define CB_GMEM_FLAG_INIT_PRIVATE	(1ULL << 2)	/* every page starts private */

struct cb_gmem_create {
	__u64 size;	/* bytes, a multiple of 4096, at most 1 GiB */
	__u64 flags;	/* CB_GMEM_FLAG_* */
};

struct cb_gmem_range {
	__u64 offset;	/* bytes, page aligned */
	__u64 len;	/* bytes, page aligned, > 0 */
};

/* The guest's access: copy between @buf and the file, any page state. */
struct cb_gmem_io {
	__u64 offset;
	__u64 len;	/* within one page */
	__u64 buf;	/* user pointer */
};

/* What the kernel sees of one page (for probes' details). */
struct cb_gmem_page_state {
	__u64 offset;		/* in: page aligned */
	__u32 private_;		/* out: 1 private, 0 shared */
	__u32 present;		/* out: a folio is in the page cache */
	__u32 mapcount;		/* out: folio_mapcount() */
	__u32 maybe_pinned;	/* out: folio_maybe_dma_pinned() */
	__u64 refcount;		/* out: folio_ref_count() */
};

#define CB_GMEM_IOC			0xCB
#define CB_GMEM_CREATE		_IOW(CB_GMEM_IOC, 0, struct cb_gmem_create)
#define CB_GMEM_TO_PRIVATE	_IOW(CB_GMEM_IOC, 1, struct cb_gmem_range)
#define CB_GMEM_TO_SHARED	_IOW(CB_GMEM_IOC, 2, struct cb_gmem_range)
#define CB_GMEM_WRITE		_IOW(CB_GMEM_IOC, 3, struct cb_gmem_io)
#define CB_GMEM_READ		_IOW(CB_GMEM_IOC, 4, struct cb_gmem_io)
#define CB_GMEM_PAGE_STATE	_IOWR(CB_GMEM_IOC, 5, struct cb_gmem_page_state)

#endif /* _UAPI_LINUX_COWBENCH_GMEM_H */
