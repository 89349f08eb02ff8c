package golang

import (
	"context"
	"go/ast"
	"go/parser"
	"strings"
	"testing"

	"github.com/lessonl/lessonl/exec/internal/core"
	"github.com/lessonl/lessonl/exec/internal/exectest"
)

func TestGoInstantiate(t *testing.T) {
	src := `package p

import (
	"cmp"
	"fmt"
)

type Number interface{ ~float32 | ~float64 }

type Named interface{ Name() string }

type Stack[T any] struct{ items []T }
type Pair[K ~string, V float64 | int] struct{ k K; v V }
type Set[S ~[]E, E comparable] struct{ s S }

func Any[T any](x T) T                          { return x }
func Union[T int | float64](x T) T              { return x }
func Tilde[T ~string](x T) T                    { return x }
func Slice[S ~[]E, E cmp.Ordered](s S) E        { return s[0] }
func Map[K comparable, V any](m map[K]V) int    { return len(m) }
func Inline[T interface{ ~int64 | ~int32 }](x T) T { return x }
func Local[T Number](x T) T                     { return x }
func Stringer[T fmt.Stringer](x T) string       { return x.String() }
func Methods[T interface{ String() string }](x T) string { return x.String() }
func LocalMethods[T Named](x T) string          { return x.Name() }
`
	gf, err := readGoFile("p.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	decl := func(name string) *ast.FuncDecl {
		for _, d := range gf.file.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == name {
				return fd
			}
		}
		t.Fatalf("no func %s", name)
		return nil
	}
	for _, tc := range []struct {
		fn, want, err string
	}{
		{fn: "Any", want: "T = int"},
		{fn: "Union", want: "T = int"},
		{fn: "Tilde", want: "T = string"},
		{fn: "Slice", want: "S = []int, E = int"},
		{fn: "Map", want: "K = int, V = int"},
		{fn: "Inline", want: "T = int64"},
		{fn: "Local", want: "T = float32"},
		{fn: "Stringer", err: "no type for constraint fmt.Stringer"},
		{fn: "Methods", err: "has methods"},
		{fn: "LocalMethods", err: "has methods"},
	} {
		in, err := goInstantiate(gf, decl(tc.fn))
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: %v, want an error about %q", tc.fn, err, tc.err)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.fn, err)
		case in.describe() != tc.want:
			t.Errorf("%s: %s, want %s", tc.fn, in.describe(), tc.want)
		}
	}
	for _, tc := range []struct{ recv, want, err string }{
		{recv: "*Stack[T]", want: "T = int"},
		{recv: "Pair[A, B]", want: "A = string, B = float64"},
		{recv: "Set[X, Y]", want: "X = []int, Y = int"},
		{recv: "*Remote[T]", err: "not declared in this file"},
		{recv: "Plain", err: "not a generic type"},
	} {
		e, err := parser.ParseExpr(tc.recv)
		if err != nil {
			t.Fatal(err)
		}
		// Positions of e are not gf's: only names are read.
		in, err := goInstantiateRecv(gf, e)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: %v, want an error about %q", tc.recv, err, tc.err)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.recv, err)
		case in.describe() != tc.want:
			t.Errorf("%s: %s, want %s", tc.recv, in.describe(), tc.want)
		}
	}
	in := &goInstance{subst: map[string]string{"T": "int", "E": "[]int"}}
	if got := in.apply("map[T]other.T"); got != "map[int]other.T" {
		t.Errorf("apply = %s; want type parameters replaced and selectors kept", got)
	}
	if got := in.apply("func(E) TE"); got != "func([]int) TE" {
		t.Errorf("apply = %s; want whole identifiers replaced only", got)
	}
}

// A generic function is checked and timed on its instantiation: a variant
// wrong on negative numbers is caught, a right one is measured.
func TestMeasureGeneric(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real variants")
	}
	paths := exectest.WriteTree(t, t.TempDir(), map[string]string{
		"go.mod": "module example.com/gen\n\ngo 1.22\n",
		"gen.go": "package gen\n\nimport \"cmp\"\n\n// MaxOf returns the largest element, or the zero value.\nfunc MaxOf[S ~[]E, E cmp.Ordered](xs S) E {\n\tvar m E\n\tfor i, x := range xs {\n\t\tif i == 0 || x > m {\n\t\t\tm = x\n\t\t}\n\t}\n\treturn m\n}\n",
	})
	wrong := "func MaxOf[S ~[]E, E cmp.Ordered](xs S) E {\n\tvar m E\n\tfor _, x := range xs {\n\t\tif x > m {\n\t\t\tm = x\n\t\t}\n\t}\n\treturn m\n}\n"
	right := "func MaxOf[S ~[]E, E cmp.Ordered](xs S) E {\n\tif len(xs) == 0 {\n\t\tvar z E\n\t\treturn z\n\t}\n\treturn slices.Max(xs)\n}\n"
	tg := core.Target{File: paths["gen.go"], Func: "MaxOf"}
	rep, err := goMeasure(context.Background(), tg, wrong, testMeasureOpts())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != core.Incorrect {
		t.Errorf("a variant wrong on negative numbers: %s\n%s", rep.Verdict, rep.Detail)
	}
	rep, err = goMeasure(context.Background(), tg, right, testMeasureOpts())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Verdict.Verified() || rep.Checks.GeneratedCases == 0 || rep.Checks.Rounds == 0 || !strings.Contains(rep.Detail, "S = []int, E = int") {
		t.Errorf("a right variant: %s, %d cases, %d rounds\n%s", rep.Verdict, rep.Checks.GeneratedCases, rep.Checks.Rounds, rep.Detail)
	}
}

// A method of a generic type is checked and timed on the type's
// instantiation, whatever the receiver calls its parameters.
func TestMeasureGenericMethod(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real variants")
	}
	paths := exectest.WriteTree(t, t.TempDir(), map[string]string{
		"go.mod":   "module example.com/gen\n\ngo 1.22\n",
		"stack.go": "package gen\n\ntype Number interface{ ~int | ~float64 }\n\ntype Stack[T Number] struct{ items []T }\n\n// Sum adds the items, last first.\nfunc (s *Stack[U]) Sum() U {\n\tvar t U\n\tfor i := len(s.items) - 1; i >= 0; i-- {\n\t\tt += s.items[i]\n\t}\n\treturn t\n}\n",
	})
	wrong := "func (s *Stack[U]) Sum() U {\n\tvar t U\n\tfor i := 1; i < len(s.items); i++ {\n\t\tt += s.items[i]\n\t}\n\treturn t\n}\n"
	tg := core.Target{File: paths["stack.go"], Func: "(*Stack).Sum"}
	rep, err := goMeasure(context.Background(), tg, wrong, testMeasureOpts())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != core.Incorrect {
		t.Errorf("a variant that skips the first item: %s\n%s", rep.Verdict, rep.Detail)
	}
	right := "func (s *Stack[U]) Sum() U {\n\tvar t U\n\tfor _, x := range s.items {\n\t\tt += x\n\t}\n\treturn t\n}\n"
	rep, err = goMeasure(context.Background(), tg, right, testMeasureOpts())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Verdict.Verified() || rep.Checks.GeneratedCases == 0 || !strings.Contains(rep.Detail, "U = int") {
		t.Errorf("a right variant: %s, %d cases\n%s", rep.Verdict, rep.Checks.GeneratedCases, rep.Detail)
	}
}
