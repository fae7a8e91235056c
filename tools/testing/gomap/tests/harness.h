/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small test runner in the spirit of KUnit: TEST() cases register
 * themselves, EXPECT_*() records a failure and goes on, ASSERT_*() ends the
 * case.  Every case ends with the shim drained and checked: no live
 * allocation left, no lock held, every map the case created still passing
 * gomap_test_check() before it is destroyed.
 *
 * Output is TAP ("ok N - name") and a last line "N passed, N failed".
 * Options: -s SEED (replay), -v (verbose), -t SUBSTRING (filter), -l (list).
 */
#ifndef _GOMAP_HARNESS_H
#define _GOMAP_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../shim/shim.h"

struct test_case {
	const char *name;
	void (*fn)(void);
};

void harness_register(const char *name, void (*fn)(void));
bool harness_check(bool ok, const char *file, int line, const char *expr, long long a,
		   long long b);
bool harness_check_true(bool ok, const char *file, int line, const char *expr);
void harness_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern int harness_verbose;
extern uint64_t harness_seed;

#define TEST(name)							\
	static void test_##name(void);					\
	__attribute__((constructor)) static void register_##name(void)	\
	{ harness_register(#name, test_##name); }			\
	static void test_##name(void)

#define __CMP(a, op, b) ({						\
	long long __a = (long long)(a), __b = (long long)(b);		\
	harness_check(__a op __b, __FILE__, __LINE__, #a " " #op " " #b, __a, __b); })

#define EXPECT_EQ(a, b)		__CMP(a, ==, b)
#define EXPECT_NE(a, b)		__CMP(a, !=, b)
#define EXPECT_LT(a, b)		__CMP(a, <, b)
#define EXPECT_LE(a, b)		__CMP(a, <=, b)
#define EXPECT_GT(a, b)		__CMP(a, >, b)
#define EXPECT_GE(a, b)		__CMP(a, >=, b)
#define EXPECT_TRUE(c)		harness_check_true(!!(c), __FILE__, __LINE__, #c)
#define EXPECT_FALSE(c)		harness_check_true(!(c), __FILE__, __LINE__, "!(" #c ")")
#define EXPECT_MEMEQ(a, b, n)	harness_check_true(!memcmp((a), (b), (n)), __FILE__, __LINE__, \
						   "memcmp(" #a ", " #b ", " #n ") == 0")

#define ASSERT_EQ(a, b)		do { if (!EXPECT_EQ(a, b)) return; } while (0)
#define ASSERT_NE(a, b)		do { if (!EXPECT_NE(a, b)) return; } while (0)
#define ASSERT_LT(a, b)		do { if (!EXPECT_LT(a, b)) return; } while (0)
#define ASSERT_LE(a, b)		do { if (!EXPECT_LE(a, b)) return; } while (0)
#define ASSERT_GE(a, b)		do { if (!EXPECT_GE(a, b)) return; } while (0)
#define ASSERT_GT(a, b)		do { if (!EXPECT_GT(a, b)) return; } while (0)
#define ASSERT_TRUE(c)		do { if (!EXPECT_TRUE(c)) return; } while (0)
#define ASSERT_FALSE(c)		do { if (!EXPECT_FALSE(c)) return; } while (0)

#endif /* _GOMAP_HARNESS_H */
