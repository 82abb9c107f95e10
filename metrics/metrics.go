// Package metrics exposes a process's numbers to Prometheus on a listener
// of its own (never the public port): HTTP requests by route and status
// with latency, job durations and failures, transcode queue depth, link
// lag per peer, catalogue size, edge cache hits and the Go runtime. What a
// region knows is read at scrape time through Source; the package imports
// nothing of kurz but the root package.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry holds the process's collectors.
type Registry struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	jobs     *prometheus.HistogramVec
	failures *prometheus.CounterVec
}

// New returns a registry with the Go runtime and process collectors.
func New() *Registry {
	r := &Registry{reg: prometheus.NewRegistry()}
	r.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kurz_http_requests_total",
		Help: "HTTP requests by route pattern, method and status."}, []string{"route", "method", "status"})
	r.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kurz_http_request_duration_seconds",
		Help: "HTTP request latency by route pattern.", Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10}},
		[]string{"route"})
	r.jobs = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kurz_job_duration_seconds",
		Help: "Job run time by region, kind and outcome.", Buckets: prometheus.ExponentialBuckets(0.01, 3, 12)},
		[]string{"region", "kind", "outcome"})
	r.failures = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kurz_job_failures_total",
		Help: "Failed job attempts by region and kind."}, []string{"region", "kind"})
	r.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		r.requests, r.latency, r.jobs, r.failures)
	return r
}

// Register adds a collector (tusd's, a region's).
func (r *Registry) Register(c prometheus.Collector, labels prometheus.Labels) error {
	return prometheus.WrapRegistererWith(labels, r.reg).Register(c)
}

// Handler serves the registry in the Prometheus text format.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{})
}

// Job records one job attempt.
func (r *Registry) Job(region, kind string, d time.Duration, failed bool) {
	outcome := "ok"
	if failed {
		outcome = "failed"
		r.failures.WithLabelValues(region, kind).Inc()
	}
	r.jobs.WithLabelValues(region, kind, outcome).Observe(d.Seconds())
}

// InstrumentHTTP counts and times every request by the route pattern the
// mux matched (never the raw path: it holds IDs and handles).
func (r *Registry) InstrumentHTTP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(sw, req)
		route := req.Pattern
		if route == "" {
			route = "unmatched"
		}
		r.requests.WithLabelValues(route, req.Method, strconv.Itoa(sw.code)).Inc()
		r.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// Observe counts and times a request answered outside net/http (the
// fast core), under its route pattern like InstrumentHTTP.
func (r *Registry) Observe(route, method string, code int, d time.Duration) {
	r.requests.WithLabelValues(route, method, strconv.Itoa(code)).Inc()
	r.latency.WithLabelValues(route).Observe(d.Seconds())
}

type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController and sendfile reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Source is what one region reports at scrape time.
type Source struct {
	Region string
	// QueueDepth counts media jobs waiting or running.
	QueueDepth func() (float64, error)
	// CatalogueVideos is the catalogue's size.
	CatalogueVideos func() float64
	// LinkLag is, per peer, how many log entries and seconds this region
	// is behind, and whether the peer is up.
	LinkLag func() map[string]Lag
}

// Lag is a region's distance behind a peer's public log.
type Lag struct {
	Events, Seconds float64
	Up              bool
}

// Regions collects the regions' numbers.
type Regions struct {
	Sources   []Source
	queue     *prometheus.Desc
	catalogue *prometheus.Desc
	lagEvents *prometheus.Desc
	lagSecs   *prometheus.Desc
	up        *prometheus.Desc
}

// NewRegions returns a collector over sources.
func NewRegions(sources []Source) *Regions {
	return &Regions{Sources: sources,
		queue:     prometheus.NewDesc("kurz_transcode_queue_depth", "Media jobs waiting or running.", []string{"region"}, nil),
		catalogue: prometheus.NewDesc("kurz_catalogue_videos", "Public videos in the region's catalogue.", []string{"region"}, nil),
		lagEvents: prometheus.NewDesc("kurz_link_lag_events", "Public log entries not yet applied, per peer.", []string{"region", "peer"}, nil),
		lagSecs:   prometheus.NewDesc("kurz_link_lag_seconds", "Age of the oldest unapplied log entry, per peer.", []string{"region", "peer"}, nil),
		up:        prometheus.NewDesc("kurz_link_peer_up", "Whether the peer's log was reachable at last contact.", []string{"region", "peer"}, nil),
	}
}

// Describe sends the descriptors.
func (c *Regions) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.queue, c.catalogue, c.lagEvents, c.lagSecs, c.up} {
		ch <- d
	}
}

// Collect reads every source.
func (c *Regions) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.Sources {
		if s.QueueDepth != nil {
			if n, err := s.QueueDepth(); err == nil {
				ch <- prometheus.MustNewConstMetric(c.queue, prometheus.GaugeValue, n, s.Region)
			}
		}
		if s.CatalogueVideos != nil {
			ch <- prometheus.MustNewConstMetric(c.catalogue, prometheus.GaugeValue, s.CatalogueVideos(), s.Region)
		}
		if s.LinkLag != nil {
			for peer, l := range s.LinkLag() {
				ch <- prometheus.MustNewConstMetric(c.lagEvents, prometheus.GaugeValue, l.Events, s.Region, peer)
				ch <- prometheus.MustNewConstMetric(c.lagSecs, prometheus.GaugeValue, l.Seconds, s.Region, peer)
				up := 0.0
				if l.Up {
					up = 1
				}
				ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up, s.Region, peer)
			}
		}
	}
}

// Counter is a monotonic count read at scrape time (edge cache hits).
func (r *Registry) CounterFunc(name, help string, f func() float64) {
	r.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, f))
}
