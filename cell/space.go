package cell

import (
	"fmt"
	"syscall"

	"kurz"
)

// FreeBytes is the space left for unprivileged writes on the file system
// of the region's folder (uploads, the SQLite databases, media).
func (c *Cell) FreeBytes() (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(c.Dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}

// CheckSpace is the free-space floor: it refuses, with ENoSpace (507),
// anything that would write need more bytes while the region's folder has
// less than MinFreeBytes left after them. It reads the file system each
// time, so writes resume by themselves once space returns.
func (c *Cell) CheckSpace(need int64) error {
	if c.MinFreeBytes <= 0 {
		return nil
	}
	free, err := c.FreeBytes()
	if err != nil {
		return &kurz.Error{Code: kurz.EInternal, Message: "internal error", Cause: err}
	}
	if free-need >= c.MinFreeBytes {
		return nil
	}
	msg := "the server is short of storage space; please try again later"
	if need > 0 {
		msg = "the server has no room for this upload now; please try again later"
	}
	return &kurz.Error{Code: kurz.ENoSpace, Message: msg, RetryAfter: 300}
}

// SpaceProblem describes, for readiness checks, how the region's folder is
// below its free-space floor; "" when it is not. It names no path.
func (c *Cell) SpaceProblem() string {
	if c.MinFreeBytes <= 0 {
		return ""
	}
	free, err := c.FreeBytes()
	if err != nil {
		return "free space unknown"
	}
	if free < c.MinFreeBytes {
		return fmt.Sprintf("low on storage space: %d MiB free, below the %d MiB floor", free>>20, c.MinFreeBytes>>20)
	}
	return ""
}
