// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_symbols.c - addresses to names for the profiler: /proc/kallsyms
 * (src/ksyms.c), ELF symbol tables (src/elfsym.c), /proc/PID/maps and the
 * user-space symboliser (src/usyms.c) on this very process, and the CPU
 * list parser (src/flame.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "elfsym.h"
#include "flame.h"
#include "ksyms.h"
#include "usyms.h"

/* A function of this binary with a name to find (not static: any build keeps it). */
__attribute__((noinline)) int vg_unit_marker_fn(int x)
{
	return x * 3 + 1;
}

static char *write_temp(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/vigil-test-sym.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* ---- kallsyms ------------------------------------------------------------------ */

static const char fake_kallsyms[] =
	"ffffffff81002000 T do_work\n"
	"ffffffff81000000 T _stext\n"
	"ffffffff81000000 t __alias_local\n"
	"ffffffff81000000 T _text\n"
	"ffffffff81001000 t helper\n"
	"ffffffff81003000 D some_data\n"
	"ffffffff81004000 W weak_fn\n"
	"ffffffff81004000 t __weak_fn_impl\n"
	"ffffffffc0001000 t mod_fn\t[mymod]\n"
	"ffffffffc0002000 t bpf_prog_6deef7357e7b4530_vg_flame_sample\t[bpf]\n";

static void test_ksyms_finds_the_symbol_containing_an_address(void **state)
{
	char *path = write_temp(fake_kallsyms);
	struct vg_ksyms ks;
	uint64_t off = 0;

	assert_int_equal(vg_ksyms_load(&ks, path), 0);
	unlink(path);
	assert_int_equal(ks.n, 9);		/* some_data is not text */
	assert_string_equal(vg_ksyms_lookup(&ks, 0xffffffff81001010, &off), "helper");
	assert_int_equal(off, 0x10);
	assert_string_equal(vg_ksyms_lookup(&ks, 0xffffffff81002000, &off), "do_work");
	assert_int_equal(off, 0);
	/* past the data symbol: still do_work, data is not a function */
	assert_string_equal(vg_ksyms_lookup(&ks, 0xffffffff81003010, NULL), "do_work");
	assert_string_equal(vg_ksyms_lookup(&ks, 0xffffffffc0001234, NULL), "mod_fn");
	assert_string_equal(vg_ksyms_lookup(&ks, 0xffffffffc0002100, NULL),
			    "bpf_prog_6deef7357e7b4530_vg_flame_sample");
	assert_null(vg_ksyms_lookup(&ks, 0xffffffff80ffffff, NULL));
	vg_ksyms_release(&ks);
}

static void test_ksyms_prefers_global_names_among_aliases(void **state)
{
	char *path = write_temp(fake_kallsyms);
	struct vg_ksyms ks;

	assert_int_equal(vg_ksyms_load(&ks, path), 0);
	unlink(path);
	/* _stext and _text (T, one underscore) over __alias_local (t): _stext first by name */
	assert_string_equal(vg_ksyms_lookup(&ks, 0xffffffff81000004, NULL), "_stext");
	/* weak over local */
	assert_string_equal(vg_ksyms_lookup(&ks, 0xffffffff81004000, NULL), "weak_fn");
	vg_ksyms_release(&ks);
}

static void test_ksyms_hidden_addresses_are_eperm(void **state)
{
	char *path = write_temp("0000000000000000 T _stext\n0000000000000000 t helper\n");
	struct vg_ksyms ks;

	assert_int_equal(vg_ksyms_load(&ks, path), -EPERM);
	unlink(path);
	assert_int_equal(ks.n, 0);
	vg_ksyms_release(&ks);
}

static void test_ksyms_missing_file_or_no_text_fails(void **state)
{
	char *path;
	struct vg_ksyms ks;

	assert_int_equal(vg_ksyms_load(&ks, "/nonexistent/kallsyms"), -ENOENT);
	path = write_temp("ffffffff81003000 D some_data\n");
	assert_int_equal(vg_ksyms_load(&ks, path), -ENOENT);
	unlink(path);
}

/* ---- /proc/PID/maps ---------------------------------------------------------------- */

static const char fake_maps[] =
	"7f0000003000-7f0000004000 r-xp 00002000 fe:01 777 /usr/lib/libz.so.1 (deleted)\n"
	"55d000000000-55d000001000 r--p 00000000 fe:01 1234 /usr/bin/app\n"
	"55d000001000-55d000005000 r-xp 00001000 fe:01 1234 /usr/bin/app\n"
	"7f0000000000-7f0000001000 rwxp 00000000 00:00 0 \n"
	"7f0000001000-7f0000002000 rw-p 00000000 00:00 0\n"
	"7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0                          [vdso]\n"
	"7f0000005000-7f0000006000 r-xp 00000000 08:02 99 /opt/my app/lib x.so\n";

static void test_maps_keeps_executable_mappings_sorted(void **state)
{
	const struct vg_map *m;
	struct vg_maps maps;

	assert_int_equal(vg_maps_parse(fake_maps, &maps), 0);
	assert_int_equal(maps.n, 5);
	for (size_t i = 1; i < maps.n; i++)
		assert_true(maps.v[i - 1].start < maps.v[i].start);
	m = vg_maps_find(&maps, 0x55d000001234);
	assert_non_null(m);
	assert_string_equal(m->path, "/usr/bin/app");
	assert_int_equal(m->offset, 0x1000);
	assert_int_equal(m->ino, 1234);
	assert_int_equal(m->dev, (254u << 8) | 1);
	m = vg_maps_find(&maps, 0x7f0000003fff);
	assert_string_equal(m->path, "/usr/lib/libz.so.1 (deleted)");
	m = vg_maps_find(&maps, 0x7f0000000010);
	assert_non_null(m);
	assert_null(m->path);		/* anonymous */
	assert_string_equal(vg_maps_find(&maps, 0x7ffd00000100)->path, "[vdso]");
	assert_string_equal(vg_maps_find(&maps, 0x7f0000005000)->path, "/opt/my app/lib x.so");
	/* not executable, between mappings, past the end */
	assert_null(vg_maps_find(&maps, 0x55d000000010));
	assert_null(vg_maps_find(&maps, 0x7f0000001010));
	assert_null(vg_maps_find(&maps, 0x7f0000004000));
	vg_maps_release(&maps);
}

static void test_maps_rejects_a_malformed_line(void **state)
{
	struct vg_maps maps;

	assert_int_equal(vg_maps_parse("55d000000000-55d000001000 r-xp junk\n", &maps), -EINVAL);
	assert_int_equal(maps.n, 0);
	assert_int_equal(vg_maps_parse("", &maps), 0);
	assert_int_equal(maps.n, 0);
	vg_maps_release(&maps);
}

/* ---- ELF ----------------------------------------------------------------------------- */

/* The mapping of our own process that holds addr, from /proc/self/maps. */
static void self_mapping(uint64_t addr, struct vg_map *out, char *path, size_t len)
{
	static char buf[1 << 20];
	const struct vg_map *m;
	struct vg_maps maps;
	size_t len_read = 0;
	ssize_t n;
	int fd = open("/proc/self/maps", O_RDONLY);

	assert_true(fd >= 0);
	/* procfs hands out about a page per read */
	while ((n = read(fd, buf + len_read, sizeof(buf) - 1 - len_read)) > 0)
		len_read += (size_t)n;
	close(fd);
	assert_true(len_read > 0 && len_read < sizeof(buf) - 1);
	buf[len_read] = '\0';
	assert_int_equal(vg_maps_parse(buf, &maps), 0);
	m = vg_maps_find(&maps, addr);
	assert_non_null(m);
	assert_non_null(m->path);
	*out = *m;
	snprintf(path, len, "%s", m->path);
	out->path = path;
	vg_maps_release(&maps);
}

/* The function at addr in our process, through maps, program headers and symbols. */
static const char *self_lookup(struct vg_elfsym *e, uint64_t addr)
{
	static char path[PATH_MAX];
	struct vg_map m;
	uint64_t vaddr;

	self_mapping(addr, &m, path, sizeof(path));
	assert_int_equal(vg_elfsym_load(e, path), 0);
	assert_int_equal(vg_elfsym_vaddr(e, addr - m.start + m.offset, &vaddr), 0);
	return vg_elfsym_lookup(e, vaddr, NULL);
}

static void test_elfsym_names_a_function_of_this_executable(void **state)
{
	uint64_t addr = (uint64_t)(uintptr_t)vg_unit_marker_fn;
	struct vg_elfsym e;
	const char *name;

	/* inside the function, not only at its start */
	name = self_lookup(&e, addr + 1);
	assert_non_null(name);
	assert_string_equal(name, "vg_unit_marker_fn");
	assert_true(e.n > 10);
	vg_elfsym_release(&e);
}

static void test_elfsym_names_a_function_of_a_shared_library(void **state)
{
	uint64_t addr = (uint64_t)(uintptr_t)getppid;
	struct vg_elfsym e;
	const char *name = self_lookup(&e, addr);

	assert_non_null(name);
	assert_true(!strcmp(name, "getppid") || !strcmp(name, "__getppid"));
	vg_elfsym_release(&e);
}

static void test_elfsym_reads_the_build_id(void **state)
{
	struct vg_elfsym e;
	char hex[2 * VG_BUILD_ID_MAX + 1];

	assert_int_equal(vg_elfsym_load(&e, "/proc/self/exe"), 0);
	/* Debian's toolchain links with --build-id (SHA-1) */
	assert_int_equal(e.build_id_len, 20);
	assert_int_equal(strlen(vg_elfsym_build_id(&e, hex, sizeof(hex))), 40);
	vg_elfsym_release(&e);
}

static void test_elfsym_offset_outside_segments_is_enoent(void **state)
{
	struct vg_elfsym e;
	uint64_t vaddr;

	assert_int_equal(vg_elfsym_load(&e, "/proc/self/exe"), 0);
	assert_int_equal(vg_elfsym_vaddr(&e, 1ull << 40, &vaddr), -ENOENT);
	vg_elfsym_release(&e);
}

static void test_elfsym_not_elf_is_enoexec(void **state)
{
	char *path = write_temp("#!/bin/sh\necho not elf\n");
	struct vg_elfsym e;

	assert_int_equal(vg_elfsym_load(&e, path), -ENOEXEC);
	unlink(path);
	assert_int_equal(vg_elfsym_load(&e, "/nonexistent"), -ENOENT);
}

static char dbg_dir[32];

static int remove_dbg_dir(void **state)
{
	char cmd[64];

	vg_elfsym_debug_dir = "/usr/lib/debug";
	if (!dbg_dir[0])
		return 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dbg_dir);
	dbg_dir[0] = '\0';
	return system(cmd) ? -1 : 0;
}

/* A stripped copy of this binary gets its symbols from a debug file found by build-id. */
static void test_elfsym_uses_the_debug_file_of_a_stripped_binary(void **state)
{
	char *dir = dbg_dir, sub[128], dbg[384], stripped[128], self[1024],
	     cmd[4096], hex[2 * VG_BUILD_ID_MAX + 1];
	uint64_t addr = (uint64_t)(uintptr_t)vg_unit_marker_fn, vaddr;
	struct vg_elfsym e;
	struct vg_map m;
	char path[PATH_MAX];
	ssize_t n;

	if (access("/usr/bin/objcopy", X_OK))
		skip();
	self_mapping(addr, &m, path, sizeof(path));
	snprintf(dbg_dir, sizeof(dbg_dir), "/tmp/vigil-test-dbg.XXXXXX");
	assert_non_null(mkdtemp(dbg_dir));
	assert_int_equal(vg_elfsym_load(&e, "/proc/self/exe"), 0);
	vg_elfsym_build_id(&e, hex, sizeof(hex));
	vg_elfsym_release(&e);
	snprintf(sub, sizeof(sub), "%s/.build-id/%.2s", dir, hex);
	snprintf(dbg, sizeof(dbg), "%s/%s.debug", sub, hex + 2);
	snprintf(stripped, sizeof(stripped), "%s/stripped", dir);
	/* (in the shell, /proc/self/exe would be the shell's commands) */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && cp '%s' '%s' && objcopy --strip-all '%s' '%s'",
		 sub, self, dbg, self, stripped);
	assert_int_equal(system(cmd), 0);

	/* without the debug file: only .dynsym, which lacks our function */
	vg_elfsym_debug_dir = "/nonexistent";
	assert_int_equal(vg_elfsym_load(&e, stripped), 0);
	assert_false(e.debug_file);
	assert_int_equal(vg_elfsym_vaddr(&e, addr - m.start + m.offset, &vaddr), 0);
	assert_true(!vg_elfsym_lookup(&e, vaddr, NULL) ||
		    strcmp(vg_elfsym_lookup(&e, vaddr, NULL), "vg_unit_marker_fn"));
	vg_elfsym_release(&e);

	vg_elfsym_debug_dir = dir;
	assert_int_equal(vg_elfsym_load(&e, stripped), 0);
	assert_true(e.debug_file);
	assert_string_equal(vg_elfsym_lookup(&e, vaddr, NULL), "vg_unit_marker_fn");
	vg_elfsym_release(&e);
}

static void test_elfsym_reads_the_vdso_from_memory(void **state)
{
	uint64_t base = getauxval(AT_SYSINFO_EHDR);
	struct vg_elfsym e;
	struct vg_map m;
	char path[PATH_MAX];

	if (!base)
		skip();
	self_mapping(base, &m, path, sizeof(path));
	assert_string_equal(m.path, "[vdso]");
	assert_int_equal(vg_elfsym_load_mem(&e, (const void *)(uintptr_t)base, m.end - m.start), 0);
	assert_true(e.n > 0);
	for (size_t i = 0; i < e.n; i++)
		assert_string_equal(vg_elfsym_lookup(&e, e.syms[i].addr, NULL),
				    e.names.data + e.syms[i].name);
	vg_elfsym_release(&e);
}

/* ---- the user-space symboliser on this process ---------------------------------------- */

static void test_usyms_names_own_and_library_functions(void **state)
{
	struct vg_usyms *u = vg_usyms_new(NULL);
	char name[256];

	assert_non_null(u);
	assert_false(vg_usyms_known(u, (uint32_t)getpid()));
	assert_int_equal(vg_usyms_snapshot(u, (uint32_t)getpid()), 0);
	assert_true(vg_usyms_known(u, (uint32_t)getpid()));
	assert_true(vg_usyms_resolve(u, (uint32_t)getpid(),
				     (uint64_t)(uintptr_t)vg_unit_marker_fn + 2, name, sizeof(name)));
	assert_string_equal(name, "vg_unit_marker_fn");
	assert_true(vg_usyms_resolve(u, (uint32_t)getpid(), (uint64_t)(uintptr_t)getppid, name,
				     sizeof(name)));
	assert_true(!strcmp(name, "getppid") || !strcmp(name, "__getppid"));
	/* not mapped */
	assert_false(vg_usyms_resolve(u, (uint32_t)getpid(), 16, name, sizeof(name)));
	assert_string_equal(name, "[unknown]");
	vg_usyms_free(u);
}

static void test_usyms_names_vdso_functions(void **state)
{
	uint64_t base = getauxval(AT_SYSINFO_EHDR);
	struct vg_usyms *u = vg_usyms_new(NULL);
	struct vg_elfsym e;
	struct vg_map m;
	char path[PATH_MAX], name[256];
	uint64_t off;

	if (!base) {
		vg_usyms_free(u);
		skip();
	}
	self_mapping(base, &m, path, sizeof(path));
	assert_int_equal(vg_elfsym_load_mem(&e, (const void *)(uintptr_t)base, m.end - m.start), 0);
	assert_true(e.n > 0 && e.n_segs > 0);
	/* the first symbol's address in the mapping: vaddr -> file offset */
	off = e.syms[0].addr - e.segs[0].vaddr + e.segs[0].offset;
	assert_int_equal(vg_usyms_snapshot(u, (uint32_t)getpid()), 0);
	assert_true(vg_usyms_resolve(u, (uint32_t)getpid(), base + off, name, sizeof(name)));
	assert_string_equal(name, e.names.data + e.syms[0].name);
	vg_elfsym_release(&e);
	vg_usyms_free(u);
}

static void test_usyms_unnamed_code_is_module_plus_offset_or_unknown(void **state)
{
	char path[] = "/tmp/vigil-test-code.XXXXXX", name[256], want[128];
	struct vg_usyms *u = vg_usyms_new(NULL);
	static char page[8192];
	void *file_map, *anon;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	memset(page, 0xcc, sizeof(page));
	assert_int_equal(write(fd, page, sizeof(page)), (ssize_t)sizeof(page));
	/* the second page of a file that is not ELF, executable */
	file_map = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 4096);
	close(fd);
	anon = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(anon != MAP_FAILED);
	assert_int_equal(vg_usyms_snapshot(u, (uint32_t)getpid()), 0);
	if (file_map != MAP_FAILED) {	/* /tmp may be noexec */
		assert_false(vg_usyms_resolve(u, (uint32_t)getpid(),
					      (uint64_t)(uintptr_t)file_map + 0x10, name,
					      sizeof(name)));
		snprintf(want, sizeof(want), "%s+0x1010", strrchr(path, '/') + 1);
		assert_string_equal(name, want);
		munmap(file_map, 4096);
	}
	assert_false(vg_usyms_resolve(u, (uint32_t)getpid(), (uint64_t)(uintptr_t)anon + 8, name,
				      sizeof(name)));
	assert_string_equal(name, "[unknown]");
	munmap(anon, 4096);
	unlink(path);
	vg_usyms_free(u);
}

static void test_usyms_process_without_snapshot_is_unknown(void **state)
{
	struct vg_usyms *u = vg_usyms_new(NULL);
	char name[64];

	assert_false(vg_usyms_resolve(u, 4194304, 0x401000, name, sizeof(name)));
	assert_string_equal(name, "[unknown]");
	/* pid_max is at most 4194304: never a process; known afterwards, without maps */
	assert_int_equal(vg_usyms_snapshot(u, 4194305), -ESRCH);
	assert_true(vg_usyms_known(u, 4194305));
	assert_false(vg_usyms_resolve(u, 4194305, 0x401000, name, sizeof(name)));
	assert_string_equal(name, "[unknown]");
	vg_usyms_free(u);
}

/* ---- CPU lists -------------------------------------------------------------------------- */

static void test_cpulist_parses_ranges_and_singles(void **state)
{
	bool cpus[16];

	assert_int_equal(vg_cpulist_parse("0-3,5,8-9\n", cpus, 16), 7);
	assert_true(cpus[0] && cpus[3] && cpus[5] && cpus[8] && cpus[9]);
	assert_false(cpus[4] || cpus[6] || cpus[7] || cpus[10]);
	assert_int_equal(vg_cpulist_parse("0", cpus, 16), 1);
	assert_int_equal(vg_cpulist_parse("1,1", cpus, 16), 1);
}

static void test_cpulist_rejects_junk(void **state)
{
	bool cpus[4];

	assert_int_equal(vg_cpulist_parse("", cpus, 4), -EINVAL);
	assert_int_equal(vg_cpulist_parse("3-1", cpus, 4), -EINVAL);
	assert_int_equal(vg_cpulist_parse("0-9", cpus, 4), -EINVAL);
	assert_int_equal(vg_cpulist_parse("a", cpus, 4), -EINVAL);
	assert_int_equal(vg_cpulist_parse("1-", cpus, 4), -EINVAL);
	assert_int_equal(vg_cpulist_parse("1;2", cpus, 4), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ksyms_finds_the_symbol_containing_an_address),
		cmocka_unit_test(test_ksyms_prefers_global_names_among_aliases),
		cmocka_unit_test(test_ksyms_hidden_addresses_are_eperm),
		cmocka_unit_test(test_ksyms_missing_file_or_no_text_fails),
		cmocka_unit_test(test_maps_keeps_executable_mappings_sorted),
		cmocka_unit_test(test_maps_rejects_a_malformed_line),
		cmocka_unit_test(test_elfsym_names_a_function_of_this_executable),
		cmocka_unit_test(test_elfsym_names_a_function_of_a_shared_library),
		cmocka_unit_test(test_elfsym_reads_the_build_id),
		cmocka_unit_test(test_elfsym_offset_outside_segments_is_enoent),
		cmocka_unit_test(test_elfsym_not_elf_is_enoexec),
		cmocka_unit_test_teardown(test_elfsym_uses_the_debug_file_of_a_stripped_binary,
					  remove_dbg_dir),
		cmocka_unit_test(test_elfsym_reads_the_vdso_from_memory),
		cmocka_unit_test(test_usyms_names_own_and_library_functions),
		cmocka_unit_test(test_usyms_names_vdso_functions),
		cmocka_unit_test(test_usyms_unnamed_code_is_module_plus_offset_or_unknown),
		cmocka_unit_test(test_usyms_process_without_snapshot_is_unknown),
		cmocka_unit_test(test_cpulist_parses_ranges_and_singles),
		cmocka_unit_test(test_cpulist_rejects_junk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
