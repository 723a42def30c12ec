//go:build !slim

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/metrics/datadog"
	smokexotel "github.com/smokex/smokex/metrics/otel"
	"github.com/smokex/smokex/record"
)

// The environment that the metrics flags fall back on: OpenTelemetry's and
// Datadog's own variables.
const (
	otlpEndpointEnv        = "OTEL_EXPORTER_OTLP_ENDPOINT"
	otlpTracesEndpointEnv  = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	otlpMetricsEndpointEnv = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"
	otlpHeadersEnv         = "OTEL_EXPORTER_OTLP_HEADERS"
	otelServiceNameEnv     = "OTEL_SERVICE_NAME"
	exemplarFilterEnv      = "OTEL_METRICS_EXEMPLAR_FILTER"
	dogstatsdURLEnv        = "DD_DOGSTATSD_URL"
	ddAgentHostEnv         = "DD_AGENT_HOST"
	ddDogstatsdPortEnv     = "DD_DOGSTATSD_PORT"
)

// defaultServiceName is the OpenTelemetry service.name unless
// OTEL_SERVICE_NAME says otherwise.
const defaultServiceName = "smokex"

// metricsFlags are the flags of serve for metrics and traces: /metrics in
// the Prometheus format, DogStatsD, OTLP over HTTP.
type metricsFlags struct {
	metrics      bool
	statsd       string
	otlpEndpoint string

	// Set by setup.
	handler  http.Handler
	shutdown []func(context.Context) error
}

// define adds the metrics flags to fs.
func (f *metricsFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.metrics, "metrics", true, "serve the metrics on --addr at /metrics, in the Prometheus text format")
	fs.StringVar(&f.statsd, "statsd", "", "send the metrics and a service check per plan to the DogStatsD agent at `ADDR` (host:port or unix:///path; default $"+dogstatsdURLEnv+", or $"+ddAgentHostEnv+":8125)")
	fs.StringVar(&f.otlpEndpoint, "otlp-endpoint", "", "export metrics and traces by OTLP over HTTP to `URL` (default $"+otlpEndpointEnv+"; the other OTEL_* variables apply)")
}

// check reports a metrics flag with a value that cannot work.
func (f *metricsFlags) check() error {
	if f.otlpEndpoint != "" {
		if u, err := url.Parse(f.otlpEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--otlp-endpoint must be an http or https URL, not %q", f.otlpEndpoint)
		}
	}
	return nil
}

// setup builds the recorders the flags and the environment ask for and
// returns them, hooks of the engine; none when there is none. The handler of
// /metrics is kept for routes; stop shuts the exporters down.
func (f *metricsFlags) setup(ctx context.Context, lookupEnv func(string) (string, bool), log *slog.Logger) ([]record.Hook, error) {
	var recorders []record.Hook
	res, err := serviceResource(ctx, lookupEnv)
	if err != nil {
		return nil, err
	}
	readers := []sdkmetric.Option{sdkmetric.WithResource(res)}
	if f.metrics {
		reg := prometheus.NewRegistry()
		exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo())
		if err != nil {
			return nil, fmt.Errorf("the Prometheus exporter: %w", err)
		}
		readers = append(readers, sdkmetric.WithReader(exp))
		f.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	}
	otlp, err := f.otlp(ctx, lookupEnv)
	if err != nil {
		return nil, err
	}
	var tp *sdktrace.TracerProvider
	if otlp != nil {
		readers = append(readers, sdkmetric.WithReader(sdkmetric.NewPeriodicReader(otlp.metrics)))
		tp = sdktrace.NewTracerProvider(sdktrace.WithBatcher(otlp.traces), sdktrace.WithResource(res))
		f.shutdown = append(f.shutdown, tp.Shutdown)
		// The exporters' errors name their endpoint: into serve's log,
		// which masks its credentials, rather than the SDK's own.
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
			log.Warn("smokex serve: exporting metrics or traces", "error", err)
		}))
		log.Info("smokex serve: exporting metrics and traces by OTLP", "traces", otlp.tracesURL, "metrics", otlp.metricsURL)
	}
	if len(readers) > 1 {
		if _, set := lookupEnv(exemplarFilterEnv); tp == nil && !set {
			// Without traces no span is sampled, so the default filter
			// (trace based) never keeps an exemplar; its reservoirs
			// would still be allocated, one for each histogram and plan:
			// about 10 KiB of heap a plan.
			readers = append(readers, sdkmetric.WithExemplarFilter(exemplar.AlwaysOffFilter))
		}
		mp := sdkmetric.NewMeterProvider(readers...)
		// Last: the meter provider's final export follows the spans'.
		f.shutdown = append(f.shutdown, mp.Shutdown)
		cfg := smokexotel.Config{MeterProvider: mp, Propagator: propagation.TraceContext{}}
		if tp != nil {
			cfg.TracerProvider = tp
		} else {
			// Metrics only: the recorder opens no span, wraps no
			// transport and sends no traceparent.
			cfg.TracerProvider = tracenoop.NewTracerProvider()
		}
		rec, err := smokexotel.New(cfg)
		if err != nil {
			return nil, err
		}
		recorders = append(recorders, rec)
	}
	if addr := statsdAddr(f.statsd, lookupEnv); addr != "" {
		rec, err := datadog.New(datadog.Config{Addr: addr})
		if err != nil {
			return nil, fmt.Errorf("the DogStatsD address %q (from --statsd, %s or %s) cannot be used; give host:port or unix:///path: %w", addr, dogstatsdURLEnv, ddAgentHostEnv, err)
		}
		recorders = append(recorders, rec)
		log.Info("smokex serve: sending metrics to DogStatsD", "addr", addr)
	}
	return recorders, nil
}

// wire sets up the recorders and adds them to cfg's hooks; a failure is
// logged and its exit code returned.
func (f *metricsFlags) wire(ctx context.Context, a *app, cfg *smokex.Config, log *slog.Logger, timeout time.Duration) int {
	hooks, err := f.setup(ctx, a.lookupEnv, log)
	if err != nil {
		log.Error("smokex serve: setting up metrics: " + err.Error())
		f.stopWithin(ctx, log, timeout)
		return exitFailed
	}
	cfg.Hooks = append(cfg.Hooks, hooks...)
	return exitOK
}

// stopWithin stops the exporters within timeout, logging a failure.
func (f *metricsFlags) stopWithin(ctx context.Context, log *slog.Logger, timeout time.Duration) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if err := f.stop(sctx); err != nil {
		log.Warn("smokex serve: flushing metrics and traces", "error", err)
	}
}

// register adds /metrics to mux when it is served.
func (f *metricsFlags) register(mux *http.ServeMux) {
	if f.handler != nil {
		mux.Handle("GET /metrics", f.handler)
	}
}

// stop flushes and shuts the exporters down within ctx, after the engine
// stopped.
func (f *metricsFlags) stop(ctx context.Context) error {
	var errs []error
	for _, fn := range f.shutdown {
		if err := fn(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// statsdAddr is --statsd, else DD_DOGSTATSD_URL, else DD_AGENT_HOST with
// DD_DOGSTATSD_PORT (default 8125); "" when none is set.
func statsdAddr(flagValue string, lookupEnv func(string) (string, bool)) string {
	if flagValue != "" {
		return flagValue
	}
	if v, ok := lookupEnv(dogstatsdURLEnv); ok && v != "" {
		return v
	}
	host, ok := lookupEnv(ddAgentHostEnv)
	if !ok || host == "" {
		return ""
	}
	port := "8125"
	if v, ok := lookupEnv(ddDogstatsdPortEnv); ok && v != "" {
		port = v
	}
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	return host + ":" + port
}

// otlpExporters are the OTLP exporters of serve.
type otlpExporters struct {
	traces                *otlptrace.Exporter
	metrics               *otlpmetrichttp.Exporter
	tracesURL, metricsURL string
}

// otlp returns the OTLP exporters when --otlp-endpoint or
// OTEL_EXPORTER_OTLP_ENDPOINT (or a signal's own endpoint variable) is
// set, nil otherwise. The exporters read the other OTEL_EXPORTER_OTLP_*
// variables themselves (timeouts, compression, certificates); the
// endpoints and headers are read here too, through lookupEnv, so that
// they follow the same environment as the rest of serve.
func (f *metricsFlags) otlp(ctx context.Context, lookupEnv func(string) (string, bool)) (*otlpExporters, error) {
	env := func(name string) string {
		v, _ := lookupEnv(name)
		return v
	}
	base := f.otlpEndpoint
	if base == "" {
		base = env(otlpEndpointEnv)
	}
	tracesURL, metricsURL := env(otlpTracesEndpointEnv), env(otlpMetricsEndpointEnv)
	if f.otlpEndpoint != "" || tracesURL == "" {
		tracesURL = signalURL(base, "/v1/traces")
	}
	if f.otlpEndpoint != "" || metricsURL == "" {
		metricsURL = signalURL(base, "/v1/metrics")
	}
	if base == "" && tracesURL == "" && metricsURL == "" {
		return nil, nil
	}
	if tracesURL == "" || metricsURL == "" {
		return nil, fmt.Errorf("OTLP needs an endpoint for both traces and metrics: set --otlp-endpoint or %s", otlpEndpointEnv)
	}
	headers, err := otlpHeaders(env(otlpHeadersEnv))
	if err != nil {
		return nil, err
	}
	topts := []otlptracehttp.Option{otlptracehttp.WithEndpointURL(tracesURL)}
	mopts := []otlpmetrichttp.Option{otlpmetrichttp.WithEndpointURL(metricsURL)}
	if len(headers) > 0 {
		topts = append(topts, otlptracehttp.WithHeaders(headers))
		mopts = append(mopts, otlpmetrichttp.WithHeaders(headers))
	}
	te, err := otlptracehttp.New(ctx, topts...)
	if err != nil {
		return nil, fmt.Errorf("the OTLP trace exporter: %w", err)
	}
	me, err := otlpmetrichttp.New(ctx, mopts...)
	if err != nil {
		_ = te.Shutdown(ctx)
		return nil, fmt.Errorf("the OTLP metric exporter: %w", err)
	}
	return &otlpExporters{traces: te, metrics: me, tracesURL: tracesURL, metricsURL: metricsURL}, nil
}

// serviceResource is what the metrics and traces say of serve: service.name
// smokex unless OTEL_SERVICE_NAME says otherwise, OTEL_RESOURCE_ATTRIBUTES,
// and the SDK's own attributes.
func serviceResource(ctx context.Context, lookupEnv func(string) (string, bool)) (*resource.Resource, error) {
	name := defaultServiceName
	if v, ok := lookupEnv(otelServiceNameEnv); ok && v != "" {
		name = v
	}
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithAttributes(semconv.ServiceName(defaultServiceName)),
		resource.WithFromEnv(),
		resource.WithAttributes(semconv.ServiceName(name)),
	)
	if err != nil {
		return nil, fmt.Errorf("the OpenTelemetry resource: %w", err)
	}
	return res, nil
}

// signalURL is the endpoint of a signal under an OTLP base URL, as the
// specification builds it from OTEL_EXPORTER_OTLP_ENDPOINT; "" for none.
func signalURL(base, path string) string {
	if base == "" {
		return ""
	}
	return strings.TrimSuffix(base, "/") + path
}

// otlpHeaders parses OTEL_EXPORTER_OTLP_HEADERS: key=value pairs separated
// by commas, values URL-encoded.
func otlpHeaders(s string) (map[string]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	out := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("%s: %q is not key=value", otlpHeadersEnv, pair)
		}
		dv, err := url.QueryUnescape(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("%s: %q: %w", otlpHeadersEnv, pair, err)
		}
		out[k] = dv
	}
	return out, nil
}
