package exec

import (
	"context"
	"strings"
	"testing"

	"github.com/lessonl/lessonl/exec/internal/exectest"
)

// A method's receiver gets containers as long as a plain argument's: a
// variant that is wrong only on long slices inside the receiver is caught,
// and the timing sees inputs of the configured size, in Go and C++ alike.
func TestReceiverInputsAreSized(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real variants")
	}
	paths := exectest.WriteTree(t, t.TempDir(), map[string]string{
		"grid/go.mod":  "module example.com/grid\n\ngo 1.22\n",
		"grid/grid.go": "package grid\n\ntype Grid struct{ Cells []int64 }\n\n// Total adds the cells.\nfunc (g *Grid) Total() int64 {\n\tvar s int64\n\tfor _, c := range g.Cells {\n\t\ts += c\n\t}\n\treturn s\n}\n",
		"cxx/grid.cpp": "#include <cstdint>\n#include <vector>\n\nstruct Grid {\n  std::vector<int64_t> cells;\n  int64_t total() const {\n    int64_t s = 0;\n    for (int64_t c : cells) s += c;\n    return s;\n  }\n};\n",
	})
	goFile, cxxFile := paths["grid/grid.go"], paths["cxx/grid.cpp"]
	for _, tc := range []struct {
		name    string
		t       Target
		variant string
	}{
		{"go", Target{File: goFile, Func: "(*Grid).Total"}, "func (g *Grid) Total() int64 {\n\tif len(g.Cells) > 100 {\n\t\treturn 0\n\t}\n\tvar s int64\n\tfor _, c := range g.Cells {\n\t\ts += c\n\t}\n\treturn s\n}\n"},
		{"cpp", Target{File: cxxFile, Func: "Grid::total"}, "int64_t total() const {\n  if (cells.size() > 100) return 0;\n  int64_t s = 0;\n  for (int64_t c : cells) s += c;\n  return s;\n}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := quickOpts()
			o.Size = 500
			rep, err := Measure(context.Background(), tc.t, tc.variant, o)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Verdict != Incorrect || !strings.Contains(rep.Detail, "sized") {
				t.Errorf("verdict %s, want incorrect on a sized input:\n%s", rep.Verdict, rep.Detail)
			}
		})
	}
}
