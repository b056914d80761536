#!/usr/bin/env python3
"""Host-side peers of the e2e data-path tests (tests/e2e/test-data.sh).

Theory of operation: the guest's traffic leaves the backend as ordinary
host sockets to the host's loopback (the gateway address is mapped to
127.0.0.1 / ::1), so the tests need services there that answer in a way
the guest can check, and a client for the ports forwarded into the guest.
This script is both, one subcommand each; test-data.sh runs the servers
as root inside its private network namespace (never outside), on
127.0.0.1 and ::1 only.

  serve DIR PORT_ECHO PORT_UDP PORT_BULK BULK_FILE
      TCP echo on PORT_ECHO (a thread per connection: the guest opens
      hundreds at once), UDP echo on PORT_UDP, and on PORT_BULK a bulk
      peer: for each connection it sends BULK_FILE while receiving
      everything the guest sends until its FIN, then writes the SHA-256
      of what it received to DIR/bulk-<4|6>.sha (4 or 6: the peer's
      family) and closes.  Runs until killed.
  udp-ask ADDR PORT TEXT
      One datagram to ADDR PORT; prints the reply (3 tries, 2 s each).

Every socket operation of a client has a timeout; the servers are killed
by the test's cleanup (by PID).
"""
import hashlib
import os
import socket
import sys
import threading

ADDRS = (("127.0.0.1", socket.AF_INET), ("::1", socket.AF_INET6))
CHUNK = 65536


def listen(family, addr, port, kind):
    s = socket.socket(family, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, port))
    if kind == socket.SOCK_STREAM:
        s.listen(512)
    return s


def echo_conn(conn):
    with conn:
        conn.settimeout(120)
        try:
            while True:
                data = conn.recv(CHUNK)
                if not data:
                    return
                conn.sendall(data)
        except OSError:
            return


def bulk_conn(conn, family, directory, bulk_file):
    digest = hashlib.sha256()
    conn.settimeout(120)

    def send_file():
        try:
            with open(bulk_file, "rb") as f:
                while True:
                    data = f.read(CHUNK)
                    if not data:
                        break
                    conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)
        except OSError as e:
            print("host-servers: bulk send:", e, file=sys.stderr)

    sender = threading.Thread(target=send_file, daemon=True)
    sender.start()
    try:
        while True:
            data = conn.recv(CHUNK)
            if not data:
                break
            digest.update(data)
    except OSError as e:
        print("host-servers: bulk receive:", e, file=sys.stderr)
    sender.join(120)
    conn.close()
    name = os.path.join(directory, "bulk-%d.sha" % (4 if family == socket.AF_INET else 6))
    with open(name + ".tmp", "w") as out:
        out.write(digest.hexdigest() + "\n")
    os.rename(name + ".tmp", name)


def accept_loop(sock, handler, *args):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=handler, args=(conn,) + args, daemon=True).start()


def udp_echo_loop(sock):
    while True:
        data, peer = sock.recvfrom(CHUNK)
        sock.sendto(data, peer)


def serve(directory, port_echo, port_udp, port_bulk, bulk_file):
    threads = []
    for addr, family in ADDRS:
        echo = listen(family, addr, int(port_echo), socket.SOCK_STREAM)
        udp = listen(family, addr, int(port_udp), socket.SOCK_DGRAM)
        bulk = listen(family, addr, int(port_bulk), socket.SOCK_STREAM)
        threads.append(threading.Thread(target=accept_loop, args=(echo, echo_conn)))
        threads.append(threading.Thread(target=udp_echo_loop, args=(udp,)))
        threads.append(threading.Thread(target=accept_loop,
                                        args=(bulk, bulk_conn, family, directory, bulk_file)))
    for t in threads:
        t.daemon = True
        t.start()
    print("host-servers: ready", flush=True)
    for t in threads:
        t.join()


def udp_ask(addr, port, text):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        s.connect((addr, int(port)))
        for _ in range(3):
            s.send(text.encode())
            try:
                print(s.recv(CHUNK).decode(errors="replace"))
                return 0
            except socket.timeout:
                continue
            except OSError as e:
                print("udp-ask:", e, file=sys.stderr)
                return 1
    print("udp-ask: no reply after 3 tries", file=sys.stderr)
    return 1


def main(argv):
    if len(argv) == 7 and argv[1] == "serve":
        serve(*argv[2:])
        return 0
    if len(argv) == 5 and argv[1] == "udp-ask":
        return udp_ask(*argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
