package team_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/internal/ollamatest"
	"github.com/lessonl/lessonl/team"
)

// BenchmarkOrchestrationOverhead runs a 3-agent, 4-round loop against the
// scripted server, every model call answering after a fixed latency, and
// reports wall time divided by the ideal critical path: per round, one
// generation latency, the time the runner alone needs to measure that
// round's variants side by side, and one lesson latency; plus the final
// re-measure. Goal: <= 1.1. Run with -benchtime=1x: one iteration is a run.
func BenchmarkOrchestrationOverhead(b *testing.B) {
	const latency = 2 * time.Second
	s := teamScript()
	for _, m := range s.Models {
		m.Misbehave = &ollamatest.Misbehave{Latency: ollamatest.Duration(latency)}
	}
	srv := ollamatest.New(s)
	defer srv.Close()
	target := benchTarget(b)
	opts := quickMeasure()

	// What the runner alone needs: round 0's variants, then a later round's.
	code := func(answer string) string {
		c, err := team.ExtractCode(answer, "go", "Max")
		if err != nil {
			b.Fatal(err)
		}
		return c
	}
	measureAll := func(variants ...string) time.Duration {
		start := time.Now()
		var wg sync.WaitGroup
		for _, v := range variants {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := exec.Measure(context.Background(), target, v, opts); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
		return time.Since(start)
	}
	m0 := measureAll(code(sortVariant), code(zeroVariant), code(brokenVariant))
	mLater := measureAll(code(scanVariant), code(zeroVariant), code(scanVariant))
	remeasure := measureAll(code(scanVariant))
	ideal := (latency + m0 + latency) + 3*(latency+mLater+latency) + remeasure

	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bank := openBankB(b)
		start := time.Now()
		cfg := team.Config{Agents: agents(srv, "alpha:1b", "beta:1b", "gamma:1b"), Rounds: 4, Lessons: 4, Measure: opts}
		if _, err := team.Run(context.Background(), team.Problem{Target: target}, cfg, bank, nil); err != nil {
			b.Fatal(err)
		}
		wall := time.Since(start)
		bank.Close()
		b.ReportMetric(wall.Seconds()/ideal.Seconds(), "wall/ideal")
		b.ReportMetric(ideal.Seconds(), "ideal-s")
		b.ReportMetric(wall.Seconds(), "wall-s")
	}
}
