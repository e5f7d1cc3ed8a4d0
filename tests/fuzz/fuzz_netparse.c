// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fuzz_netparse - the `vigil net` / `vigil xdp` argument parsers on
 * arbitrary strings (the input, cut at its first NUL, in a buffer of exact
 * size).  Both CIDR parsers accept and reject the same strings, to the same
 * value: family 4 or 6, prefix length within the family, host bits clear,
 * only address characters in the input.  An accepted CIDR printed back
 * parses to the same value and prints the same.  A rejected one leaves a
 * NUL-terminated reason.  Accepted protocols name themselves back; accepted
 * hook lists are non-empty subsets of VG_NETCTL_HOOKS_ALL.  The raw input
 * also fills a rule for vg_xdp_rule_str(), which must stay in its buffer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netctl.h"
#include "xdp.h"

static void check_host_bits(const uint8_t *addr, unsigned int plen)
{
	for (unsigned int bit = plen; bit < 128; bit++)
		if (addr[bit / 8] & (0x80u >> (bit % 8)))
			abort();
}

static void check_cidr(const char *s)
{
	struct vg_netctl_rule n, n2;
	struct vg_xdp_rule x, x2;
	char why[96], buf[64], buf2[64];
	int en, ex;

	memset(why, 'x', sizeof(why));
	en = vg_netctl_parse_cidr(s, &n, why, sizeof(why));
	ex = vg_xdp_parse_cidr(s, &x);
	if ((en != 0 && en != -EINVAL) || (ex != 0 && ex != -EINVAL) || !en != !ex)
		abort();
	if (en) {
		if (!memchr(why, '\0', sizeof(why)) || !why[0])
			abort();
		return;
	}
	if (strspn(s, "0123456789abcdefABCDEF:./") != strlen(s))
		abort();

	if (n.family == AF_INET) {
		if (n.prefixlen > 32 || x.family != 4)
			abort();
	} else if (n.family == AF_INET6) {
		if (n.prefixlen > 128 || x.family != 6)
			abort();
	} else {
		abort();
	}
	check_host_bits(n.addr, n.prefixlen);
	if (x.prefixlen != n.prefixlen || memcmp(x.addr, n.addr, 16))
		abort();

	/* Print, parse again: the same value, printed the same. */
	vg_netctl_cidr_str(&n, buf, sizeof(buf));
	if (vg_netctl_parse_cidr(buf, &n2, why, sizeof(why)) || n2.family != n.family ||
	    n2.prefixlen != n.prefixlen || memcmp(n2.addr, n.addr, 16))
		abort();
	if (strcmp(vg_netctl_cidr_str(&n2, buf2, sizeof(buf2)), buf))
		abort();
	if (strcmp(vg_xdp_src_str(&x, buf2, sizeof(buf2)), buf))
		abort();
	if (vg_xdp_parse_cidr(buf2, &x2) || x2.family != x.family ||
	    x2.prefixlen != x.prefixlen || memcmp(x2.addr, x.addr, 16))
		abort();
}

static void check_proto(const char *s)
{
	char buf[8];
	uint8_t p, q;

	if (!vg_netctl_parse_proto(s, &p)) {
		if (p != 0 && p != IPPROTO_TCP && p != IPPROTO_UDP)
			abort();
		if (vg_netctl_parse_proto(vg_netctl_proto_name(p), &q) || q != p)
			abort();
	}
	if (!vg_xdp_parse_proto(s, &p)) {
		if (!p)
			abort();
		if (vg_xdp_parse_proto(vg_xdp_proto_name(p, buf, sizeof(buf)), &q) || q != p)
			abort();
	}
}

static void check_hooks(const char *s)
{
	unsigned int h;

	if (!vg_netctl_parse_hooks(s, &h) && (!h || (h & ~VG_NETCTL_HOOKS_ALL)))
		abort();
}

/* Any bytes as a rule, printed into a buffer of size 1..128. */
static void check_rule_str(const uint8_t *data, size_t size)
{
	struct vg_xdp_rule r = {};
	size_t len;
	char *buf;

	if (!size)
		return;
	len = data[0] % 128 + 1;
	memcpy(&r, data + 1, size - 1 < sizeof(r) ? size - 1 : sizeof(r));
	buf = malloc(len);
	if (!buf)
		abort();
	vg_xdp_rule_str(&r, buf, len);
	if (!memchr(buf, '\0', len))
		abort();
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t len = nul ? (size_t)(nul - data) : size;
	char *s = malloc(len + 1);	/* exact size: ASan sees overreads */

	if (!s)
		return 0;
	memcpy(s, data, len);
	s[len] = '\0';
	check_cidr(s);
	check_proto(s);
	check_hooks(s);
	check_rule_str(data, size);
	free(s);
	return 0;
}
