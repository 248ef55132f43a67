/*
 * h5_proc.h - how gxload and an HDF5 reader process talk (h5_proc.c is gxload's side,
 * h5_child.c the reader's).  Private to those two files.
 *
 * Two pipes and one shared mapping.  Requests (cmd_hdr), gxload -> reader: CMD_SCAN with
 * the 'want' flags, CMD_FREE handing a slot back.  Messages (msg_hdr plus 'len' payload
 * bytes), reader -> gxload: MSG_INFO (what the open found), MSG_GENES (a gene table
 * that is not a slice of the open's), MSG_BATCH (cells in a slot), MSG_PROGRESS, and
 * MSG_END closing an open or a scan with its result and gx_err.  Both processes are the
 * same binary, so structs travel as they are.
 */
#ifndef GX_H5_PROC_H
#define GX_H5_PROC_H

#include "extract/h5_layout.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

/* cells per slot: the engines' batch size, so that a batch is one slot */
#define SLOT_CELLS GX_H5_BATCH
#define NSLOTS 2
/* the child's descriptors: requests in, messages out */
#define CHILD_CMD_FD 3
#define CHILD_MSG_FD 4
/* the last object opened, for crash reports */
#define WHERE_MAX 512

/* messages, child -> parent */
enum { MSG_INFO = 1, MSG_END, MSG_GENES, MSG_BATCH, MSG_PROGRESS };
/* requests, parent -> child */
enum { CMD_SCAN = 1, CMD_FREE };

/* batch flags */
#define B_DENSE   1u   /* no gene/sample indexes: row-major by gene */
#define B_MISSING 2u   /* the missing flags are set */
#define B_OPENTAB 4u   /* the gene table is a slice of the open's table; else the last sent */

typedef struct msg_hdr {
	uint32_t type;
	uint32_t slot;
	uint32_t flags;
	uint32_t pad;
	uint64_t a, b, c;  /* MSG_BATCH: cells, genes, gene offset; MSG_PROGRESS: done, total */
	uint64_t row0;     /* MSG_BATCH: the file's gene row of the batch's first gene */
	uint64_t len;      /* payload bytes that follow */
} msg_hdr;

typedef struct cmd_hdr {
	uint32_t type;
	uint32_t slot;
	uint64_t len;      /* CMD_SCAN: n_samples 'want' flags follow, or 0 for all */
} cmd_hdr;

/* one slot: what a gx_cells points into */
typedef struct slot {
	uint32_t gene[SLOT_CELLS];
	uint32_t sample[SLOT_CELLS];
	double value[SLOT_CELLS];
	unsigned char missing[SLOT_CELLS];
} slot;

typedef struct shared {
	char where[WHERE_MAX];
	slot slots[NSLOTS];
} shared;

/* Run the reader process (the child after fork) on 'path'; never returns. */
__attribute__((noreturn)) void gx_h5_child_main(const char *path, const gx_matrix_opts *opts,
                                                int cmd_fd, int msg_fd, shared *shm,
                                                pid_t parent);

/* ---- plain I/O, both sides ---- */

static inline int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* 1 read whole, 0 at EOF before the first byte, -1 on error or EOF inside */
static inline int read_all(int fd, void *buf, size_t n)
{
	char *p = buf;
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return got ? -1 : 0;
		got += (size_t)r;
	}
	return 1;
}

#endif
