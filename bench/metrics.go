package bench

import (
	"math"
	"slices"
)

// TwoX is the speedup the paper's "share of problems at ≥ 2×" counts.
const TwoX = 2.0

// Metrics are the paper's figures over a set of problems, plus their cost.
// JSON names are a contract.
type Metrics struct {
	Problems     int     `json:"problems"`
	Built        int     `json:"built"`         // problems where some variant compiled
	Correct      int     `json:"correct"`       // problems where some variant was verified correct
	AtLeast2x    int     `json:"at_least_2x"`   // problems whose counted speedup is >= 2
	Errors       int     `json:"errors"`        // problems the bench could not run (counted as not built)
	BuiltRate    float64 `json:"built_rate"`    // Built / Problems
	CorrectRate  float64 `json:"correct_rate"`  // Correct / Problems
	Geomean      float64 `json:"geomean"`       // geometric mean of the counted speedups (wrong and slower count as 1)
	Share2x      float64 `json:"share_2x"`      // AtLeast2x / Problems
	CodeTokens   int     `json:"code_tokens"`   // tokens the models generated for code
	LessonTokens int     `json:"lesson_tokens"` // tokens the models generated for lessons
	Seconds      float64 `json:"seconds"`       // wall time of the problems' runs
}

// CategoryMetrics are the metrics of one category.
type CategoryMetrics struct {
	Category string `json:"category"`
	Metrics
}

// Summary is the overall and per-category metrics of a run.
type Summary struct {
	Overall    Metrics           `json:"overall"`
	Categories []CategoryMetrics `json:"categories"`
}

// Counted is the speedup a problem contributes to the geometric mean: the
// final answer's measured speedup when it is correct, and 1 when it is wrong,
// missing or slower than the original (the paper's rule: the user then keeps
// the original).
func Counted(correct bool, speedup float64) float64 {
	if !correct || !(speedup > 1) || math.IsInf(speedup, 0) {
		return 1
	}
	return speedup
}

// Compute sums up problems.
func Compute(ps []ProblemResult) Metrics {
	var m Metrics
	logSum := 0.0
	for _, p := range ps {
		m.Problems++
		if p.Status == StatusError {
			m.Errors++
		}
		if p.Built {
			m.Built++
		}
		if p.Correct {
			m.Correct++
		}
		s := Counted(p.Correct, p.Speedup)
		if s >= TwoX {
			m.AtLeast2x++
		}
		logSum += math.Log(s)
		m.CodeTokens += p.CodeTokens
		m.LessonTokens += p.LessonTokens
		m.Seconds += p.Seconds
	}
	if m.Problems > 0 {
		n := float64(m.Problems)
		m.BuiltRate = float64(m.Built) / n
		m.CorrectRate = float64(m.Correct) / n
		m.Share2x = float64(m.AtLeast2x) / n
		m.Geomean = math.Exp(logSum / n)
	}
	return m
}

// Summarize computes the overall metrics and those of every category
// present, in the method's category order, then others by name.
func Summarize(ps []ProblemResult) Summary {
	s := Summary{Overall: Compute(ps), Categories: []CategoryMetrics{}}
	by := map[string][]ProblemResult{}
	var cats []string
	for _, p := range ps {
		if _, ok := by[p.Category]; !ok {
			cats = append(cats, p.Category)
		}
		by[p.Category] = append(by[p.Category], p)
	}
	slices.SortFunc(cats, compareCategories)
	for _, c := range cats {
		s.Categories = append(s.Categories, CategoryMetrics{Category: c, Metrics: Compute(by[c])})
	}
	return s
}

// compareCategories orders the method's categories first, in their order.
func compareCategories(a, b string) int {
	ia, ib := slices.Index(Categories, a), slices.Index(Categories, b)
	switch {
	case ia >= 0 && ib >= 0:
		return ia - ib
	case ia >= 0:
		return -1
	case ib >= 0:
		return 1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
