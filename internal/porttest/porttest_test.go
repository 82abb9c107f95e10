package porttest

import (
	"net"
	"strconv"
	"testing"
)

// TestFreeAddr: addresses are loopback, bindable, never handed out twice,
// and below the ephemeral range that outgoing connections take ports from.
func TestFreeAddr(t *testing.T) {
	seen := map[string]bool{}
	top := ephemeralLow()
	for range 200 {
		addr := FreeAddr(t)
		if seen[addr] {
			t.Fatalf("%s handed out twice", addr)
		}
		seen[addr] = true
		host, p, err := net.SplitHostPort(addr)
		port, _ := strconv.Atoi(p)
		if err != nil || host != "127.0.0.1" || port < lowest || port >= top {
			t.Fatalf("%s: not a loopback port in [%d, %d)", addr, lowest, top)
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
		ln.Close()
	}
}
