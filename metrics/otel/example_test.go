package otel_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/smokex/smokex"
	smokexotel "github.com/smokex/smokex/metrics/otel"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// A host records smokex's executions with its own MeterProvider (here
// one with a manual reader; an OTLP or Prometheus exporter in production)
// and hands the Recorder to the engine as one of its hooks.
func Example() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer api.Close()

	reader := sdkmetric.NewManualReader()
	rec, err := smokexotel.New(smokexotel.Config{MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))})
	if err != nil {
		panic(err)
	}
	eng, err := smokex.New(smokex.Config{
		Vars:  map[string]any{"base": api.URL},
		Hooks: []record.Hook{rec},
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	defer eng.Stop(ctx)
	p, err := plan.Parse([]byte(`
name: site
steps:
  - get: {url: "${base}/", expect: {status_code: 200}}
  - get: {url: "${base}/missing", expect: {status_code: 200}}
`), nil)
	if err != nil {
		panic(err)
	}
	if err := eng.AddPlan(ctx, p); err != nil {
		panic(err)
	}
	if _, err := eng.Run(ctx, p.ID, nil); err != nil {
		panic(err)
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		panic(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		switch d := m.Data.(type) {
		case metricdata.Sum[int64]:
			for _, pt := range d.DataPoints {
				status, _ := pt.Attributes.Value(smokexotel.AttrStatus)
				typ, _ := pt.Attributes.Value(smokexotel.AttrType)
				fmt.Println(m.Name, status.String()+typ.String(), pt.Value)
			}
		case metricdata.Histogram[float64]:
			fmt.Println(m.Name, len(d.DataPoints), "series")
		}
	}
	// Output:
	// smokex.executions failed 1
	// smokex.execution.duration 1 series
	// smokex.step.duration 2 series
	// smokex.assertion.failures status_code 1
}
