// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fim.h"

/*
 * The cache is a chained hash table keyed by the path string, with a
 * power-of-two number of buckets that doubles whenever entries outnumber
 * buckets.  It grows without a fixed bound: entries mirror the files under
 * the watched paths, seeding is capped by max_files, and the caller forgets a
 * path when it is unlinked or renamed away.  A failed grow is not an error,
 * chains just get longer.
 */
#define FIM_MIN_BUCKETS	64
#define FIM_READ_CHUNK	16384

struct fim_entry {
	struct fim_entry *next;
	uint64_t hash;
	uint64_t observed_ns;	/* when st was read by vg_fim_observe_coalesced (0: never) */
	struct vg_fim_state st;
	char path[];
};

struct vg_fim {
	struct fim_entry **buckets;
	size_t mask;		/* buckets - 1 */
	size_t entries;
	off_t size_limit;
};

/* FNV-1a, 64 bit. */
static uint64_t path_hash(const char *path)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (; *path; path++) {
		h ^= (unsigned char)*path;
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

struct vg_fim *vg_fim_new(size_t size_limit)
{
	struct vg_fim *fim;

	if (!size_limit)
		size_limit = VG_FIM_DEFAULT_LIMIT;
	if (size_limit > (size_t)INT64_MAX) {
		errno = EINVAL;
		return NULL;
	}
	fim = calloc(1, sizeof(*fim));
	if (!fim)
		return NULL;
	fim->buckets = calloc(FIM_MIN_BUCKETS, sizeof(*fim->buckets));
	if (!fim->buckets) {
		free(fim);
		return NULL;
	}
	fim->mask = FIM_MIN_BUCKETS - 1;
	fim->size_limit = (off_t)size_limit;
	return fim;
}

void vg_fim_free(struct vg_fim *fim)
{
	struct fim_entry *e, *next;
	size_t i;

	if (!fim)
		return;
	for (i = 0; i <= fim->mask; i++) {
		for (e = fim->buckets[i]; e; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(fim->buckets);
	free(fim);
}

static struct fim_entry **find_slot(const struct vg_fim *fim, const char *path, uint64_t hash)
{
	struct fim_entry **slot = &fim->buckets[hash & fim->mask];

	for (; *slot; slot = &(*slot)->next)
		if ((*slot)->hash == hash && !strcmp((*slot)->path, path))
			break;
	return slot;
}

static void grow(struct vg_fim *fim)
{
	size_t n = (fim->mask + 1) * 2, i;
	struct fim_entry **buckets, *e, *next;

	if (n > SIZE_MAX / sizeof(*buckets))
		return;
	buckets = calloc(n, sizeof(*buckets));
	if (!buckets)
		return;
	for (i = 0; i <= fim->mask; i++) {
		for (e = fim->buckets[i]; e; e = next) {
			next = e->next;
			e->next = buckets[e->hash & (n - 1)];
			buckets[e->hash & (n - 1)] = e;
		}
	}
	free(fim->buckets);
	fim->buckets = buckets;
	fim->mask = n - 1;
}

/* Store st (marked known) for path, replacing any previous state. */
static int record(struct vg_fim *fim, const char *path, const struct vg_fim_state *st)
{
	uint64_t hash = path_hash(path);
	struct fim_entry **slot = find_slot(fim, path, hash), *e;
	size_t len;

	if (*slot) {
		(*slot)->st = *st;
		(*slot)->st.known = true;
		return 0;
	}
	len = strlen(path);
	e = malloc(sizeof(*e) + len + 1);
	if (!e)
		return -ENOMEM;
	memcpy(e->path, path, len + 1);
	e->hash = hash;
	e->st = *st;
	e->st.known = true;
	e->next = *slot;
	*slot = e;
	if (++fim->entries > fim->mask + 1)
		grow(fim);
	return 0;
}

/*
 * SHA-256 of fd's content, read to EOF.  False if it is bigger than limit
 * (it grew since fstat), cannot be read, or OpenSSL fails.  *size is the
 * number of bytes hashed.
 */
static bool digest_fd(int fd, off_t limit, uint8_t out[32], off_t *size)
{
	unsigned char buf[FIM_READ_CHUNK];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	off_t total = 0;
	bool ok = false;
	ssize_t n;

	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return false;
	if (!EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		goto cleanup;
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto cleanup;
		if (!n)
			break;
		total += n;
		if (total > limit)
			goto cleanup;
		if (!EVP_DigestUpdate(ctx, buf, (size_t)n))
			goto cleanup;
	}
	if (!EVP_DigestFinal_ex(ctx, out, &mdlen) || mdlen != 32)
		goto cleanup;
	*size = total;
	ok = true;
cleanup:
	EVP_MD_CTX_free(ctx);
	return ok;
}

static void fill_from_stat(struct vg_fim_state *st, const struct stat *sb)
{
	st->exists = true;
	st->mode = sb->st_mode;
	st->uid = sb->st_uid;
	st->gid = sb->st_gid;
	st->size = sb->st_size;
}

/*
 * The state of path now, lstat semantics: a symlink is described, never
 * followed.  Only regular files are opened, so a FIFO, socket or device is
 * never touched; O_NOFOLLOW and O_NONBLOCK cover one being swapped in between
 * lstat and open, and fstat then describes what was actually opened.
 */
static void read_state(const struct vg_fim *fim, const char *path, struct vg_fim_state *st)
{
	struct stat sb, fsb;
	off_t size;
	int fd;

	memset(st, 0, sizeof(*st));
	if (lstat(path, &sb))
		return;
	fill_from_stat(st, &sb);
	if (!S_ISREG(sb.st_mode) || sb.st_size > fim->size_limit)
		return;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return;		/* EACCES, or replaced by a symlink: keep lstat's view */
	if (fstat(fd, &fsb))
		goto cleanup;
	fill_from_stat(st, &fsb);
	if (!S_ISREG(fsb.st_mode) || fsb.st_size > fim->size_limit)
		goto cleanup;
	if (digest_fd(fd, fim->size_limit, st->sha256, &size)) {
		st->has_digest = true;
		st->size = size;	/* what was hashed, should it have changed */
	} else {
		memset(st->sha256, 0, sizeof(st->sha256));
	}
cleanup:
	close(fd);
}

void vg_fim_stat(const struct vg_fim *fim, const char *path, struct vg_fim_state *st)
{
	read_state(fim, path, st);
	st->known = *find_slot(fim, path, path_hash(path)) != NULL;
}

int vg_fim_observe(struct vg_fim *fim, const char *path, struct vg_fim_state *before,
		   struct vg_fim_state *after)
{
	struct fim_entry *e = *find_slot(fim, path, path_hash(path));
	struct vg_fim_state now;
	int err;

	if (before) {
		if (e)
			*before = e->st;
		else
			memset(before, 0, sizeof(*before));
	}
	read_state(fim, path, &now);
	err = record(fim, path, &now);
	now.known = !err;
	if (after)
		*after = now;
	return err;
}

int vg_fim_observe_coalesced(struct vg_fim *fim, const char *path, uint64_t now_ns,
			     uint64_t min_interval_ns, struct vg_fim_state *before,
			     struct vg_fim_state *after)
{
	struct fim_entry *e = *find_slot(fim, path, path_hash(path));
	int err;

	if (e && e->observed_ns && now_ns - e->observed_ns < min_interval_ns) {
		if (before)
			*before = e->st;
		if (after) {
			*after = e->st;
			after->has_digest = false;	/* not read again */
		}
		return 1;
	}
	err = vg_fim_observe(fim, path, before, after);
	e = *find_slot(fim, path, path_hash(path));
	if (e)
		e->observed_ns = now_ns;
	return err;
}

void vg_fim_forget(struct vg_fim *fim, const char *path, struct vg_fim_state *before)
{
	struct fim_entry **slot = find_slot(fim, path, path_hash(path)), *e = *slot;

	if (before) {
		if (e)
			*before = e->st;
		else
			memset(before, 0, sizeof(*before));
	}
	if (!e)
		return;
	*slot = e->next;
	fim->entries--;
	free(e);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * *names = the entries of dir, sorted so that a max_files cut is
 * deterministic.  The directory is closed before the caller recurses: deep
 * trees cost memory, not file descriptors.  Returns 0 or -errno.
 */
static int list_dir(const char *dir, char ***names, size_t *count)
{
	char **v = NULL, **tmp;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int err = 0, fd;
	DIR *d;

	/* O_NOFOLLOW: a directory swapped for a symlink since lstat is not walked. */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		err = -errno;
		close(fd);
		return err;
	}
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			tmp = realloc(v, cap * sizeof(*v));
			if (!tmp) {
				err = -ENOMEM;
				goto cleanup;
			}
			v = tmp;
		}
		v[n] = strdup(de->d_name);
		if (!v[n]) {
			err = -ENOMEM;
			goto cleanup;
		}
		n++;
	}
	err = -errno;
cleanup:
	closedir(d);
	if (err) {
		while (n)
			free(v[--n]);
		free(v);
		return err;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_names);
	*names = v;
	*count = n;
	return 0;
}

/* Record the regular files below dir (len bytes of buf), depth first. */
static int seed_dir(struct vg_fim *fim, char *buf, size_t len, size_t max_files, size_t *done)
{
	struct vg_fim_state st;
	char **names = NULL;
	size_t n = 0, i;
	struct stat sb;
	int err;

	buf[len] = '\0';
	err = list_dir(buf, &names, &n);
	if (err)
		return err == -ENOMEM ? err : 0;	/* unreadable: skip it */

	for (i = 0; i < n && *done < max_files; i++) {
		size_t nlen = strlen(names[i]);
		size_t sep = len > 1 || buf[0] != '/';	/* no "//" below "/" */

		if (len + sep + nlen >= PATH_MAX)
			continue;
		if (sep)
			buf[len] = '/';
		memcpy(buf + len + sep, names[i], nlen + 1);
		if (lstat(buf, &sb))
			continue;	/* gone meanwhile */
		if (S_ISDIR(sb.st_mode)) {
			err = seed_dir(fim, buf, len + sep + nlen, max_files, done);
			if (err)
				goto cleanup;
		} else if (S_ISREG(sb.st_mode)) {
			read_state(fim, buf, &st);
			err = record(fim, buf, &st);
			if (err)
				goto cleanup;
			(*done)++;
		}
	}
cleanup:
	buf[len] = '\0';
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return err;
}

/*
 * max_files bounds everything recorded, path itself included.  A path that
 * does not exist is recorded as such, so that its creation is reported with
 * a known "did not exist" before.  Symlinks are recorded, not followed;
 * below a directory only regular files are recorded, unreadable
 * subdirectories are skipped.  -ENOMEM if the cache cannot grow.
 */
int vg_fim_seed(struct vg_fim *fim, const char *path, size_t max_files)
{
	struct vg_fim_state st;
	size_t done = 0, len;
	char *buf = NULL;
	int err;

	if (!max_files)
		return 0;
	read_state(fim, path, &st);
	err = record(fim, path, &st);
	if (err)
		return err;
	done = 1;
	if (!st.exists || !S_ISDIR(st.mode))
		return 1;

	len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len >= PATH_MAX)
		return 1;
	buf = malloc(PATH_MAX);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, path, len);
	err = seed_dir(fim, buf, len, max_files, &done);
	free(buf);
	if (err)
		return err;
	return done > INT_MAX ? INT_MAX : (int)done;
}

void vg_fim_hex(const uint8_t sha256[32], char out[65])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[sha256[i] >> 4];
		out[2 * i + 1] = hex[sha256[i] & 0xf];
	}
	out[64] = '\0';
}
