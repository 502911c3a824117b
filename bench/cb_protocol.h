/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the guest's /init (bench/guest_init.c) and the harness say to each
 * other, in one place: both sides include this file.
 *
 * The job, host to guest: the file CB_PROTO_JOB_PATH in the initramfs, one
 * "key=value\n" line for each of CB_PROTO_JOB_KEYS, in that order
 * (CB_PROTO_JOB_FORMAT; repetitions is a count, settle_us a number of
 * microseconds the runner sleeps before each measured region (0: none),
 * the others text without control characters).
 *
 * Progress, guest to host on the console (ttyS0): lines that start with
 * CB_PROTO_TAG; "up <...>" once userspace runs.
 *
 * Results, guest to host on ttyS1, after every suite, one frame per file:
 *   CB_PROTO_FILE " <name> <size>\n" <size bytes> "\n" CB_PROTO_END " <name>\n"
 * and CB_PROTO_DONE "\n" at the end.
 */
#ifndef CB_PROTOCOL_H
#define CB_PROTOCOL_H

#define CB_PROTO_JOB_PATH	"/cowbench/job"
#define CB_PROTO_JOB_KEYS	"suites", "profile", "repetitions", "filter", "settle_us"
#define CB_PROTO_JOB_FORMAT	"suites=%s\nprofile=%s\nrepetitions=%d\nfilter=%s\nsettle_us=%d\n"

#define CB_PROTO_TAG		"cowbench-guest: "
#define CB_PROTO_UP		CB_PROTO_TAG "up "

#define CB_PROTO_FILE		"COWBENCH-FILE"
#define CB_PROTO_END		"COWBENCH-END"
#define CB_PROTO_DONE		"COWBENCH-DONE"

/* The suites a job may name, in the order the guest runs them. */
#define CB_SUITE_MICRO		"micro"
#define CB_SUITE_PROBES		"probes"
#define CB_SUITE_SELFTESTS	"selftests"
#define CB_SUITE_ATTACK		"attack"
#define CB_PROTO_SUITES		CB_SUITE_MICRO, CB_SUITE_PROBES, CB_SUITE_SELFTESTS, CB_SUITE_ATTACK

#endif
