package blob_test

import (
	"testing"

	"kurz/blob"
	"kurz/blob/blobtest"
)

func TestDir(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store { return &blob.Dir{Root: t.TempDir()} })
}
