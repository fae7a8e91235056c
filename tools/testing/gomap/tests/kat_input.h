/* SPDX-License-Identifier: GPL-2.0 */
/* The inputs of the xxh64 known-answer test, shared by the generator and the test. */
#ifndef _KAT_INPUT_H
#define _KAT_INPUT_H

#define KAT_MAX_LEN	4096
#define KAT_LENS	0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, \
			100, 128, 129, 255, 256, 1000, 4096
#define KAT_SEEDS	0ULL, 1ULL, 0x9e3779b185ebca87ULL, 0xffffffffffffffffULL

static inline void kat_fill(unsigned char *buf, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 131 + 7);
}

#endif
