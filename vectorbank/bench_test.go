package vectorbank

import (
	"bufio"
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Benchmarks (BENCHMARKS.md):
//
//	go test -run '^$' -bench . -benchmem ./vectorbank
//
// The stores are generated once per size and process: realistic lessons
// (one to three sentences, 12 per problem as 4 rounds x 3 agents, about
// 1 KB of original and variant code each, 70% Go), embedded by the default
// hash embedder.

// cpuTimer reports CPU time per operation next to wall time: on a shared,
// overloaded machine wall time measures the neighbours, CPU time mostly us.
type cpuTimer struct{ start time.Duration }

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuTimer { return cpuTimer{cpuNow()} }

func (c cpuTimer) report(b *testing.B) {
	b.ReportMetric(float64(cpuNow()-c.start)/float64(b.N), "cpu-ns/op")
}

var (
	benchMu     sync.Mutex
	benchStores = map[int]string{}
	benchRoot   string
)

var benchWords = strings.Fields(`preallocate slice capacity append growth map lookup linear scan hash bounds check
loop hoist invariant branch prediction cache locality stride matrix transpose row column vectorize simd unroll
allocation escape heap stack pointer chasing sort binary search insertion quicksort pivot partition string builder
concatenation copy buffer reuse pool mutex contention atomic channel goroutine overhead recursion memoization
integer overflow float precision division multiply shift modulo reduction prefix sum histogram stencil fft`)

var benchLangs = []string{"go", "go", "go", "go", "go", "go", "go", "cpp", "cpp", "c"}

func benchLesson(r *rand.Rand, i int) Lesson {
	words := func(n int) string {
		w := make([]string, n)
		for j := range w {
			w[j] = benchWords[r.Intn(len(benchWords))]
		}
		return strings.Join(w, " ")
	}
	problem := i / 12
	pr := rand.New(rand.NewSource(int64(problem)))
	outcomes := []Outcome{OutcomeFaster, OutcomeFaster, OutcomeMarginal, OutcomeSlower, OutcomeIncorrect, OutcomeBuildFailed}
	o := outcomes[r.Intn(len(outcomes))]
	speedup := 0.0
	switch o {
	case OutcomeFaster:
		speedup = 1.1 + 3*r.Float64()
	case OutcomeMarginal:
		speedup = 1 + 0.1*r.Float64()
	case OutcomeSlower:
		speedup = r.Float64()
	}
	return Lesson{
		ID:   fmt.Sprintf("%016x", r.Uint64()),
		Text: "The variant is faster because " + words(12+r.Intn(20)) + ". " + words(8+r.Intn(10)) + ".",
		// One original per problem: shared by its 12 lessons, as in a real bank.
		Original: strings.Repeat("\t"+func() string {
			w := make([]string, 8)
			for j := range w {
				w[j] = benchWords[pr.Intn(len(benchWords))]
			}
			return strings.Join(w, "_")
		}()+"(x, y)\n", 8),
		Variant: strings.Repeat("\tx := "+words(6)+"\n", 10),
		Outcome: o, Speedup: speedup, Factor: []float64{0.9, 1, 1, 1.1}[r.Intn(4)],
		Lang: benchLangs[pr.Intn(len(benchLangs))], Func: "F", ProblemKey: fmt.Sprintf("p%d", problem),
		Project: fmt.Sprintf("example.com/p%d", pr.Intn(50)), Model: "qwen2.5-coder:7b", Agent: "agent-1",
		Round: (i % 12) / 3, Created: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute),
	}
}

// benchStore returns a store directory holding n lessons, made once per process.
func benchStore(tb testing.TB, n int) string {
	benchMu.Lock()
	defer benchMu.Unlock()
	if d, ok := benchStores[n]; ok {
		return d
	}
	if benchRoot == "" {
		d, err := os.MkdirTemp("", "vectorbank-bench-")
		if err != nil {
			tb.Fatal(err)
		}
		benchRoot = d
	}
	dir := filepath.Join(benchRoot, fmt.Sprint(n))
	os.MkdirAll(dir, 0o755)
	f, err := os.Create(filepath.Join(dir, logName))
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	write := func(r record) {
		line, err := marshalRecord(r)
		if err != nil {
			tb.Fatal(err)
		}
		w.Write(line)
	}
	write(record{Op: opHeader, Format: formatV1, Embedder: "hash", Dim: HashDim})
	r := rand.New(rand.NewSource(1))
	for i := range n {
		l := benchLesson(r, i)
		write(record{Op: opAdd, Embedder: "hash", Lessons: []stored{{Lesson: l, vec: hashEmbed(l.Text)}}})
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	benchStores[n] = dir
	return dir
}

// benchCode is the function being optimised in Select benchmarks.
const benchCode = `func Histogram(xs []float64, bins int) []int {
	counts := []int{}
	for i := 0; i < bins; i++ {
		counts = append(counts, 0)
	}
	lo, hi := minMax(xs)
	for _, x := range xs {
		b := int(float64(bins) * (x - lo) / (hi - lo))
		if b == bins {
			b--
		}
		counts[b]++
	}
	return counts
}`

var benchSizes = []int{1_000, 10_000, 100_000}

func BenchmarkSelect(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("lessons=%d", n), func(b *testing.B) {
			dir := benchStore(b, n)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			bank, err := Open(dir, NewHashEmbedder())
			if err != nil {
				b.Fatal(err)
			}
			defer bank.Close()
			runtime.GC()
			runtime.ReadMemStats(&after)
			benchSelect(b, bank, Query{Code: benchCode, Lang: "go", ProblemKey: "p7", Project: "example.com/p3"})
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB-bank")
		})
	}
}

// BenchmarkSearch is `lessonl lessons search --k 4 file.go`: no problem key,
// so every lesson of the language is a candidate in both stages.
func BenchmarkSearch(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("lessons=%d", n), func(b *testing.B) {
			bank, err := Open(benchStore(b, n), NewHashEmbedder())
			if err != nil {
				b.Fatal(err)
			}
			defer bank.Close()
			benchSelect(b, bank, Query{Code: benchCode, Lang: "go", K: DefaultK})
		})
	}
}

// benchSelect times Select(q), which must hand out DefaultK lessons.
func benchSelect(b *testing.B, bank *Bank, q Query) {
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPU()
	for b.Loop() {
		sel, err := bank.Select(ctx, q)
		if err != nil || len(sel) != DefaultK {
			b.Fatalf("Select = %d lessons, %v", len(sel), err)
		}
	}
	cpu.report(b)
}

func BenchmarkOpen(b *testing.B) {
	for _, n := range benchSizes[1:] {
		b.Run(fmt.Sprintf("lessons=%d", n), func(b *testing.B) {
			dir := benchStore(b, n)
			b.ReportAllocs()
			cpu := startCPU()
			for b.Loop() {
				bank, err := Open(dir, NewHashEmbedder())
				if err != nil {
					b.Fatal(err)
				}
				if bank.Len() != n {
					b.Fatalf("%d lessons, want %d", bank.Len(), n)
				}
				bank.Close()
			}
			cpu.report(b)
		})
	}
}

func BenchmarkAdd(b *testing.B) {
	dir := b.TempDir()
	bank, err := Open(dir, NewHashEmbedder())
	if err != nil {
		b.Fatal(err)
	}
	defer bank.Close()
	r := rand.New(rand.NewSource(2))
	ctx := context.Background()
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		l := benchLesson(r, 0)
		l.ID = ""
		if _, err := bank.Add(ctx, l); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

func BenchmarkHashEmbed(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		hashEmbed(benchCode)
	}
}
