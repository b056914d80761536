/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Privilege dropping (see isolation.c).
 */
#ifndef VUNET_BACKEND_ISOLATION_H
#define VUNET_BACKEND_ISOLATION_H

#include <stdbool.h>
#include <sys/types.h>

/* Resolves --runas SPEC: "UID", "UID:GID", "USER", "USER:GROUP" (a user's
 * own group when none is given).  Returns 0, or -1 if SPEC names no user
 * or group. */
int isolation_parse_runas(const char *spec, uid_t *uid, gid_t *gid);

/* Tells whether this process is in the initial user namespace (its uid_map
 * is the identity map); true when the map cannot be read. */
bool isolation_in_initial_userns(void);

/* When running as root in the initial user namespace: drops supplementary
 * groups and switches to GID and UID for good.  Does nothing for any other
 * user, nor for uid 0 of another user namespace (`unshare -r`), as passt.
 * Returns 0 or a negative errno (the caller must then not go on). */
int isolation_drop_user(uid_t uid, gid_t gid);

/* Installs the seccomp filter (see isolation.c) when vunetd was built with
 * libseccomp.  Returns 0, or a negative errno. */
int isolation_seccomp(void);

#endif /* VUNET_BACKEND_ISOLATION_H */
