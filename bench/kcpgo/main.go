// Command kcpgo is the kcp-go side of `pnpm bench kcp`: a kcp-go dialer without FEC or encryption,
// kcp.DialWithOptions(addr, nil, 0, 0), against an echo server (packages/kcp/test/peers/kcpgo/echo-server).
//
//	-mode pingpong: -count round trips of one -size message, one in flight, after -warmup; prints p50 and p99 in µs.
//	-mode bulk: -count messages of -size bytes written as fast as the window allows, until every echo is back; prints messages/s.
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"sort"
	"time"

	"github.com/xtaci/kcp-go"
)

func main() {
	connect := flag.String("connect", "", "host:port of the echo server")
	mode := flag.String("mode", "pingpong", "pingpong or bulk")
	count := flag.Int("count", 2000, "round trips or messages")
	warmup := flag.Int("warmup", 500, "round trips before the measured ones (pingpong)")
	size := flag.Int("size", 64, "message size in bytes")
	nodelay := flag.Int("nodelay", 1, "SetNoDelay: nodelay")
	interval := flag.Int("interval", 10, "SetNoDelay: interval in ms")
	resend := flag.Int("resend", 2, "SetNoDelay: resend")
	nc := flag.Int("nc", 1, "SetNoDelay: nc")
	wnd := flag.Int("wnd", 128, "send and receive window in segments")
	flag.Parse()

	session, err := kcp.DialWithOptions(*connect, nil, 0, 0)
	if err != nil {
		fail("dial: %v", err)
	}
	defer session.Close()
	session.SetNoDelay(*nodelay, *interval, *resend, *nc)
	session.SetWindowSize(*wnd, *wnd)
	session.SetDeadline(time.Now().Add(5 * time.Minute))

	message := make([]byte, *size)
	for i := range message {
		message[i] = 0x70
	}
	buffer := make([]byte, 1<<16)
	switch *mode {
	case "pingpong":
		samples := make([]float64, 0, *count)
		for i := 0; i < *warmup+*count; i++ {
			started := time.Now()
			if _, err := session.Write(message); err != nil {
				fail("write: %v", err)
			}
			for got := 0; got < *size; {
				n, err := session.Read(buffer)
				if err != nil {
					fail("read: %v", err)
				}
				got += n
			}
			if i >= *warmup {
				samples = append(samples, float64(time.Since(started).Nanoseconds())/1e3)
			}
		}
		sort.Float64s(samples)
		fmt.Printf("{\"p50\":%.1f,\"p99\":%.1f}\n", percentile(samples, 50), percentile(samples, 99))
	case "bulk":
		started := time.Now()
		go func() {
			for i := 0; i < *count; i++ {
				if _, err := session.Write(message); err != nil {
					fail("write: %v", err)
				}
			}
		}()
		for got := 0; got < *count**size; {
			n, err := session.Read(buffer)
			if err != nil {
				fail("read: %v", err)
			}
			got += n
		}
		seconds := time.Since(started).Seconds()
		fmt.Printf("{\"messagesPerSecond\":%.0f}\n", float64(*count)/seconds)
	default:
		fail("unknown mode %q", *mode)
	}
}

// percentile is the nearest-rank percentile of sorted samples, as bench/lib/stats.mjs computes it.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	if rank < 0 {
		rank = 0
	}
	if rank >= len(sorted) {
		rank = len(sorted) - 1
	}
	return sorted[rank]
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "kcpgo: "+format+"\n", args...)
	os.Exit(1)
}
