/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * netif.h - network interface helpers.
 */
#ifndef VIGIL_NETIF_H
#define VIGIL_NETIF_H

/* Bring interface `name` of the current network namespace up (IFF_UP).
 * Returns 0 or -errno. */
int vg_link_up(const char *name);

#endif /* VIGIL_NETIF_H */
