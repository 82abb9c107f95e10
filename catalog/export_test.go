package catalog

import "time"

// Rank exposes the full re-rank to the external benchmarks.
func (x *Index) Rank(now time.Time) []*PublicVideo { return x.rank(now) }
