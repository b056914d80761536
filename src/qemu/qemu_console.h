/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "vunet console NAME": the terminal attached to a running domain's first
 * serial console, as "virsh console" does.
 *
 * Theory of operation.  The console's host side is found by asking QEMU
 * (QMP query-chardev) for the first serial character device: a pty
 * ("pty:/dev/pts/N", what <serial type='pty'> gives) is opened, a Unix
 * socket QEMU listens on (<serial type='unix' mode='bind'>) is connected
 * to.  Other kinds (file, null) cannot be attached to and are refused
 * with libvirt's wording.
 *
 * While attached, the terminal is in raw mode (when stdin is a terminal;
 * restored on every exit path, including SIGTERM, SIGHUP, SIGINT and
 * SIGQUIT from outside, which end the copy and then take their usual
 * effect) and bytes are copied both ways.  Ctrl-]
 * (0x1d) typed on stdin detaches, as in virsh; so do end of file on
 * stdin, the console closing, and the domain stopping (checked through
 * its alive lock each time the copy loop wakes up, at least every
 * QEMU_CONSOLE_POLL_MS).
 */
#ifndef VUNET_QEMU_QEMU_CONSOLE_H
#define VUNET_QEMU_QEMU_CONSOLE_H

/* The longest the copy loop sleeps before checking the domain is alive. */
#define QEMU_CONSOLE_POLL_MS 500
/* virsh's escape character: Ctrl-]. */
#define QEMU_CONSOLE_ESCAPE 0x1d

/* 0 when the user detached or the console ended, -1 (reported). */
int qemu_console_attach(const char *state_dir, const char *name);

#endif /* VUNET_QEMU_QEMU_CONSOLE_H */
