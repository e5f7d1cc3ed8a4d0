// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libfakecuda.so - a stand-in for the CUDA driver (libcuda.so.1, whose
 * SONAME it carries) for test_gpu, tests/gpu/test_gpu.sh and bench/gpu.sh:
 * the four functions vigil's GPU sensor probes, with the driver API's real
 * signatures and return convention (CUresult, 0 = CUDA_SUCCESS), and no GPU.
 *
 *   cuLaunchKernel     does nothing; CUDA_ERROR_INVALID_HANDLE for a NULL function
 *   cuMemAlloc_v2      writes a fake device pointer to *dptr; CUDA_ERROR_INVALID_VALUE
 *                      for 0 bytes, CUDA_ERROR_OUT_OF_MEMORY above FAKECUDA_MAX_ALLOC
 *   cuMemFree_v2       CUDA_ERROR_INVALID_VALUE for a pointer it did not hand out
 *   cuCtxSynchronize   sleeps FAKECUDA_SYNC_MS (20 ms): a known latency
 */
#include <pthread.h>
#include <stddef.h>
#include <time.h>

#define VG_EXPORT __attribute__((visibility("default"), noinline))
#define UNUSED __attribute__((unused))

#define FAKECUDA_MAX_ALLOC	(1ULL << 30)	/* 1 GiB per allocation */
#define FAKECUDA_SYNC_MS	20
#define FAKECUDA_LIVE_MAX	256

typedef int CUresult;
typedef unsigned long long CUdeviceptr;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;

enum {
	CUDA_SUCCESS = 0,
	CUDA_ERROR_INVALID_VALUE = 1,
	CUDA_ERROR_OUT_OF_MEMORY = 2,
	CUDA_ERROR_INVALID_HANDLE = 400,
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static CUdeviceptr next_ptr = 0x7f0000000000ULL;	/* device addresses look like this */
static CUdeviceptr live[FAKECUDA_LIVE_MAX];

VG_EXPORT CUresult cuLaunchKernel(CUfunction f, UNUSED unsigned int gridDimX,
				  UNUSED unsigned int gridDimY, UNUSED unsigned int gridDimZ,
				  UNUSED unsigned int blockDimX, UNUSED unsigned int blockDimY,
				  UNUSED unsigned int blockDimZ, UNUSED unsigned int sharedMemBytes,
				  UNUSED CUstream hStream, UNUSED void **kernelParams,
				  UNUSED void **extra)
{
	__asm__ volatile("" ::: "memory");	/* a call, not folded away */
	return f ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

VG_EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytesize)
{
	CUresult r = CUDA_ERROR_OUT_OF_MEMORY;

	if (!dptr || !bytesize)
		return CUDA_ERROR_INVALID_VALUE;
	if (bytesize > FAKECUDA_MAX_ALLOC)
		return CUDA_ERROR_OUT_OF_MEMORY;
	pthread_mutex_lock(&lock);
	for (int i = 0; i < FAKECUDA_LIVE_MAX; i++) {
		if (live[i])
			continue;
		live[i] = next_ptr;
		*dptr = next_ptr;
		/* 2 MiB-aligned, like the driver's large allocations */
		next_ptr += (bytesize + (2u << 20) - 1) & ~((CUdeviceptr)(2u << 20) - 1);
		r = CUDA_SUCCESS;
		break;
	}
	pthread_mutex_unlock(&lock);
	return r;
}

VG_EXPORT CUresult cuMemFree_v2(CUdeviceptr dptr)
{
	CUresult r = CUDA_ERROR_INVALID_VALUE;

	pthread_mutex_lock(&lock);
	for (int i = 0; dptr && i < FAKECUDA_LIVE_MAX; i++) {
		if (live[i] == dptr) {
			live[i] = 0;
			r = CUDA_SUCCESS;
			break;
		}
	}
	pthread_mutex_unlock(&lock);
	return r;
}

VG_EXPORT CUresult cuCtxSynchronize(void)
{
	struct timespec ts = { 0, FAKECUDA_SYNC_MS * 1000000L };

	while (nanosleep(&ts, &ts))
		;
	return CUDA_SUCCESS;
}
