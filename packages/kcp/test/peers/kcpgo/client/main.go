// Command client is the kcp-go dialer of protolab's interop tests: kcp.DialWithOptions(addr, nil, 0, 0)
// writes the test pattern's first -count messages and checks that the peer echoes every byte back in
// order. kcp-go's Write cuts a message into messages of at most mss bytes, so the echo is checked as
// the byte stream of all messages. It prints one JSON line with what it did, or exits 1 saying why.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/xtaci/kcp-go"
	"kcppattern"
)

func main() {
	connect := flag.String("connect", "", "host:port of the echo listener")
	count := flag.Int("count", 10000, "messages to send")
	nodelay := flag.Int("nodelay", 0, "SetNoDelay: nodelay")
	interval := flag.Int("interval", 30, "SetNoDelay: interval in ms")
	resend := flag.Int("resend", 2, "SetNoDelay: resend")
	nc := flag.Int("nc", 1, "SetNoDelay: nc")
	wnd := flag.Int("wnd", 128, "send and receive window in segments")
	timeout := flag.Duration("timeout", 120*time.Second, "give up after this long")
	flag.Parse()

	session, err := kcp.DialWithOptions(*connect, nil, 0, 0)
	if err != nil {
		fail("dial: %v", err)
	}
	session.SetNoDelay(*nodelay, *interval, *resend, *nc)
	session.SetWindowSize(*wnd, *wnd)
	session.SetDeadline(time.Now().Add(*timeout))

	total := 0
	for i := 0; i < *count; i++ {
		total += kcppattern.Size(i)
	}
	started := time.Now()
	writeErr := make(chan error, 1)
	go func() {
		for i := 0; i < *count; i++ {
			if _, err := session.Write(kcppattern.Message(i)); err != nil {
				writeErr <- err
				return
			}
		}
		writeErr <- nil
	}()

	buffer := make([]byte, 1<<20)
	index, offset, reads := 0, 0, 0
	expected := kcppattern.Message(0)
	for received := 0; received < total; {
		n, err := session.Read(buffer)
		if err != nil {
			fail("read after %d of %d bytes: %v", received, total, err)
		}
		reads++
		for chunk := buffer[:n]; len(chunk) > 0; {
			take := len(expected) - offset
			if take > len(chunk) {
				take = len(chunk)
			}
			if !bytes.Equal(chunk[:take], expected[offset:offset+take]) {
				fail("message %d differs at byte %d", index, offset)
			}
			chunk = chunk[take:]
			offset += take
			received += take
			if offset == len(expected) && index+1 < *count {
				index++
				offset = 0
				expected = kcppattern.Message(index)
			} else if offset == len(expected) && len(chunk) > 0 {
				fail("%d bytes more than were sent", len(chunk))
			}
		}
	}
	if err := <-writeErr; err != nil {
		fail("write: %v", err)
	}
	elapsed := time.Since(started)
	fmt.Printf("{\"messages\":%d,\"bytes\":%d,\"reads\":%d,\"ms\":%d}\n", *count, total, reads, elapsed.Milliseconds())
	session.Close()
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "client: "+format+"\n", args...)
	os.Exit(1)
}
