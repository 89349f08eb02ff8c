package bench

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Comparison is two runs side by side. JSON names are a contract.
type Comparison struct {
	Labels     [2]string      `json:"labels"`
	Suites     [2]string      `json:"suites"`
	Overall    [2]Metrics     `json:"overall"`
	Categories []CategoryPair `json:"categories"`
	Problems   []ProblemPair  `json:"problems"`
	Configs    [2]RunConfig   `json:"configs"`
	Common     int            `json:"common"` // problems both runs finished
	Notes      []string       `json:"notes,omitempty"`
	results    [2]*Results
}

// CategoryPair is one category's metrics in both runs (nil where a run has none).
type CategoryPair struct {
	Category string   `json:"category"`
	A        *Metrics `json:"a"`
	B        *Metrics `json:"b"`
}

// ProblemPair is one problem in both runs (nil where a run lacks it).
type ProblemPair struct {
	Name     string         `json:"name"`
	Category string         `json:"category"`
	A        *ProblemResult `json:"a"`
	B        *ProblemResult `json:"b"`
}

// Compare pairs two runs by problem name. Labels default to the runs'
// strategies, or their directories' names when the strategies are equal.
// Each run's metrics are its own (over all its problems); when the runs
// have different problems, a note says so and the metrics over the problems
// they share are added.
func Compare(a, b *Results, labelA, labelB, pathA, pathB string) *Comparison {
	if labelA == "" || labelB == "" {
		la, lb := string(a.Config.Strategy), string(b.Config.Strategy)
		if la == lb {
			la, lb = runName(pathA), runName(pathB)
		}
		if la == lb {
			la, lb = "A", "B"
		}
		if labelA == "" {
			labelA = la
		}
		if labelB == "" {
			labelB = lb
		}
	}
	c := &Comparison{
		Labels:  [2]string{labelA, labelB},
		Suites:  [2]string{a.Suite, b.Suite},
		Overall: [2]Metrics{a.Summary.Overall, b.Summary.Overall},
		Configs: [2]RunConfig{a.Config, b.Config},
		results: [2]*Results{a, b},
	}
	if a.Suite != b.Suite {
		c.Notes = append(c.Notes, fmt.Sprintf("the runs are of different suites (%s, %s): problems are paired by name", a.Suite, b.Suite))
	}
	for i, r := range []*Results{a, b} {
		if !r.Finished {
			c.Notes = append(c.Notes, fmt.Sprintf("the %s run is not finished: its metrics cover the problems done so far", c.Labels[i]))
		}
	}

	// Categories, in the method's order.
	seen := map[string]*CategoryPair{}
	var cats []string
	for i, r := range []*Results{a, b} {
		for _, cm := range r.Summary.Categories {
			cp := seen[cm.Category]
			if cp == nil {
				cp = &CategoryPair{Category: cm.Category}
				seen[cm.Category] = cp
				cats = append(cats, cm.Category)
			}
			m := cm.Metrics
			if i == 0 {
				cp.A = &m
			} else {
				cp.B = &m
			}
		}
	}
	sortCategories(cats)
	for _, cat := range cats {
		c.Categories = append(c.Categories, *seen[cat])
	}

	// Problems: a's order, then those only b has.
	idx := map[string]int{}
	for i := range a.Problems {
		p := a.Problems[i]
		idx[p.Name] = len(c.Problems)
		c.Problems = append(c.Problems, ProblemPair{Name: p.Name, Category: p.Category, A: &p})
	}
	var commonA, commonB []ProblemResult
	for i := range b.Problems {
		p := b.Problems[i]
		if j, ok := idx[p.Name]; ok {
			c.Problems[j].B = &p
			commonA, commonB = append(commonA, *c.Problems[j].A), append(commonB, p)
			continue
		}
		c.Problems = append(c.Problems, ProblemPair{Name: p.Name, Category: p.Category, B: &p})
	}
	c.Common = len(commonA)
	if c.Common != len(a.Problems) || c.Common != len(b.Problems) {
		ma, mb := Compute(commonA), Compute(commonB)
		c.Notes = append(c.Notes, fmt.Sprintf("the runs share %d problems (%d and %d in all); over those: geomean %s vs %s, correct %s vs %s",
			c.Common, len(a.Problems), len(b.Problems), times(ma.Geomean), times(mb.Geomean), percent(ma.CorrectRate), percent(mb.CorrectRate)))
	}
	return c
}

func runName(path string) string {
	if path == "" {
		return ""
	}
	return filepath.Base(filepath.Dir(filepath.Clean(path)))
}

func sortCategories(cats []string) {
	for i := 1; i < len(cats); i++ {
		for j := i; j > 0 && compareCategories(cats[j-1], cats[j]) > 0; j-- {
			cats[j-1], cats[j] = cats[j], cats[j-1]
		}
	}
}

// Markdown renders the comparison: the paper's metrics side by side with
// their differences, per category, and per problem.
func (c *Comparison) Markdown() string {
	var b strings.Builder
	la, lb := cell(c.Labels[0]), cell(c.Labels[1])
	fmt.Fprintf(&b, "# lessonl bench: %s vs %s\n\n", la, lb)
	for i, r := range c.results {
		fmt.Fprintf(&b, "- **%s**: suite %s, %s\n", cell(c.Labels[i]), r.Suite, configLine(r))
	}
	for _, n := range c.Notes {
		fmt.Fprintf(&b, "- note: %s\n", n)
	}
	ma, mb := c.Overall[0], c.Overall[1]
	fmt.Fprintf(&b, "\n| | %s | %s | difference |\n|---|--:|--:|--:|\n", la, lb)
	fmt.Fprintf(&b, "| problems | %d | %d | |\n", ma.Problems, mb.Problems)
	fmt.Fprintf(&b, "| built | %s | %s | %s |\n", percent(ma.BuiltRate), percent(mb.BuiltRate), points(mb.BuiltRate-ma.BuiltRate))
	fmt.Fprintf(&b, "| correct | %s | %s | %s |\n", percent(ma.CorrectRate), percent(mb.CorrectRate), points(mb.CorrectRate-ma.CorrectRate))
	fmt.Fprintf(&b, "| geomean speedup | %s | %s | %s |\n", times(ma.Geomean), times(mb.Geomean), ratio(mb.Geomean, ma.Geomean))
	fmt.Fprintf(&b, "| ≥ 2× | %s | %s | %s |\n", percent(ma.Share2x), percent(mb.Share2x), points(mb.Share2x-ma.Share2x))
	fmt.Fprintf(&b, "| code tokens | %d | %d | %s |\n", ma.CodeTokens, mb.CodeTokens, ratio(float64(mb.CodeTokens), float64(ma.CodeTokens)))
	fmt.Fprintf(&b, "| lesson tokens | %d | %d | %s |\n", ma.LessonTokens, mb.LessonTokens, ratio(float64(mb.LessonTokens), float64(ma.LessonTokens)))
	fmt.Fprintf(&b, "| time | %s | %s | %s |\n", duration(ma.Seconds), duration(mb.Seconds), ratio(mb.Seconds, ma.Seconds))
	b.WriteString("\nDifferences are " + lb + " relative to " + la + ": percentage points, or a ratio (×).\n")

	fmt.Fprintf(&b, "\n## By category\n\n| category | geomean %s | geomean %s | correct %s | correct %s | ≥ 2× %s | ≥ 2× %s |\n|---|--:|--:|--:|--:|--:|--:|\n", la, lb, la, lb, la, lb)
	for _, cp := range c.Categories {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", cp.Category,
			metric(cp.A, func(m *Metrics) string { return times(m.Geomean) }), metric(cp.B, func(m *Metrics) string { return times(m.Geomean) }),
			metric(cp.A, func(m *Metrics) string { return percent(m.CorrectRate) }), metric(cp.B, func(m *Metrics) string { return percent(m.CorrectRate) }),
			metric(cp.A, func(m *Metrics) string { return percent(m.Share2x) }), metric(cp.B, func(m *Metrics) string { return percent(m.Share2x) }))
	}

	fmt.Fprintf(&b, "\n## Problems\n\n| problem | category | %s | %s | %s / %s |\n|---|---|--:|--:|--:|\n", la, lb, lb, la)
	for _, pp := range c.Problems {
		r := ""
		if pp.A != nil && pp.B != nil {
			r = ratio(pp.B.Counted, pp.A.Counted)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", cell(pp.Name), pp.Category, problemCell(pp.A), problemCell(pp.B), r)
	}
	return b.String()
}

func metric(m *Metrics, f func(*Metrics) string) string {
	if m == nil {
		return "–"
	}
	return f(m)
}

func problemCell(p *ProblemResult) string {
	if p == nil {
		return "–"
	}
	return speedupCell(*p)
}

func points(d float64) string { return fmt.Sprintf("%+.0f pts", 100*d) }

func ratio(x, y float64) string {
	if y == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", x/y)
}
