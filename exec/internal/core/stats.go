package core

import (
	"math"
	"time"

	"golang.org/x/perf/benchmath"
)

// Confidence is the confidence level of every speedup interval we report.
const Confidence = 0.95

// MinRatioSamples is the fewest A/B rounds for which a 95% distribution-free
// interval of the median exists; with fewer, Low and High are infinite.
const MinRatioSamples = 6

// Ratio is the speedup of a variant over the original, original/variant, from
// paired A/B rounds: >1 means the variant is faster.
//
// Low and High bound the median at 95% confidence without assuming a
// distribution (benchmath.AssumeNothing). With fewer than MinRatioSamples
// valid rounds they are -Inf and +Inf (no interval yet), which JSON cannot
// encode: use Bounded before serialising. Spread is the interquartile range of
// the per-round ratios relative to their median: how much the ratio varied.
type Ratio struct {
	Median, Low, High, Spread float64
	N                         int // valid rounds (both timings finite and > 0)
}

// SpeedupRatio pairs orig[i] with variant[i] (ns/op of the original and the
// variant measured in the same A/B round, so drift on a noisy machine hits
// both) and summarises the per-round ratios orig[i]/variant[i]. Rounds past the
// shorter slice, and rounds with a zero, negative, infinite or NaN timing, are
// dropped. With no valid round the result is the zero Ratio with Low -Inf and
// High +Inf.
func SpeedupRatio(orig, variant []float64) Ratio {
	n := min(len(orig), len(variant))
	ratios := make([]float64, 0, n)
	for i := 0; i < n; i++ {
		o, v := orig[i], variant[i]
		if !validTiming(o) || !validTiming(v) {
			continue
		}
		ratios = append(ratios, o/v)
	}
	if len(ratios) == 0 {
		return Ratio{Low: math.Inf(-1), High: math.Inf(1)}
	}
	// NewSample sorts in place; ratios is ours, so that is fine.
	s := benchmath.NewSample(ratios, &benchmath.DefaultThresholds)
	sum := benchmath.AssumeNothing.Summary(s, Confidence)
	r := Ratio{Median: sum.Center, Low: sum.Lo, High: sum.Hi, N: len(ratios)}
	if r.N < MinRatioSamples {
		// benchmath already returns ±Inf here; make it explicit so the
		// contract does not depend on its internals.
		r.Low, r.High = math.Inf(-1), math.Inf(1)
	}
	if r.Median > 0 {
		r.Spread = (quantile(s.Values, 0.75) - quantile(s.Values, 0.25)) / r.Median
	}
	return r
}

func validTiming(x float64) bool { return x > 0 && !math.IsInf(x, 0) && !math.IsNaN(x) }

// quantile of sorted xs by linear interpolation between order statistics.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(xs)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	frac := pos - float64(lo)
	return xs[lo] + (xs[hi]-xs[lo])*frac
}

// Bounded returns r with infinite bounds replaced by 0 (Low) and 0 (High), the
// JSON-safe way of saying "no interval": callers must check r.HasInterval
// before showing them.
func (r Ratio) Bounded() Ratio {
	if math.IsInf(r.Low, 0) || math.IsNaN(r.Low) {
		r.Low = 0
	}
	if math.IsInf(r.High, 0) || math.IsNaN(r.High) {
		r.High = 0
	}
	return r
}

// HasInterval reports whether the rounds were enough for a finite interval.
func (r Ratio) HasInterval() bool {
	return r.N >= MinRatioSamples && !math.IsInf(r.Low, 0) && !math.IsInf(r.High, 0) &&
		!math.IsNaN(r.Low) && !math.IsNaN(r.High)
}

// Classify turns a ratio into a timing verdict. A verdict of faster needs the
// whole interval above 1+floor (Low > 1+floor, strictly), slower the whole
// interval below 1-floor (High < 1-floor); anything else, including no
// interval yet, is Same. A negative or NaN floor counts as 0.
func Classify(r Ratio, floor float64) Verdict {
	if !(floor > 0) {
		floor = 0
	}
	if !r.HasInterval() {
		return Same
	}
	switch {
	case r.Low > 1+floor:
		return Faster
	case r.High < 1-floor:
		return Slower
	default:
		return Same
	}
}

// Rounds decides how many A/B timing rounds to run: at least Min, then stop as
// soon as the interval's width relative to the median is at most Width, or
// when Max rounds or MaxTime have been spent. Stopping on width rather than on
// "the verdict looks decided" keeps early stopping from biasing the verdict.
type Rounds struct {
	Min     int           // default 6 (MinRatioSamples, the fewest that give an interval); never less
	Max     int           // default 20; never less than Min
	Width   float64       // relative interval width (High-Low)/Median; default 0.05
	MaxTime time.Duration // default 15s of timing per variant
}

// DefaultMeasureRounds is the policy's one default, taken field by field
// where a Rounds field is zero: the fewest rounds that give an interval, then
// more only while the interval is wider than 5% of the median. Short runs,
// few rounds: a micro function's verdict stays within a few seconds.
var DefaultMeasureRounds = Rounds{Min: MinRatioSamples, Max: 20, Width: 0.05, MaxTime: 15 * time.Second}

func (p Rounds) withDefaults() Rounds {
	d := DefaultMeasureRounds
	if p.Min <= 0 {
		p.Min = d.Min
	}
	// An interval needs MinRatioSamples rounds; never stop on width before.
	p.Min = max(p.Min, MinRatioSamples)
	if p.Max <= 0 {
		p.Max = d.Max
	}
	p.Max = max(p.Max, p.Min)
	if p.Width <= 0 {
		p.Width = d.Width
	}
	if p.MaxTime <= 0 {
		p.MaxTime = d.MaxTime
	}
	return p
}

// Done reports whether to stop after the rounds summarised in r, given the
// time already spent timing. The time budget wins over Min: on a very slow
// function the caller gets fewer rounds (and, below MinRatioSamples, a Same
// verdict) rather than an unbounded wait.
func (p Rounds) Done(r Ratio, elapsed time.Duration) bool {
	p = p.withDefaults()
	switch {
	case r.N >= p.Max, elapsed >= p.MaxTime:
		return true
	case r.N < p.Min:
		return false
	}
	return r.HasInterval() && r.Median > 0 && (r.High-r.Low)/r.Median <= p.Width
}
