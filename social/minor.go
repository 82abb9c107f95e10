package social

import (
	"context"

	"kurz"
)

// Minor reports whether a viewer of this region is 13-15, from their
// in-memory state (false for anonymous viewers and people of other
// regions, whom this region knows nothing of).
func (c *Service) Minor(ctx context.Context, viewer *kurz.Profile) bool {
	if viewer == nil {
		return false
	}
	st, err := c.viewer(ctx, viewer.ID)
	if err != nil {
		return false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.minor
}
