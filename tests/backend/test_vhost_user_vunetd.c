// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The real vunetd binary driven over vhost-user by the test front-end.
 *
 * Each case starts build/vunetd (VUNETD_PATH, set by meson for the build
 * this test belongs to) in the foreground with --vhost-user on a socket in
 * a fresh temporary directory, with explicit guest addresses so the host's
 * own configuration does not matter, and plays QEMU or DPDK against it.
 * The guest-visible check is ARP: vunetd answers a request for the
 * gateway with its own MAC, which proves frames go both ways through the
 * device, the main loop and the protocol code.  Traffic stays inside the
 * test's memory; no packet reaches any network.
 *
 * If vunetd is not built the cases are skipped with the reason.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/backend/frontend.h"
#include "tests/harness.h"

#define TIMEOUT_MS 5000
#define EXIT_WAIT_MS 3000

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t our_mac[6] = { 0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55 };
static const uint8_t guest_ip[4] = { 10, 0, 2, 15 };
static const uint8_t gw_ip[4] = { 10, 0, 2, 2 };

struct vunetd {
	pid_t pid;
	char dir[64];
	char path[128];
};

static int vunetd_start(struct vunetd *v, bool one_off)
{
	strcpy(v->dir, "/tmp/vunet-vunetd-XXXXXX");
	if (!mkdtemp(v->dir))
		return -errno;
	snprintf(v->path, sizeof(v->path), "%s/vhost.sock", v->dir);
	v->pid = fork();
	if (v->pid < 0)
		return -errno;
	if (!v->pid) {
		/* vunetd's seccomp filter forbids what LeakSanitizer needs at
		 * exit (it reports "does not work under ptrace" and fails the
		 * exit status); address and UB checks stay on. */
		const char *asan = getenv("ASAN_OPTIONS");
		char opts[512];

		snprintf(opts, sizeof(opts), "%s%sdetect_leaks=0",
			 asan ? asan : "", asan && *asan ? ":" : "");
		setenv("ASAN_OPTIONS", opts, 1);
		execl(VUNETD_PATH, "vunetd", "--vhost-user", "--socket", v->path,
		      "-f", "-q", "-a", "10.0.2.15", "-n", "24", "-g", "10.0.2.2",
		      one_off ? "-1" : NULL, (char *)NULL);
		_exit(127);
	}
	return 0;
}

/* Waits for V to exit.  Returns its wait status, or -1 on timeout. */
static int vunetd_wait(struct vunetd *v, int timeout_ms)
{
	int status, i;

	for (i = 0; i < timeout_ms / 10; i++) {
		if (waitpid(v->pid, &status, WNOHANG) == v->pid) {
			v->pid = 0;
			return status;
		}
		usleep(10000);
	}
	return -1;
}

static void vunetd_stop(struct vunetd *v)
{
	if (v->pid > 0) {
		kill(v->pid, SIGTERM);
		if (vunetd_wait(v, EXIT_WAIT_MS) < 0) {
			kill(v->pid, SIGKILL);
			waitpid(v->pid, NULL, 0);
		}
	}
	unlink(v->path);
	rmdir(v->dir);
}

static size_t build_arp_request(uint8_t *f)
{
	static const uint8_t arp_hdr[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };

	memset(f, 0xff, 6);
	memcpy(f + 6, guest_mac, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	memcpy(f + 14, arp_hdr, 8);
	memcpy(f + 22, guest_mac, 6);
	memcpy(f + 28, guest_ip, 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, gw_ip, 4);
	return 42;
}

/* Sends an ARP request for the gateway and checks vunetd's reply, with
 * RX buffers of BUF_LEN bytes posted.  Returns NULL or what was wrong. */
static const char *arp_round_trip_in(struct fe *fe, uint32_t buf_len)
{
	uint8_t req[64], got[2048];
	int len = -EAGAIN, i;

	if (fe_rx_post(fe, 8, buf_len))
		return "cannot post RX buffers";
	if (fe_tx_send(fe, req, build_arp_request(req)))
		return "cannot send on TX";
	for (i = 0; i < 3 && len == -EAGAIN; i++) {
		if (fe_wait_used(fe, &fe->rx, TIMEOUT_MS))
			return "no frame on RX";
		len = fe_rx_recv(fe, got, sizeof(got), NULL);
		/* Skip anything else vunetd volunteers (none expected). */
		if (len >= 42 && (got[12] != 0x08 || got[13] != 0x06))
			len = -EAGAIN;
	}
	if (len < 42)
		return "RX frame too short or malformed";
	if (memcmp(got, guest_mac, 6) || memcmp(got + 6, our_mac, 6))
		return "wrong Ethernet addresses in the reply";
	if (got[21] != 2 || memcmp(got + 22, our_mac, 6) ||
	    memcmp(got + 28, gw_ip, 4))
		return "not an ARP reply for the gateway";
	return NULL;
}

static const char *arp_round_trip(struct fe *fe)
{
	return arp_round_trip_in(fe, 2048);
}

#define START(v, one_off)                                                 \
	struct vunetd v;                                                  \
	if (access(VUNETD_PATH, X_OK))                                    \
		SKIP("%s is not built", VUNETD_PATH);                     \
	CHECK_INT(vunetd_start(&v, one_off), 0)

static struct fe *connect_started(struct vunetd *v, enum fe_style style)
{
	static const struct fe_config cfg;
	struct fe *fe = fe_new(&cfg);

	if (!fe)
		return NULL;
	fe->timeout_ms = TIMEOUT_MS;
	if (fe_connect(fe, v->path, TIMEOUT_MS) || fe_handshake(fe, style)) {
		fe_free(fe);
		return NULL;
	}
	return fe;
}

TEST(vunetd_answers_arp_after_qemu_handshake)
{
	START(v, false);
	struct fe *fe = connect_started(&v, FE_STYLE_QEMU);
	const char *why;

	if (!fe)
		vunetd_stop(&v);
	CHECK_MSG(fe, "vunetd did not complete the handshake at %s", v.path);
	why = arp_round_trip(fe);
	fe_free(fe);
	vunetd_stop(&v);
	CHECK_MSG(!why, "%s", why);
}

/* The smallest merged buffers a Linux guest posts. */
TEST(vunetd_answers_arp_into_1536_byte_merged_buffers)
{
	START(v, false);
	struct fe *fe = connect_started(&v, FE_STYLE_QEMU);
	const char *why;

	if (!fe)
		vunetd_stop(&v);
	CHECK_MSG(fe, "vunetd did not complete the handshake at %s", v.path);
	why = arp_round_trip_in(fe, 1536);
	fe_free(fe);
	vunetd_stop(&v);
	CHECK_MSG(!why, "%s", why);
}

TEST(vunetd_answers_arp_after_dpdk_handshake)
{
	START(v, false);
	struct fe *fe = connect_started(&v, FE_STYLE_DPDK);
	const char *why;

	if (!fe)
		vunetd_stop(&v);
	CHECK_MSG(fe, "vunetd did not complete the handshake at %s", v.path);
	why = arp_round_trip(fe);
	fe_free(fe);
	vunetd_stop(&v);
	CHECK_MSG(!why, "%s", why);
}

TEST(vunetd_accepts_a_new_front_end_after_disconnect)
{
	START(v, false);
	struct fe *fe = connect_started(&v, FE_STYLE_QEMU);
	const char *why = "reconnect or handshake failed";

	if (!fe)
		vunetd_stop(&v);
	CHECK_MSG(fe, "vunetd did not complete the handshake at %s", v.path);
	fe_disconnect(fe);
	if (!fe_connect(fe, v.path, TIMEOUT_MS) &&
	    !fe_handshake(fe, FE_STYLE_QEMU))
		why = arp_round_trip(fe);
	fe_free(fe);
	vunetd_stop(&v);
	CHECK_MSG(!why, "%s", why);
}

TEST(vunetd_survives_a_broken_front_end)
{
	static uint8_t junk[100000];
	START(v, false);
	struct fe *fe = connect_started(&v, FE_STYLE_QEMU);
	const char *why = "reconnect or handshake failed";

	if (!fe)
		vunetd_stop(&v);
	CHECK_MSG(fe, "vunetd did not complete the handshake at %s", v.path);
	fe_send_raw(fe, FE_SET_MEM_TABLE, FE_FLAG_VERSION, junk, sizeof(junk),
		    NULL, 0);
	if (fe_peer_alive(fe))
		why = "oversized message did not drop the connection";
	fe_disconnect(fe);
	if (!fe_connect(fe, v.path, TIMEOUT_MS) &&
	    !fe_handshake(fe, FE_STYLE_QEMU))
		why = arp_round_trip(fe);
	fe_free(fe);
	vunetd_stop(&v);
	CHECK_MSG(!why, "%s", why);
}

TEST(vunetd_one_off_exits_when_front_end_leaves)
{
	START(v, true);
	struct fe *fe = connect_started(&v, FE_STYLE_QEMU);
	int status;

	if (!fe)
		vunetd_stop(&v);
	CHECK_MSG(fe, "vunetd did not complete the handshake at %s", v.path);
	fe_free(fe);
	status = vunetd_wait(&v, EXIT_WAIT_MS);
	vunetd_stop(&v);
	CHECK_MSG(status >= 0, "vunetd -1 still running after disconnect");
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), 0);
}

int main(int argc, char **argv) { return test_main(argc, argv); }
