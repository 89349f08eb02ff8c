package bench

import (
	"fmt"
	"strings"

	"github.com/lessonl/lessonl/team"
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

// Apply maps the strategy onto a team configuration.
func (s Strategy) Apply(cfg team.Config) (team.Config, error) {
	switch s {
	case StrategyLessonL, "":
	case StrategySingle:
		if len(cfg.Agents) > 1 {
			cfg.Agents = cfg.Agents[:1]
		}
	case StrategyNoLessons:
		cfg.NoLessons = true
	case StrategyNoFactor:
		cfg.NoFactor = true
	case StrategyRandom:
		cfg.Selection = vectorbank.StrategyRandom
	default:
		_, err := ParseStrategy(string(s))
		return cfg, err
	}
	return cfg, nil
}
