package search

import (
	"context"
	"testing"

	"github.com/blevesearch/bleve/v2"
)

type bleveIndex = bleve.Index

// slowIndex is an index whose batches wait until released: a base's last
// batch at a million videos (a minute of work), which a test cannot wait
// for.
type slowIndex struct {
	bleveIndex
	release chan struct{}
	closed  chan struct{}
}

func (s *slowIndex) Batch(b *bleve.Batch) error {
	<-s.release
	return s.bleveIndex.Batch(b)
}

func (s *slowIndex) Close() error {
	close(s.closed)
	return s.bleveIndex.Close()
}

// TestStopDoesNotWaitForABatch: when the index's work is stopped (the
// region closes) during a batch, the build returns at once without the
// index, which is closed once the batch is written.
func TestStopDoesNotWaitForABatch(t *testing.T) {
	t.Parallel()
	tr := newTiers(tagMapping(), nil, nil, nil)
	ix := &slowIndex{bleveIndex: tr.newIndex("base"), release: make(chan struct{}), closed: make(chan struct{})}
	b := ix.NewBatch()
	b.Index("t", tagDoc{Tag: "t"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if write(ctx, ix, b) {
		t.Fatal("a stopped build waited for its batch")
	}
	select {
	case <-ix.closed:
		t.Fatal("the index was closed while its batch was being written")
	default:
	}
	close(ix.release)
	<-ix.closed // closed once written
	base := tr.newIndex("base")
	defer base.Close()
	if !write(context.Background(), base, base.NewBatch()) {
		t.Fatal("a running build did not write its batch")
	}
}
