/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Integer types and 64-bit division for the code shared by the kernel module
 * and userspace (tests, benchmarks).  The shared code is fixed point only:
 * the kernel offers no FPU on these paths.
 */
#ifndef _MPWIFI_TYPES_H
#define _MPWIFI_TYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/math64.h>
#include <linux/string.h>
#else
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

static inline u64 div_u64(u64 dividend, u32 divisor)
{
	return dividend / divisor;
}

static inline u64 div64_u64(u64 dividend, u64 divisor)
{
	return dividend / divisor;
}
#endif

#define MPW_U32_MAX		0xffffffffU
#define MPW_NSEC_PER_USEC	1000U
#define MPW_NSEC_PER_MSEC	1000000U
#define MPW_PPM			1000000U	/* parts per million: shares and rates */

#endif /* _MPWIFI_TYPES_H */
