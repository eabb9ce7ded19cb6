#!/usr/bin/env python3
"""protolab's GB2312 chat peer: a two-thread UDP chat for interop tests.

It behaves like the classic socket-course chat: one UDP socket, bound to a port; a
receiving thread calls recvfrom(1024) and prints each datagram as
">>>[('ip', port)]text"; the main thread reads standard input and sends every line,
without its newline, as one datagram to the other side, in GB2312 (or --encoding).

    python3 gb2312_chat.py --bind PORT --dest IP:PORT [--encoding gb2312] [--linger 1.0] [--ready]

When standard input ends it waits --linger seconds for late datagrams, then exits 0. With --ready
it says "bound to port N" on standard error once its socket is bound (--bind 0: a port the OS
chose), so a test waits for that instead of guessing how long Python takes to start.
"""
import argparse
import socket
import sys
import threading
import time

RECV_SIZE = 1024


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bind", type=int, required=True, help="UDP port to bind on all addresses")
    parser.add_argument("--dest", required=True, help="the other side, as ip:port")
    parser.add_argument("--encoding", default="gb2312", help="text encoding on the wire")
    parser.add_argument("--linger", type=float, default=1.0, help="seconds to stay after input ends")
    parser.add_argument("--ready", action="store_true", help='say "bound to port N" on stderr once bound')
    args = parser.parse_args(argv)
    host, _, port = args.dest.rpartition(":")
    if not host or not port.isdigit():
        parser.error("--dest must be ip:port, not %r" % args.dest)
    args.dest = (host, int(port))
    return args


def receive_forever(sock, encoding):
    while True:
        data, sender = sock.recvfrom(RECV_SIZE)
        text = data.decode(encoding, errors="replace")
        sys.stdout.write(">>>[%s]%s\n" % (sender, text))
        sys.stdout.flush()


def main(argv):
    args = parse_args(argv)
    # Tests speak UTF-8 on the pipes whatever the locale says; only the wire is GB2312.
    sys.stdin.reconfigure(encoding="utf-8")
    sys.stdout.reconfigure(encoding="utf-8")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("", args.bind))
    if args.ready:
        sys.stderr.write("bound to port %d\n" % sock.getsockname()[1])
        sys.stderr.flush()
    receiver = threading.Thread(target=receive_forever, args=(sock, args.encoding), daemon=True)
    receiver.start()
    for line in sys.stdin:
        sock.sendto(line.rstrip("\n").encode(args.encoding), args.dest)
    time.sleep(args.linger)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
