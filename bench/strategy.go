package bench

import (
	"fmt"
	"strings"

	"github.com/lessonl/lessonl/optimize"
	"github.com/lessonl/lessonl/vectorbank"
)

// Strategy is what a bench run measures: the method or one of its ablations.
// The strings are a contract (--strategy, results.json).
type Strategy string

const (
	StrategyLessonL   Strategy = "lessonl"    // the method
	StrategySingle    Strategy = "single"     // the first agent alone (it still learns from its own lessons)
	StrategyNoLessons Strategy = "no-lessons" // the team, never shown lessons
	StrategyNoFactor  Strategy = "no-factor"  // lessons ranked without effectiveness factors
	StrategyRandom    Strategy = "random"     // lessons picked at random
)

// Strategies lists them in the order help shows them.
var Strategies = []Strategy{StrategyLessonL, StrategySingle, StrategyNoLessons, StrategyNoFactor, StrategyRandom}

// ParseStrategy reads --strategy.
func ParseStrategy(s string) (Strategy, error) {
	for _, st := range Strategies {
		if string(st) == s {
			return st, nil
		}
	}
	names := make([]string, len(Strategies))
	for i, st := range Strategies {
		names[i] = string(st)
	}
	return "", fmt.Errorf("unknown strategy %q; use %s", s, strings.Join(names, ", "))
}

// Apply puts the strategy's ablation on a run's switches; the single
// ablation cuts the team to its first agent.
func (s Strategy) Apply(a optimize.Ablations) (optimize.Ablations, error) {
	switch s {
	case StrategyLessonL, "":
	case StrategySingle:
		a.Single = true
	case StrategyNoLessons:
		a.NoLessons = true
	case StrategyNoFactor:
		a.NoFactor = true
	case StrategyRandom:
		a.Selection = vectorbank.StrategyRandom
	default:
		_, err := ParseStrategy(string(s))
		return a, err
	}
	return a, nil
}
