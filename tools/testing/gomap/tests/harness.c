// SPDX-License-Identifier: GPL-2.0
/* The test runner behind harness.h. */
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "tmap.h"

#define MAX_TESTS 256

static struct test_case tests[MAX_TESTS];
static int nr_tests;
static bool cur_failed;
int harness_verbose;
uint64_t harness_seed;

void harness_register(const char *name, void (*fn)(void))
{
	if (nr_tests == MAX_TESTS) {
		fprintf(stderr, "harness: too many tests\n");
		exit(2);
	}
	tests[nr_tests].name = name;
	tests[nr_tests].fn = fn;
	nr_tests++;
}

bool harness_check(bool ok, const char *file, int line, const char *expr, long long a,
		   long long b)
{
	if (!ok) {
		cur_failed = true;
		printf("    # %s:%d: expected %s (%lld vs %lld, %#llx vs %#llx)\n", file, line,
		       expr, a, b, a, b);
	}
	return ok;
}

bool harness_check_true(bool ok, const char *file, int line, const char *expr)
{
	if (!ok) {
		cur_failed = true;
		printf("    # %s:%d: expected %s\n", file, line, expr);
	}
	return ok;
}

void harness_log(const char *fmt, ...)
{
	va_list ap;

	if (!harness_verbose)
		return;
	printf("    # ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-s SEED] [-v] [-t SUBSTRING] [-l]\n", argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *filter = NULL;
	int opt, i, n = 0, passed = 0, failed = 0;
	bool seeded = false;

	while ((opt = getopt(argc, argv, "s:vt:l")) != -1) {
		switch (opt) {
		case 's':
			harness_seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 'v':
			harness_verbose++;
			break;
		case 't':
			filter = optarg;
			break;
		case 'l':
			for (i = 0; i < nr_tests; i++)
				printf("%s\n", tests[i].name);
			return 0;
		default:
			usage(argv[0]);
		}
	}
	if (!seeded) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		harness_seed = (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec ^
			       ((uint64_t)getpid() << 32);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	shim_loglevel = harness_verbose ? 8 : 4;
	printf("# gomap userspace unit tests, seed %#" PRIx64 " (replay: -s %#" PRIx64 ")\n",
	       harness_seed, harness_seed);
	for (i = 0; i < nr_tests; i++)
		n += !filter || strstr(tests[i].name, filter);
	printf("TAP version 13\n1..%d\n", n);
	n = 0;
	for (i = 0; i < nr_tests; i++) {
		long live;

		if (filter && !strstr(tests[i].name, filter))
			continue;
		n++;
		cur_failed = false;
		/* Each case gets its own deterministic stream, derived from the run seed. */
		shim_random_seed(harness_seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1)));
		shim_fail_reset();
		shim_rcu_set_mode(SHIM_RCU_AUTO);
		shim_wq_set_mode(SHIM_WQ_MANUAL);
		live = shim_live_allocs();
		tests[i].fn();
		tmap_cleanup();
		shim_fail_reset();
		shim_wq_set_mode(SHIM_WQ_MANUAL);
		if (shim_exit_check() && live == 0) {
			printf("    # leak after the case\n");
			cur_failed = true;
		} else if (shim_live_allocs() != live) {
			printf("    # %ld allocation(s) leaked\n", shim_live_allocs() - live);
			shim_dump_live("leak");
			cur_failed = true;
		}
		if (shim_in_atomic()) {
			printf("    # case returned in atomic context\n");
			cur_failed = true;
		}
		printf("%sok %d - %s\n", cur_failed ? "not " : "", n, tests[i].name);
		if (cur_failed)
			failed++;
		else
			passed++;
	}
	if (shim_exit_check())
		failed++;
	printf("# seed %#" PRIx64 "\n", harness_seed);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
