package app

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseSize reads a byte count: a plain number, or one with a unit (KB,
// MB, GB, TB in powers of 1000; KiB, MiB, GiB, TiB in powers of 1024).
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
	}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || (n > 0 && n > (1<<62)/mult) {
		return 0, fmt.Errorf("%q is not a size (like 512MiB or 2GB)", s)
	}
	return n * mult, nil
}

// sizeFlag is a flag.Value for a byte count written with ParseSize.
type sizeFlag struct{ p *int64 }

// SizeFlag returns a flag.Value that sets *p from a size like 512MiB.
func SizeFlag(p *int64) interface {
	String() string
	Set(string) error
} {
	return sizeFlag{p}
}

func (f sizeFlag) String() string {
	if f.p == nil {
		return ""
	}
	return strconv.FormatInt(*f.p, 10)
}

func (f sizeFlag) Set(s string) error {
	n, err := ParseSize(s)
	if err != nil {
		return err
	}
	*f.p = n
	return nil
}
