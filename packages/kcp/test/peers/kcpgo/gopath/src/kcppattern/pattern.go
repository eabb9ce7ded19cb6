// Package kcppattern is the interop test pattern that both kcp-go peers (client, echo-server) send
// and check, the same as test/helpers/pattern.ts: message i's size and bytes.
// It is put on GOPATH by test/helpers/kcpgo.ts (and bench/kcp.mjs), so the peers build offline.
// Sizes run from 1 B to 64 KiB, with the fragment boundaries (mss 1376 at mtu 1400) among them.
package kcppattern

// Size is the length of message i.
func Size(i int) int {
	switch {
	case i%100 == 0:
		return 1
	case i%100 == 99:
		return 65536 - (i/100)%3
	case i%100 == 50:
		return 1375 + (i/100)%3
	default:
		return 1 + int((uint32(i)*2654435761)%2048)
	}
}

// Message is message i: Size(i) bytes derived from i and the position.
func Message(i int) []byte {
	b := make([]byte, Size(i))
	for j := range b {
		b[j] = byte(i*31 + j*7 + (j >> 8))
	}
	return b
}
