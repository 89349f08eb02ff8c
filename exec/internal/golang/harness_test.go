package golang

import (
	"errors"
	"fmt"
	"math"
	"math/rand"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// The harness runs inside the package under test; here its parts are
// exercised directly, in process.

type hsInner struct{ X int }

type hsStruct struct {
	n    int
	B    []string
	m    map[string]float64
	p    *hsInner
	Arr  [3]byte
	When time.Time
	w    fmt.Stringer // left nil
}

type hsNode struct {
	V    int
	Next *hsNode
}

func hsEqual(a, b any) (bool, string) {
	return lessonlEqual(reflect.ValueOf(a), reflect.ValueOf(b), "x", map[[2]uintptr]bool{})
}

// Values in reports: errors by their message, not their pointer.
func TestHarnessShow(t *testing.T) {
	var noErr error
	results := []reflect.Value{reflect.ValueOf(0), reflect.ValueOf(&noErr).Elem()}
	if got := lessonlShowResults(results, 100); got != "(0, error(nil))" {
		t.Errorf("a nil error shows as %s", got)
	}
	err := errors.New("not a digit")
	results[1] = reflect.ValueOf(&err).Elem()
	if got := lessonlShowResults(results, 100); got != `(0, error("not a digit"))` {
		t.Errorf("an error shows as %s", got)
	}
	pe := &os.PathError{Op: "open", Path: "x", Err: os.ErrNotExist}
	if got := lessonlShow(reflect.ValueOf(pe), 100); got != `error("open x: file does not exist")` {
		t.Errorf("a concrete error type shows as %s", got)
	}
	if got := lessonlShow(reflect.ValueOf("s"), 100); got != `"s"` {
		t.Errorf("a string shows as %s", got)
	}
}

func TestHarnessEqual(t *testing.T) {
	cyc1 := &hsNode{V: 1}
	cyc1.Next = cyc1
	cyc2 := &hsNode{V: 1}
	cyc2.Next = cyc2
	for _, tt := range []struct {
		name  string
		a, b  any
		equal bool
		where string
	}{
		{"same float", 1.0, 1.0 + 1e-12, true, ""},
		{"relative tolerance", 1e12, 1e12 + 1, true, ""},
		{"different float", 1.0, 1.001, false, "x"},
		{"NaN", math.NaN(), math.NaN(), true, ""},
		{"NaN vs number", math.NaN(), 0.0, false, "x"},
		{"infinities", math.Inf(1), math.Inf(1), true, ""},
		{"inf vs max", math.Inf(1), math.MaxFloat64, false, "x"},
		{"signed zeros", 0.0, math.Copysign(0, -1), true, ""},
		{"float32 tolerance", float32(1), float32(1.000001), true, ""},
		{"ints", 3, 4, false, "x"},
		{"nil and empty slice", []int(nil), []int{}, true, ""},
		{"slice element", []int{1, 2}, []int{1, 3}, false, "x[1]"},
		{"slice length", []int{1, 2}, []int{1}, false, "x (length 2 vs 1)"},
		{"nil and empty map", map[string]int(nil), map[string]int{}, true, ""},
		{"map value", map[string]int{"a": 1}, map[string]int{"a": 2}, false, `x["a"]`},
		{"map key", map[string]int{"a": 1}, map[string]int{"b": 1}, false, `x["a"] (missing)`},
		{"unexported field", hsStruct{n: 1}, hsStruct{n: 2}, false, "x.n"},
		{"nested pointer", hsStruct{p: &hsInner{1}}, hsStruct{p: &hsInner{2}}, false, "(*x.p).X"},
		{"nil pointer", hsStruct{p: &hsInner{1}}, hsStruct{}, false, "x.p"},
		{"cycles", cyc1, cyc2, true, ""},
		{"errors by message", errors.New("boom"), errors.New("boom"), true, ""},
		{"errors differ", errors.New("boom"), errors.New("bang"), false, ""},
		{"interface dynamic types", []any{1}, []any{"1"}, false, "x[0] (type int vs string)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			eq, where := hsEqual(tt.a, tt.b)
			if eq != tt.equal {
				t.Fatalf("equal = %v, want %v (at %s)", eq, tt.equal, where)
			}
			if !eq && tt.where != "" && where != tt.where {
				t.Errorf("first difference at %q, want %q", where, tt.where)
			}
		})
	}
}

func TestHarnessGenerate(t *testing.T) {
	ft := reflect.TypeOf(func(hsStruct, []map[int8][]uint16, *hsNode, string, complex128, bool, uintptr, [2]float32) {})
	seen := map[string]bool{}
	for _, c := range lessonlCases(lessonlConfig{Seeds: 5, Size: 50}) {
		a := lessonlArgs(ft, c, 50)
		b := lessonlArgs(ft, c, 50)
		for i := range a {
			if eq, where := lessonlEqual(a[i], b[i], "arg", map[[2]uintptr]bool{}); !eq {
				t.Fatalf("%+v: two generations differ at %s", c, where)
			}
		}
		seen[fmt.Sprintf("%#v", a[0])] = true
	}
	if len(seen) < 10 {
		t.Errorf("only %d distinct structs over all cases: the generator barely varies", len(seen))
	}
	// The sized profile gives slices of the configured length; others vary.
	var xs []int
	g := lessonlNewGen(1, "sized", 777)
	g.fill(reflect.ValueOf(&xs).Elem(), 0)
	if len(xs) != 777 {
		t.Errorf("sized slice length %d, want 777", len(xs))
	}
	// A struct behind a pointer (a method's receiver) is not a container:
	// its slices are as long; recursive types still end.
	type grid struct {
		Cells []float64
		Next  *grid
	}
	var gp *grid
	g = lessonlNewGen(1, "sized", 777)
	g.fill(reflect.ValueOf(&gp).Elem(), 0)
	chain := 0
	for p := gp; p != nil; p = p.Next {
		if len(p.Cells) != 777 {
			t.Errorf("sized slice in a struct at link %d: length %d, want 777", chain, len(p.Cells))
		}
		chain++
	}
	if chain == 0 || chain > 4 {
		t.Errorf("a recursive struct was followed %d links deep, want 1 to 4", chain)
	}
	// Unexported fields of our own structs are filled; other packages' are left alone.
	var s hsStruct
	for seed := int64(1); seed < 20 && s.n == 0; seed++ {
		lessonlNewGen(seed, "medium", 10).fill(reflect.ValueOf(&s).Elem(), 0)
	}
	if s.n == 0 || s.w != nil {
		t.Errorf("struct %+v: want n filled and w nil", s)
	}
	if s.When.IsZero() {
		t.Error("time.Time left zero")
	}
}

// Edge values appear: the runner's job is to catch variants wrong on them.
func TestHarnessEdgeValues(t *testing.T) {
	found := map[string]bool{}
	for seed := int64(1); seed <= 20; seed++ {
		g := lessonlNewGen(seed, "edge", 10)
		var i int
		var f float64
		var s []int
		g.fill(reflect.ValueOf(&i).Elem(), 0)
		g.fill(reflect.ValueOf(&f).Elem(), 0)
		g.fill(reflect.ValueOf(&s).Elem(), 0)
		found["maxint"] = found["maxint"] || i == math.MaxInt
		found["minint"] = found["minint"] || i == math.MinInt
		found["nan"] = found["nan"] || math.IsNaN(f)
		found["empty"] = found["empty"] || len(s) == 0
	}
	for _, k := range []string{"maxint", "minint", "nan", "empty"} {
		if !found[k] {
			t.Errorf("20 edge cases never gave %s", k)
		}
	}
}

func TestHarnessUnsupported(t *testing.T) {
	for _, tt := range []struct {
		f    any
		want string
	}{
		{func([]int, map[string]bool, *hsStruct) {}, ""},
		{func(func(int) int) {}, "func(int) int"},
		{func(chan int) {}, "chan int"},
		{func(error) {}, "error"},
		{func(unsafe.Pointer) {}, "unsafe.Pointer"},
		{func(struct{ F func() }) {}, ""}, // inside a struct: left nil
	} {
		if got := lessonlUnsupportedFunc(tt.f); got != tt.want {
			t.Errorf("lessonlUnsupportedFunc(%T) = %q, want %q", tt.f, got, tt.want)
		}
	}
}

type hsCounter struct{ hits []int }

func (c *hsCounter) Total() int {
	t := 0
	for _, h := range c.hits {
		t += h
	}
	return t
}

func (c *hsCounter) TotalDrain() int {
	t := c.Total()
	c.hits = c.hits[:0]
	return t
}

func TestHarnessDiff(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	sum := func(xs []int) int {
		t := 0
		for _, x := range xs {
			t += x
		}
		return t
	}
	maxOf := func(xs []int) int {
		m := xs[0]
		for _, x := range xs {
			if x > m {
				m = x
			}
		}
		return m
	}
	for _, tt := range []struct {
		name       string
		orig, vari any
		status     string
		check      func(t *testing.T, r lessonlResult)
	}{
		{name: "identical", orig: sum, vari: func(xs []int) (t int) {
			for i := len(xs) - 1; i >= 0; i-- {
				t += xs[i]
			}
			return
		}, status: "ok", check: func(t *testing.T, r lessonlResult) {
			if r.Cases != 5*20-15 || r.Panics != 0 {
				t.Errorf("cases %d panics %d; want 85 and 0", r.Cases, r.Panics)
			}
		}},
		{name: "wrong on negatives", orig: maxOf, vari: func(xs []int) int {
			_ = xs[0] // panics on empty, as the original does
			m := 0
			for _, x := range xs {
				if x > m {
					m = x
				}
			}
			return m
		}, status: "mismatch", check: func(t *testing.T, r lessonlResult) {
			if !strings.HasPrefix(r.Input, "xs=") || r.Where != "result 0" || r.Original == r.Variant {
				t.Errorf("%+v", r)
			}
		}},
		{name: "both panic on empty", orig: maxOf, vari: func(xs []int) int {
			m := xs[len(xs)-1]
			for _, x := range xs {
				if x > m {
					m = x
				}
			}
			return m
		}, status: "ok", check: func(t *testing.T, r lessonlResult) {
			if r.Panics == 0 {
				t.Error("no input where both panicked")
			}
		}},
		{name: "only the original panics", orig: maxOf, vari: func(xs []int) int {
			if len(xs) == 0 {
				return 0
			}
			return maxOf(xs)
		}, status: "mismatch", check: func(t *testing.T, r lessonlResult) {
			if !strings.HasPrefix(r.Original, "panic: ") {
				t.Errorf("original %q: want the panic", r.Original)
			}
		}},
		{name: "variant panics", orig: sum, vari: func(xs []int) int {
			if len(xs) > 2 {
				panic("too long")
			}
			return sum(xs)
		}, status: "variant_panic", check: func(t *testing.T, r lessonlResult) {
			if r.Variant != "panic: too long" {
				t.Errorf("variant %q", r.Variant)
			}
		}},
		{name: "mutates its argument", orig: func(xs []int) int { return sum(xs) }, vari: func(xs []int) int {
			sort.Ints(xs)
			return sum(xs)
		}, status: "mismatch", check: func(t *testing.T, r lessonlResult) {
			if !strings.Contains(r.Where, "changed by the call") || !strings.HasPrefix(r.Where, "xs") {
				t.Errorf("where %q", r.Where)
			}
		}},
		{name: "mutates the receiver", orig: (*hsCounter).Total, vari: (*hsCounter).TotalDrain, status: "mismatch", check: func(t *testing.T, r lessonlResult) {
			if !strings.Contains(r.Where, "hits") {
				t.Errorf("where %q", r.Where)
			}
		}},
		{name: "variant hangs", orig: sum, vari: func(xs []int) int {
			<-release
			return 0
		}, status: "variant_timeout"},
		{name: "original not deterministic", orig: func(xs []int) int { return rand.Int() }, vari: sum, status: "unstable"},
		{name: "unsupported", orig: func(f func() int) int { return f() }, vari: func(f func() int) int { return f() }, status: "unsupported"},
		{name: "variadic", orig: func(xs ...int) int { return sum(xs) }, vari: func(xs ...int) int { return sum(xs) }, status: "ok"},
		{name: "errors compared by message", orig: func(s string) error {
			if s == "" {
				return errors.New("empty")
			}
			return nil
		}, vari: func(s string) error {
			if len(s) == 0 {
				return fmt.Errorf("empty")
			}
			return nil
		}, status: "ok"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := lessonlConfig{Seeds: 20, Size: 100, Budget: 5, Slack: 0.2}
			marks := 0
			r := lessonlRunDiff(reflect.ValueOf(tt.orig), reflect.ValueOf(tt.vari), []string{"xs"}, cfg, func(string, any) { marks++ })
			if r.Status != "unsupported" && marks == 0 {
				t.Error("no progress marks: a crash could not be attributed")
			}
			if r.Status != tt.status {
				t.Fatalf("status %q, want %q: %+v", r.Status, tt.status, r)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func TestHarnessCopy(t *testing.T) {
	src := hsStruct{n: 1, B: []string{"a"}, m: map[string]float64{"k": 1}, p: &hsInner{2}}
	var dst hsStruct
	lessonlCopy(reflect.ValueOf(&dst).Elem(), reflect.ValueOf(&src).Elem())
	if eq, where := hsEqual(src, dst); !eq {
		t.Fatalf("copy differs at %s", where)
	}
	dst.B[0], dst.m["k"], dst.p.X = "b", 2, 3
	if src.B[0] != "a" || src.m["k"] != 1 || src.p.X != 2 {
		t.Errorf("changing the copy changed the source: %+v", src)
	}
	// Restoring reuses storage of the same length: cheap in a benchmark loop.
	xs := []int{1, 2, 3}
	restore := lessonlSnapshot(&xs)
	before := &xs[0]
	sort.Sort(sort.Reverse(sort.IntSlice(xs)))
	restore()
	if !reflect.DeepEqual(xs, []int{1, 2, 3}) || &xs[0] != before {
		t.Errorf("restore gave %v (same storage: %v)", xs, &xs[0] == before)
	}
	ys := []int{3, 1, 2}
	if !lessonlMutates(sort.Ints, &ys) || lessonlMutates(func(xs []int) int { return len(xs) }, &ys) {
		t.Error("lessonlMutates: want true for sort.Ints, false for len")
	}
	if !reflect.DeepEqual(ys, []int{3, 1, 2}) {
		t.Errorf("lessonlMutates changed its input: %v", ys)
	}
}

type hsMetrics map[string]float64

func (m hsMetrics) ReportMetric(v float64, unit string) { m[unit] = v }

// The A/B driver calibrates both sides, then alternates them in chunks,
// A B then B A, and reports each side's time per call.
func TestHarnessAB(t *testing.T) {
	t.Setenv("LESSONL_AB", fmt.Sprint(int64(5*time.Millisecond), ",", 8))
	var cpu int64
	ab := lessonlNewAB(func() int64 { return cpu })
	var order []bool
	calls := [2]int{}
	for ab.Next() {
		if ab.phase == 2 {
			order = append(order, ab.Orig)
		}
		// The "variant" costs half: 1µs of CPU per call against 2µs.
		per := int64(2000)
		if !ab.Orig {
			per = 1000
		}
		start := time.Now()
		for time.Since(start) < time.Duration(per*int64(ab.N)) {
		}
		cpu += per * int64(ab.N)
		calls[ab.side()] += ab.N
		ab.Done()
	}
	if len(order) != 16 {
		t.Fatalf("%d measured chunks, want 16", len(order))
	}
	for i := 0; i < len(order); i += 4 {
		if !order[i] || order[i+1] || order[i+2] || !order[i+3] {
			t.Fatalf("chunk order %v: want A B B A repeated", order)
		}
	}
	m := hsMetrics{}
	ab.Report(m)
	if m["orig-cpu-ns/op"] != 2000 || m["variant-cpu-ns/op"] != 1000 {
		t.Errorf("metrics %v: want 2000 and 1000 CPU ns per call", m)
	}
	if m["orig-ns/op"] < 2000 || m["variant-ns/op"] < 1000 {
		t.Errorf("wall metrics %v below the time spent", m)
	}
}
