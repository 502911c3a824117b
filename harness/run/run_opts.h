/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CB_RUN_OPTS_H
#define CB_RUN_OPTS_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>

/* --cpu's limit: what a cpu_set_t holds. */
#define CB_RUN_MAX_CPU (CPU_SETSIZE - 1)

struct cb_run_opts {
	bool host;		/* measure the running kernel, no VM */
	bool quick;		/* smallest size per case, 2 iterations */
	int repetitions;
	bool repetitions_given;	/* else by mode: 9 in wall-clock modes with 2+ cells */
	int rounds;		/* boots per cell, interleaved; 0: by mode */
	int perturb;		/* perturbation boot number (initramfs padding), 0: none */
	int cpu;		/* -1: the runner picks */
	const char *filter;	/* regex over benchmark names */
	const char *out;	/* parent directory of the dataset */
	const char *bench;	/* the benchmark runner binary */

	/* Runs inside QEMU (without --host) */
	const char *kernels;	/* matrix: "default", "default:refcount,debug" */
	const char *suites;	/* "micro", "micro,selftests" */
	const char *accel;	/* auto | kvm | tcg */
	const char *mode;	/* auto | icount | wall */
	const char *resume;	/* dataset directory to continue */
	int timeout_s;		/* per boot; 0: by profile */
	int smp;
	int mem_mib;
	/*
	 * Cells booted at once; 0 (the default): by mode -- under icount as
	 * many as the host's CPUs and memory hold (each QEMU is one host
	 * thread, and the counts stay bit-identical), in a wall-clock mode 1
	 * (cells would disturb each other's clocks).  cb_cell_jobs(), jobs.h.
	 */
	int jobs;
};

/* Known guest suites, for argument checking. */
extern const char *const cb_guest_suites[];

/*
 * The runs (run_host.c, run_vm.c).  Each returns an exit code (exit.h);
 * CB_EXIT_USAGE for unusable input with the message in @err, which the
 * command prints as its usage error.  What goes wrong once the run has
 * started is printed where it happens, as the run's progress is.
 */
int cb_run_host(const struct cb_run_opts *o, char *err, size_t errlen);
/*
 * A value that goes into the guest's line-based job file and onto
 * terminals: no control character.  0, or -1 with "--@opt '...': ..." in @err.
 */
int cb_run_text_arg(const char *opt, const char *value, char *err, size_t errlen);
/*
 * Read a suite's results back, record completeness in @suite (meta.json),
 * print the summary and write it to <dir>/summary.txt.  Returns an exit code.
 * (run_summary.c, as cb_run_print_summary().)
 */
struct json_t;
int cb_run_summarise(const struct cb_run_opts *o, const char *dir, const char *json_path,
		     struct json_t *suite);
int cb_run_vm(const struct cb_run_opts *o, char *err, size_t errlen);
/* The results table on stdout and in <dir>/summary.txt; -1 when the file could not be written. */
struct cb_results;
int cb_run_print_summary(const struct cb_results *res, const char *mode, const char *dir);
/* Requested "cowbench.<knob>=<value>" vs the guest's active policy files. */
int cb_policy_check(const char *cmdline, const char *cell_dir, char *why, size_t len);
/* The policy files' names the guest records (bench/guest_init.c's rule). */
#define CB_POLICY_NAME_MAX 40
#define CB_POLICY_MAX 64
bool cb_policy_name_ok(const char *name);
/*
 * The cell's "policies" (active value per knob), "tainted" (count after the
 * suites) and "policy_files" (other files) from its guest/policy.* files.
 */
void cb_policy_record(const char *cell_dir, struct json_t *s);
/* --rounds: the cell's tainted count, the sum of its rounds' (@list). */
void cb_rounds_tainted(struct json_t *s, struct json_t *list);
/* Whether a guest suite's end ("exit 0", "signal 11 ...") fails its cell (cell_status.c). */
bool cb_suite_end_failed(const char *name, const char *end);

/*
 * How long the benchmark runner lets the machine settle before each
 * measured region (bench/measure.c says why), in microseconds.  Under
 * icount, 2 ms of guest time let a held child block and the RCU callbacks
 * of an exited child finish: over six perturbation boots the fault and
 * pin paths kept within 0.09% (10 ms: 0.03%, none: 0.44%), and the
 * quick job's 3220 regions cost 5.5 s of wall time more than no settle
 * (idle guest time is not free under TCG: 0.8 s of wall a guest second).
 * In wall-clock modes (KVM, plain TCG, the host) 1 ms lets a held child
 * block.
 */
static inline int cb_settle_us(bool icount)
{
	return icount ? 2000 : 1000;
}

/*
 * Parse `cowbench run` arguments (argv[0] is "run").  Returns 0, 1 when help
 * was printed, or -1 with a message for the user in @err.
 */
int cb_run_parse_args(int argc, char **argv, struct cb_run_opts *o, char *err,
		      size_t errlen);

#endif
