// Command echo-server is the kcp-go side of protolab's interop tests: a kcp-go listener without FEC
// or encryption, kcp.ListenWithOptions(addr, nil, 0, 0), that echoes every message it reads. With
// -verify it also checks that message i of each session is exactly the test pattern's message i,
// which proves kcp-go reassembled protolab's fragments (frg) into whole messages.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/xtaci/kcp-go"
	"kcppattern"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	nodelay := flag.Int("nodelay", 0, "SetNoDelay: nodelay")
	interval := flag.Int("interval", 30, "SetNoDelay: interval in ms")
	resend := flag.Int("resend", 2, "SetNoDelay: resend")
	nc := flag.Int("nc", 1, "SetNoDelay: nc")
	wnd := flag.Int("wnd", 128, "send and receive window in segments")
	verify := flag.Bool("verify", false, "check that message i is the pattern's message i")
	flag.Parse()

	listener, err := kcp.ListenWithOptions(*listen, nil, 0, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo-server:", err)
		os.Exit(1)
	}
	// The test reads this line to learn the port.
	fmt.Printf("listening %s\n", listener.Addr().String())
	for {
		session, err := listener.AcceptKCP()
		if err != nil {
			fmt.Fprintln(os.Stderr, "echo-server:", err)
			os.Exit(1)
		}
		session.SetNoDelay(*nodelay, *interval, *resend, *nc)
		session.SetWindowSize(*wnd, *wnd)
		go echo(session, *verify)
	}
}

func echo(session *kcp.UDPSession, verify bool) {
	defer session.Close()
	buffer := make([]byte, 1<<20)
	for index := 0; ; index++ {
		n, err := session.Read(buffer)
		if err != nil {
			if err != io.EOF {
				fmt.Fprintln(os.Stderr, "echo-server: read:", err)
			}
			return
		}
		if verify {
			want := kcppattern.Message(index)
			if !bytes.Equal(buffer[:n], want) {
				fmt.Fprintf(os.Stderr, "echo-server: message %d: got %d bytes, want %d (or other bytes)\n", index, n, len(want))
				os.Exit(2)
			}
		}
		if _, err := session.Write(buffer[:n]); err != nil {
			fmt.Fprintln(os.Stderr, "echo-server: write:", err)
			return
		}
	}
}
