package catalog

import "time"

// Rank exposes the full re-rank to the external benchmarks.
func (x *Index) Rank(now time.Time) []Scored { out, _ := x.rank(now); return out }

// Unversioned is v without its version, to compare contents.
func Unversioned(v *PublicVideo) PublicVideo { c := *v; c.ver = 0; return c }
