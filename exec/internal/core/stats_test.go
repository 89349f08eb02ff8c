package core

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func repeat(x float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = x
	}
	return out
}

func seq(from, to float64) []float64 {
	var out []float64
	for x := from; x <= to; x++ {
		out = append(out, x)
	}
	return out
}

var inf = math.Inf(1)

func TestSpeedupRatio(t *testing.T) {
	cases := []struct {
		name          string
		orig, variant []float64
		want          Ratio
	}{
		{"exact 2x", repeat(200, 10), repeat(100, 10), Ratio{Median: 2, Low: 2, High: 2, Spread: 0, N: 10}},
		{"exact 2x slower", repeat(100, 10), repeat(200, 10), Ratio{Median: 0.5, Low: 0.5, High: 0.5, N: 10}},
		// Ratios 1..10: the distribution-free 95% interval of the median of
		// 10 samples is the 2nd to the 9th order statistic (97.9% coverage);
		// quartiles by interpolation are 3.25 and 7.75.
		{"ratios 1 to 10", seq(1, 10), repeat(1, 10), Ratio{Median: 5.5, Low: 2, High: 9, Spread: 4.5 / 5.5, N: 10}},
		// Pairing matters: round i's original is divided by round i's variant.
		{"paired, unsorted", []float64{10, 40, 20, 30, 60, 50}, []float64{10, 10, 10, 10, 10, 10}, Ratio{Median: 3.5, Low: 1, High: 6, Spread: 2.5 / 3.5, N: 6}},
		// 6 rounds is the least with an interval (min and max, 96.9%).
		{"6 rounds: an interval", seq(1, 6), repeat(1, 6), Ratio{Median: 3.5, Low: 1, High: 6, Spread: 2.5 / 3.5, N: 6}},
		{"5 rounds: no interval", seq(1, 5), repeat(1, 5), Ratio{Median: 3, Low: -inf, High: inf, Spread: 2.0 / 3, N: 5}},
		{"no rounds", nil, nil, Ratio{Low: -inf, High: inf}},
		{"extra rounds of one side are ignored", append(repeat(3, 6), 100, 100), repeat(1, 6), Ratio{Median: 3, Low: 3, High: 3, N: 6}},
		{"invalid timings are dropped",
			[]float64{2, 0, 2, -1, 2, math.NaN(), 2, inf, 2, 2, 2},
			[]float64{1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1},
			Ratio{Median: 2, Low: 2, High: 2, N: 6}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			orig := append([]float64(nil), tc.orig...)
			got := SpeedupRatio(tc.orig, tc.variant)
			if !sameFloat(got.Median, tc.want.Median) || !sameFloat(got.Low, tc.want.Low) ||
				!sameFloat(got.High, tc.want.High) || !sameFloat(got.Spread, tc.want.Spread) || got.N != tc.want.N {
				t.Errorf("SpeedupRatio = %+v, want %+v", got, tc.want)
			}
			for i := range orig {
				if !sameFloat(orig[i], tc.orig[i]) {
					t.Fatalf("SpeedupRatio modified its input: %v -> %v", orig, tc.orig)
				}
			}
		})
	}
}

func sameFloat(a, b float64) bool {
	if math.IsInf(a, 0) || math.IsInf(b, 0) || math.IsNaN(a) || math.IsNaN(b) {
		return a == b || (math.IsNaN(a) && math.IsNaN(b))
	}
	return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b))
}

func TestClassify(t *testing.T) {
	const floor = 0.05
	above := func(x float64) float64 { return math.Nextafter(x, 2) }
	below := func(x float64) float64 { return math.Nextafter(x, 0) }
	r := func(lo, hi float64) Ratio { return Ratio{Median: (lo + hi) / 2, Low: lo, High: hi, N: 10} }
	cases := []struct {
		name  string
		r     Ratio
		floor float64
		want  Verdict
	}{
		{"whole interval above the floor", r(1.2, 1.4), floor, Faster},
		{"low exactly 1+floor is not faster", r(1+floor, 1.4), floor, Same},
		{"low just above 1+floor", r(above(1+floor), 1.4), floor, Faster},
		{"low just below 1+floor", r(below(1+floor), 1.4), floor, Same},
		{"whole interval below the floor", r(0.5, 0.7), floor, Slower},
		{"high exactly 1-floor is not slower", r(0.5, 1-floor), floor, Same},
		{"high just below 1-floor", r(0.5, below(1-floor)), floor, Slower},
		{"high just above 1-floor", r(0.5, above(1-floor)), floor, Same},
		{"interval straddles 1", r(0.9, 1.1), floor, Same},
		{"narrow interval inside the band", r(1.03, 1.04), floor, Same},
		{"floor 0: low exactly 1", r(1, 1.1), 0, Same},
		{"floor 0: low just above 1", r(above(1), 1.1), 0, Faster},
		{"negative floor counts as 0", r(above(1), 1.1), -0.5, Faster},
		{"NaN floor counts as 0", r(0.8, below(1)), math.NaN(), Slower},
		{"big floor", r(1.4, 1.6), 0.5, Same},
		{"no interval yet (5 rounds)", Ratio{Median: 3, Low: -inf, High: inf, N: 5}, floor, Same},
		{"finite bounds but too few rounds", Ratio{Median: 3, Low: 2, High: 4, N: 5}, floor, Same},
		{"no rounds", Ratio{}, floor, Same},
		{"NaN bounds", Ratio{Median: 2, Low: math.NaN(), High: math.NaN(), N: 10}, floor, Same},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.r, tc.floor); got != tc.want {
				t.Errorf("Classify(%+v, %v) = %s, want %s", tc.r, tc.floor, got, tc.want)
			}
		})
	}
}

func TestRatioBounded(t *testing.T) {
	got := Ratio{Median: 2, Low: -inf, High: inf, N: 3}.Bounded()
	if got.Low != 0 || got.High != 0 || got.Median != 2 || got.HasInterval() {
		t.Errorf("Bounded = %+v", got)
	}
	fin := Ratio{Median: 2, Low: 1.5, High: 2.5, N: 10}
	if fin.Bounded() != fin || !fin.HasInterval() {
		t.Errorf("Bounded changed a finite ratio: %+v", fin.Bounded())
	}
}

// TestSpeedupRatioNoise checks the verdicts on synthetic noisy timings: A/A
// rounds must come out Same and a 2x variant Faster with its interval around
// 2, on fixed seeds.
func TestSpeedupRatioNoise(t *testing.T) {
	cases := []struct {
		name    string
		speedup float64
		noise   float64 // relative, uniform ±
		rounds  int
		want    Verdict
		lo, hi  float64 // bounds the interval must lie within
	}{
		{"A/A, 3% noise", 1, 0.03, 20, Same, 0.95, 1.05},
		{"2x, 5% noise", 2, 0.05, 20, Faster, 1.8, 2.2},
		{"0.5x, 5% noise", 0.5, 0.05, 20, Slower, 0.45, 0.55},
		{"1.02x, 2% noise stays in the band", 1.02, 0.02, 30, Same, 0.97, 1.07},
	}
	for _, tc := range cases {
		for seed := uint64(1); seed <= 20; seed++ {
			rng := rand.New(rand.NewPCG(seed, 42))
			jitter := func() float64 { return 1 + tc.noise*(2*rng.Float64()-1) }
			var orig, variant []float64
			for i := 0; i < tc.rounds; i++ {
				// Drift that hits both sides of a round, as on a laptop.
				drift := 1 + 0.3*math.Sin(float64(i))
				orig = append(orig, 1000*drift*jitter())
				variant = append(variant, 1000/tc.speedup*drift*jitter())
			}
			r := SpeedupRatio(orig, variant)
			if got := Classify(r, 0.05); got != tc.want || r.Low < tc.lo || r.High > tc.hi {
				t.Errorf("%s, seed %d: %+v -> %s, want %s within [%v, %v]", tc.name, seed, r, got, tc.want, tc.lo, tc.hi)
			}
		}
	}
}

func TestRoundsDone(t *testing.T) {
	p := Rounds{Min: 10, Max: 30, Width: 0.04, MaxTime: 10 * time.Second}
	narrow := func(n int) Ratio { return Ratio{Median: 2, Low: 1.97, High: 2.03, N: n} } // width 0.03
	wide := func(n int) Ratio { return Ratio{Median: 2, Low: 1.5, High: 2.5, N: n} }
	// Binary fractions, so the relative width is exactly 0.0625.
	exact := func(n int) Ratio { return Ratio{Median: 2, Low: 1.9375, High: 2.0625, N: n} }
	exactP := Rounds{Min: 10, Max: 30, Width: 0.0625, MaxTime: 10 * time.Second}
	cases := []struct {
		name    string
		p       Rounds
		r       Ratio
		elapsed time.Duration
		want    bool
	}{
		{"below Min, narrow", p, narrow(9), 0, false},
		{"at Min, narrow", p, narrow(10), 0, true},
		{"at Min, wide", p, wide(10), 0, false},
		{"width exactly the target", exactP, exact(10), 0, true},
		{"width just above the target", Rounds{Min: 10, Width: math.Nextafter(0.0625, 0)}, exact(10), 0, false},
		{"at Max, wide", p, wide(30), 0, true},
		{"just below Max, wide", p, wide(29), 0, false},
		{"time budget spent, few rounds", p, wide(2), 10 * time.Second, true},
		{"time budget nearly spent", p, wide(12), 10*time.Second - 1, false},
		{"no interval", p, Ratio{Median: 2, Low: -inf, High: inf, N: 12}, 0, false},
		{"Min below 6 is raised to 6", Rounds{Min: 2}, Ratio{Median: 2, Low: 2, High: 2, N: 5}, 0, false},
		{"Min below 6, at 6 rounds", Rounds{Min: 2}, Ratio{Median: 2, Low: 2, High: 2, N: 6}, 0, true},
		// The one default is Measure's, DefaultMeasureRounds.
		{"zero policy: default Min 6", Rounds{}, narrow(5), 0, false},
		{"zero policy: at default Min", Rounds{}, narrow(6), 0, true},
		{"zero policy: default Max 20", Rounds{}, wide(20), 0, true},
		{"zero policy: below default Max", Rounds{}, wide(19), 0, false},
		{"zero policy: default MaxTime 15s", Rounds{}, wide(10), 15 * time.Second, true},
		{"zero policy: before default MaxTime", Rounds{}, wide(10), 15*time.Second - 1, false},
		{"Max below Min is raised to Min", Rounds{Min: 10, Max: 5}, wide(5), 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.Done(tc.r, tc.elapsed); got != tc.want {
				t.Errorf("%+v.Done(%+v, %v) = %v, want %v", tc.p, tc.r, tc.elapsed, got, tc.want)
			}
		})
	}
}

// BenchmarkSpeedupRatio is the statistics' cost per A/B round decision (the
// runner recomputes the ratio after every round).
func BenchmarkSpeedupRatio(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	orig, variant := make([]float64, 60), make([]float64, 60)
	for i := range orig {
		orig[i], variant[i] = 1000*(1+0.05*rng.Float64()), 500*(1+0.05*rng.Float64())
	}
	for b.Loop() {
		SpeedupRatio(orig, variant)
	}
}

// FuzzSpeedupRatio checks the invariants of the statistics on any timings:
// no panic, an ordered positive interval when there is one, a JSON-safe
// Bounded form, and verdicts that agree with the interval.
func FuzzSpeedupRatio(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 0.05)
	f.Add([]byte{}, 0.0)
	f.Add([]byte{0, 0, 255, 255, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, -1.0)
	f.Fuzz(func(t *testing.T, data []byte, floor float64) {
		// Bytes as timings in two halves; a 0 byte is an invalid timing.
		half := len(data) / 2
		orig, variant := make([]float64, half), make([]float64, len(data)-half)
		for i := range orig {
			orig[i] = float64(data[i]) * 1e3
		}
		for i := range variant {
			variant[i] = float64(data[half+i]) * 1e3
		}
		r := SpeedupRatio(orig, variant)
		if r.N > min(len(orig), len(variant)) || r.N < 0 {
			t.Fatalf("N = %d from %d and %d rounds", r.N, len(orig), len(variant))
		}
		if r.HasInterval() {
			if !(0 < r.Low && r.Low <= r.Median && r.Median <= r.High) || math.IsInf(r.High, 0) {
				t.Fatalf("interval out of order: %+v", r)
			}
		} else if Classify(r, floor) != Same {
			t.Fatalf("a verdict without an interval: %+v", r)
		}
		if _, err := json.Marshal(r.Bounded()); err != nil {
			t.Fatalf("Bounded is not JSON-safe: %+v: %v", r.Bounded(), err)
		}
		fl := floor
		if !(fl > 0) {
			fl = 0
		}
		switch Classify(r, floor) {
		case Faster:
			if !(r.Low > 1+fl) {
				t.Fatalf("faster with low %v, floor %v", r.Low, fl)
			}
		case Slower:
			if !(r.High < 1-fl) {
				t.Fatalf("slower with high %v, floor %v", r.High, fl)
			}
		}
	})
}
