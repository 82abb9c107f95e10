package storetest

import (
	"reflect"
	"slices"
	"testing"

	"kurz"
)

// nilStore panics on every call: the recorder counts before it passes a
// call on, which is all these tests need.
type nilStore struct{ kurz.Store }

// TestRecorderNamesEveryMethod calls every method of kurz.Store on a
// recording store and checks that each call is counted under its own
// name, and that the method check then finds nothing missing.
func TestRecorderNamesEveryMethod(t *testing.T) {
	c := newCalls()
	rec := reflect.ValueOf(c.wrap(nilStore{}))
	methods := storeMethods()
	if len(methods) < 90 {
		t.Fatalf("kurz.Store has %d methods; the reflection is wrong", len(methods))
	}
	t.Logf("kurz.Store has %d methods", len(methods))
	for _, name := range methods {
		m := rec.MethodByName(name)
		args := make([]reflect.Value, m.Type().NumIn())
		for i := range args {
			args[i] = reflect.Zero(m.Type().In(i))
		}
		func() {
			defer func() { recover() }()
			if m.Type().IsVariadic() {
				m.CallSlice(args)
			} else {
				m.Call(args)
			}
		}()
		if n := c.count(name); n != 1 {
			t.Errorf("one call of %s counted %d times", name, n)
		}
	}
	if len(c.n) != len(methods) {
		t.Errorf("calls were counted under %d names, want %d: %v", len(c.n), len(methods), c.n)
	}
	if m := c.uncalled(); len(m) != 0 {
		t.Errorf("uncalled after calling every method: %v", m)
	}
}

// TestUncalledListsMissingMethods: the method check reports what was not
// called, and only that.
func TestUncalledListsMissingMethods(t *testing.T) {
	c := newCalls()
	all := c.uncalled()
	if len(all) != len(storeMethods()) || !slices.IsSorted(all) {
		t.Fatalf("uncalled of no calls = %d methods (sorted %v), want all %d", len(all), slices.IsSorted(all), len(storeMethods()))
	}
	for _, m := range storeMethods() {
		if m != "Tx" && m != "VideoByID" {
			c.n[m] = 1
		}
	}
	if got := c.uncalled(); !slices.Equal(got, []string{"Tx", "VideoByID"}) {
		t.Fatalf("uncalled = %v, want [Tx VideoByID]", got)
	}
}
