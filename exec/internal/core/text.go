package core

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
)

// BenchResult is one benchmark's metrics by unit ("ns/op", "cpu-ns/op",
// "orig-cpu-ns/op", ...).
type BenchResult map[string]float64

// ParseBench reads `go test -bench` lines: name, iterations, value-unit
// pairs. Of repeated lines (-count) it keeps the smallest value of each
// metric: load from other processes only ever adds time.
func ParseBench(out string) map[string]BenchResult {
	res := map[string]BenchResult{}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		r := res[name]
		if r == nil {
			r = BenchResult{}
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil || !(v > 0) {
				continue
			}
			if old, ok := r[f[i+1]]; !ok || v < old {
				r[f[i+1]] = v
			}
		}
		if len(r) > 0 {
			res[name] = r
		}
	}
	return res
}

func Geomean(ns map[string]float64) float64 {
	if len(ns) == 0 {
		return 0
	}
	var s float64
	for _, v := range ns {
		s += math.Log(math.Max(v, 1e-3))
	}
	return math.Exp(s / float64(len(ns)))
}

// SpeedupSummary is the timing half of a report's detail, the same for
// every language: the verdict, the ratio and its interval.
func SpeedupSummary(rep *Report, floor float64) string {
	var b strings.Builder
	switch rep.Verdict {
	case Faster:
		fmt.Fprintf(&b, "faster: %.2fx", rep.Speedup)
	case Slower:
		fmt.Fprintf(&b, "slower: %.2fx (%.2f times the original's time)", rep.Speedup, 1/rep.Speedup)
	default:
		fmt.Fprintf(&b, "no clear difference: %.2fx", rep.Speedup)
	}
	if rep.SpeedupLow > 0 {
		fmt.Fprintf(&b, ", 95%% interval %.2fx to %.2fx over %d rounds", rep.SpeedupLow, rep.SpeedupHigh, rep.Checks.Rounds)
	} else {
		fmt.Fprintf(&b, ", no interval from %d rounds", rep.Checks.Rounds)
	}
	if rep.Verdict == Same {
		fmt.Fprintf(&b, " (faster or slower needs the whole interval beyond %.0f%%)", 100*floor)
	}
	return b.String()
}

// FirstLines cuts s to n lines.
func FirstLines(s string, n int) string {
	s = strings.TrimSpace(s)
	lines := strings.Split(s, "\n")
	if len(lines) <= n {
		return s
	}
	return strings.Join(lines[:n], "\n") + fmt.Sprintf("\n... (%d more lines)", len(lines)-n)
}

// LockedBuffer is a bytes.Buffer for a process's stdout and stderr at once.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
