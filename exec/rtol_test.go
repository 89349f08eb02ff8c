package exec

import (
	"context"
	"strings"
	"testing"

	"github.com/lessonl/lessonl/exec/internal/exectest"
)

// Options.RTol widens or narrows the generated check's float comparison, for
// Go and C/C++ alike: a variant whose sum is off by a relative 1e-8 passes
// or fails by the tolerance alone.
func TestMeasureRTol(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real variants")
	}
	paths := exectest.WriteTree(t, t.TempDir(), map[string]string{
		"gosum/go.mod": "module example.com/gosum\n\ngo 1.22\n",
		"gosum/sum.go": "package gosum\n\n// Sum adds xs.\nfunc Sum(xs []float64) float64 {\n\ts := 0.0\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n\treturn s\n}\n",
		"cxx/sum.cpp":  "#include <vector>\n\ndouble sum(const std::vector<double>& xs) {\n  double s = 0;\n  for (double x : xs) s += x;\n  return s;\n}\n",
	})
	goFile, cxxFile := paths["gosum/sum.go"], paths["cxx/sum.cpp"]
	goVariant := "func Sum(xs []float64) float64 {\n\ts := 0.0\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n\treturn s * (1 - 1e-8)\n}\n"
	cxxVariant := "double sum(const std::vector<double>& xs) {\n  double s = 0;\n  for (double x : xs) s += x;\n  return s * (1 - 1e-8);\n}\n"

	for _, tc := range []struct {
		name     string
		t        Target
		variant  string
		rtol     float64
		wrong    bool
		errMatch string
	}{
		{name: "go-default", t: Target{File: goFile, Func: "Sum"}, variant: goVariant, wrong: true},
		{name: "go-wide", t: Target{File: goFile, Func: "Sum"}, variant: goVariant, rtol: 1e-6},
		{name: "cpp-default", t: Target{File: cxxFile, Func: "sum"}, variant: cxxVariant},
		{name: "cpp-narrow", t: Target{File: cxxFile, Func: "sum"}, variant: cxxVariant, rtol: 1e-12, wrong: true},
		{name: "out-of-range", t: Target{File: goFile, Func: "Sum"}, variant: goVariant, rtol: 2, errMatch: "tolerance 2 is out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := quickOpts()
			o.RTol, o.Size = tc.rtol, 200
			rep, err := Measure(context.Background(), tc.t, tc.variant, o)
			if tc.errMatch != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errMatch) {
					t.Fatalf("want an error with %q, got %v", tc.errMatch, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := rep.Verdict == Incorrect; got != tc.wrong {
				t.Errorf("verdict %s with rtol %g; want incorrect: %v\n%s", rep.Verdict, tc.rtol, tc.wrong, rep.Detail)
			}
		})
	}
}
