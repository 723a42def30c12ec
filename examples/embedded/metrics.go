package main

import (
	"context"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	smokexotel "github.com/smokex/smokex/metrics/otel"
	"github.com/smokex/smokex/record"
)

// serveMetrics serves smokex's metrics at /metrics on the host's mux in the
// Prometheus text format, through the OpenTelemetry Prometheus exporter,
// and returns the hook that records them, for smokex.Config.Hooks, and
// the meter provider's shutdown. A host that already has a MeterProvider
// (and a TracerProvider) passes its own to smokexotel.New instead.
func serveMetrics(mux *http.ServeMux) (record.Hook, func(context.Context) error, error) {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo())
	if err != nil {
		return nil, nil, err
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	rec, err := smokexotel.New(smokexotel.Config{MeterProvider: mp})
	if err != nil {
		return nil, nil, err
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return rec, mp.Shutdown, nil
}
