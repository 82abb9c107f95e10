package app

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/tus/tusd/v2/pkg/prometheuscollector"

	"kurz/cell"
	"kurz/edge"
	"kurz/httpapi"
	"kurz/metrics"
	"kurz/region"
)

// startMetrics serves Prometheus metrics on Config.MetricsAddr, a
// listener of its own: the public port has no /metrics. It returns the
// handler wrapper that counts and times API requests.
func (m *Main) startMetrics(cells map[string]*region.Region) (func(http.Handler) http.Handler, error) {
	if m.Config.MetricsAddr == "" {
		return func(h http.Handler) http.Handler { return h }, nil
	}
	reg := metrics.New()
	var sources []metrics.Source
	for name, c := range cells {
		if c.Pipeline.Uploads != nil {
			if err := reg.Register(prometheuscollector.New(c.Pipeline.Uploads.Metrics), prometheus.Labels{"region": name}); err != nil {
				return nil, err
			}
		}
		c.OnJob = func(kind string, d time.Duration, failed bool) { reg.Job(name, kind, d, failed) }
		sources = append(sources, metrics.Source{
			Region: name,
			QueueDepth: func() (float64, error) {
				if c.Jobs == nil {
					return 0, errors.New("no job queue")
				}
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				res, err := c.Jobs.JobList(ctx, river.NewJobListParams().Queues(cell.QueueMedia).First(10000).
					States(rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled))
				if err != nil {
					return 0, err
				}
				return float64(len(res.Jobs)), nil
			},
			CatalogueVideos: func() float64 { return float64(c.Index.Len()) },
			LinkLag: func() map[string]metrics.Lag {
				out := map[string]metrics.Lag{}
				for peer, h := range c.Replication.Health() {
					out[string(peer)] = metrics.Lag{Events: float64(h.LagEvents), Seconds: h.LagSeconds, Up: h.Up}
				}
				return out
			},
		})
	}
	if err := reg.Register(metrics.NewRegions(sources), nil); err != nil {
		return nil, err
	}
	// The edge cache exists when other regions run elsewhere; the
	// families are there either way.
	e := m.api.Edge
	edgeCount := func(f func(*edge.Cache) int64) func() float64 {
		return func() float64 {
			if e == nil {
				return 0
			}
			return float64(f(e))
		}
	}
	reg.CounterFunc("kurz_edge_cache_hits_total", "Edge cache requests served from the cache.", edgeCount(func(e *edge.Cache) int64 { return e.Hits.Load() }))
	reg.CounterFunc("kurz_edge_cache_misses_total", "Edge cache requests fetched from the origin.", edgeCount(func(e *edge.Cache) int64 { return e.Misses.Load() }))
	ln, err := net.Listen("tcp", m.Config.MetricsAddr)
	if err != nil {
		return nil, err
	}
	m.metricsLn = ln
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", reg.Handler())
	m.metricsServer = &http.Server{Handler: mux, ErrorLog: slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn)}
	m.Config.Timeouts.Apply(m.metricsServer)
	go m.metricsServer.Serve(ln)
	m.Log.Info("metrics serving", "addr", ln.Addr().String())
	m.observeMedia = func(head bool, d time.Duration) {
		method := http.MethodGet
		if head {
			method = http.MethodHead
		}
		reg.Observe(httpapi.MediaRoute, method, http.StatusOK, d)
	}
	return reg.InstrumentHTTP, nil
}

// MetricsURL is the metrics listener's base URL ("" without one).
func (m *Main) MetricsURL() string {
	if m.metricsLn == nil {
		return ""
	}
	return "http://" + m.metricsLn.Addr().String()
}
