// Package porttest gives tests a loopback address to start a server on
// (a kurz process, mailpit, versitygw) that nothing else takes meanwhile.
//
// A port the kernel hands out for ":0" comes from the ephemeral range,
// the same range every outgoing connection of the machine takes its
// local port from: between the test closing its probe listener and the
// server binding the port, a connection (to PostgreSQL, to another test's
// server) could take it, and the server failed with "address already in
// use". FreeAddr picks from below the ephemeral range instead, where only
// explicit binds go, and never hands one port out twice in a process.
package porttest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"testing"
)

// lowest is the lowest port handed out.
const lowest = 10000

var (
	mu     sync.Mutex
	handed = map[int]bool{}
)

// FreeAddr returns 127.0.0.1:port for a port that was free just now,
// below the ephemeral range and not handed out before in this process.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	top := ephemeralLow()
	mu.Lock()
	defer mu.Unlock()
	for range 1000 {
		port := lowest + rand.IntN(top-lowest)
		if handed[port] {
			continue
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			continue // in use by someone else
		}
		ln.Close()
		handed[port] = true
		return addr
	}
	tb.Fatalf("no free port between %d and %d", lowest, top)
	return ""
}

// ephemeralLow is the first port of the kernel's ephemeral range.
func ephemeralLow() int {
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		var lo, hi int
		if n, _ := fmt.Sscan(string(b), &lo, &hi); n == 2 && lo > lowest+1000 {
			low = lo
		}
	}
	return low
}
